package dev.inlet.functions.ingestion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.inlet.bench.AdminApi;
import dev.inlet.bench.TrackingBodies;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.ratelimit.LeasedRateLimiter;
import dev.inlet.common.ratelimit.RateLimitPolicy;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.KeyGrant;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceStatus;
import dev.inlet.common.source.SourceType;
import dev.inlet.common.source.WriteKeys;
import dev.inlet.common.store.EventStore;
import dev.inlet.common.testing.TestRequests;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;

/**
 * Figure 2: the ingestion pipeline's CPU without I/O, beside Jackson merely parsing and re-serialising the same body.
 *
 * <p>{@link #pipeline} is {@link IngestService#ingest} as the handler calls it: read the body, check the key's
 * checksum and hash it (two HMACs), find it in a warm {@link KeyCache}, validate every event, check types, take
 * tokens from a local rate-limit lease (the shared bucket is a stub that grants, so a lease is renewed without I/O),
 * and build every DynamoDB item and request; the DynamoDB client returns at once instead of sending. {@link #jackson}
 * is a plain {@code ObjectMapper}'s {@code readTree} and {@code writeValueAsString} of the same body: the floor.
 *
 * <p>Sample mode: JMH times individual calls, and the suite reports the median call. On a machine shared with other
 * builds an average is dominated by the calls that were descheduled halfway; the median call mostly was not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class IngestPipelineBenchmark {

    private static final String PEPPER = "bench-pepper-not-a-secret-0123456789";
    private static final Duration BUDGET = Duration.ofSeconds(3);

    @Param({"1", "100"})
    public int events;

    private final ObjectMapper plainJackson = new ObjectMapper();
    private String body;
    private CallType call;
    private ApiRequest request;
    private IngestService service;

    @Setup
    public void setUp() {
        SecretHasher hasher = SecretHasher.withPepper(PEPPER);
        String key = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.SERVER, hasher).key();
        KeyGrant grant = new KeyGrant("key_bench", key.substring(0, 20), "src_bench", "prj_bench", SourceType.SERVER,
                SourceStatus.ACTIVE, Optional.of(RateLimitPolicy.MAX_EVENTS_PER_SECOND),
                Optional.of(RateLimitPolicy.MAX_BURST), EnumSet.allOf(EventType.class), List.of(), Optional.empty(),
                false);
        Clock clock = Clock.systemUTC();
        service = new IngestService(new KeyCache(hash -> Optional.of(grant), clock, KeyCache.MAX_TTL), hasher,
                new LeasedRateLimiter(new IngestHandler.GrantingBucket(), clock), RateLimitPolicy.Defaults.TEMPLATE,
                new EventStore(new NoIoDynamoDb(), "EventsTable"),
                new RefusalCounts(Optional.empty(), clock), new RefusalSamples(Optional.empty(), clock), clock,
                Duration.ofDays(7));
        body = TrackingBodies.body("bench", events);
        call = events == 1 ? CallType.TRACK : CallType.BATCH;
        request = new ApiRequest(TestRequests.route(events == 1 ? "POST /v1/track" : "POST /v1/batch")
                .header("authorization", new AdminApi.Source(grant.sourceId(), key).basicAuthorization())
                .json(body).build());
        pipeline(); // fails here, not in the measurement, if anything is refused
    }

    @Benchmark
    public IngestService.Accepted pipeline() {
        return service.ingest(call, request, body, false, BUDGET);
    }

    @Benchmark
    public String jackson() throws JsonProcessingException {
        return plainJackson.writeValueAsString(plainJackson.readTree(body));
    }

    /** Takes the built requests and answers at once: no marshalling, no HTTP. */
    static final class NoIoDynamoDb implements DynamoDbClient {
        @Override
        public PutItemResponse putItem(PutItemRequest request) {
            return PutItemResponse.builder().build();
        }

        @Override
        public BatchWriteItemResponse batchWriteItem(BatchWriteItemRequest request) {
            return BatchWriteItemResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }
}
