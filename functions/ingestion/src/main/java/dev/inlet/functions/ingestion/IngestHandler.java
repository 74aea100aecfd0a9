package dev.inlet.functions.ingestion;

import dev.inlet.common.logging.LoggingStartup;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.config.AwsClients;
import dev.inlet.common.config.Priming;
import dev.inlet.common.config.RuntimeEnvironment;
import dev.inlet.common.config.SdkRetries;
import dev.inlet.common.config.SecretValues;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.http.ApiResponses;
import dev.inlet.common.http.Json;
import dev.inlet.common.logging.LogLimit;
import dev.inlet.common.logging.RequestLog;
import dev.inlet.common.ratelimit.LeasedRateLimiter;
import dev.inlet.common.ratelimit.RateLimitPolicy;
import dev.inlet.common.ratelimit.RateLimitStore;
import dev.inlet.common.ratelimit.SharedBucketStore;
import dev.inlet.common.store.DebugSampleRepository;
import dev.inlet.common.store.EventStore;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.store.TableNames;
import dev.inlet.common.store.WriteKeyRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.crac.Core;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The tracking API (Segment-compatible): {@code POST /v1/track … /v1/batch} and their one-letter browser aliases,
 * and the CORS preflight. Adapts API Gateway events to {@link IngestService}.
 */
public final class IngestHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>,
        Resource {

    static {
        // Before anything asks for a logger; Jackson's set-up needs none, so it overlaps logging's start.
        LoggingStartup.beginInBackground(Json.class);
    }

    private static final Logger LOG = LoggerFactory.getLogger(IngestHandler.class);
    static final String RETENTION_DAYS = "EVENT_RETENTION_DAYS";
    static final String KEY_CACHE_SECONDS = "KEY_CACHE_SECONDS";
    private static final Duration DEFAULT_STORAGE_BUDGET = Duration.ofSeconds(3);
    private static final Duration MAX_STORAGE_BUDGET = Duration.ofSeconds(5);

    private static final String PRIMING_BATCH = "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\","
            + "\"timestamp\":\"2026-01-01T00:00:00Z\",\"properties\":{\"a\":1}},{\"type\":\"identify\","
            + "\"anonymousId\":\"a\",\"traits\":{}}],\"context\":{\"library\":{\"name\":\"priming\"}}}";

    private final IngestService service;
    private final WriteKeyRepository keys;
    private final IngestMetrics metrics;
    private final LongSupplier retries;
    private final LogLimit refusalLogLimit = new LogLimit();
    private final Clock clock;
    private final RefusalSamples samples;

    public IngestHandler() {
        this(new SdkRetries(), RuntimeEnvironment.current());
        Core.getGlobalContext().register(this);
    }

    private IngestHandler(SdkRetries retries, Map<String, String> environment) {
        this(AwsClients.dynamoDb(environment, retries), environment,
                SecretValues.fromEnvironment(environment, () -> AwsClients.secretsManager(environment)),
                Clock.tick(Clock.systemUTC(), Duration.ofMillis(1)), MetricsFactory.getMetricsInstance(),
                retries::take);
    }

    IngestHandler(DynamoDbClient dynamo, Map<String, String> environment, SecretValues secrets, Clock clock,
                  Metrics metrics) {
        this(dynamo, environment, secrets, clock, metrics, () -> 0);
    }

    /** {@code retries}: the SDK's DynamoDB retries since it was last asked, for the metrics. */
    IngestHandler(DynamoDbClient dynamo, Map<String, String> environment, SecretValues secrets, Clock clock,
                  Metrics metrics, LongSupplier retries) {
        this.retries = retries;
        this.clock = clock;
        this.metrics = new IngestMetrics(metrics, environment);
        this.keys = new WriteKeyRepository(dynamo, TableNames.required(environment, TableNames.WRITE_KEYS));
        Duration cacheTtl = Duration.ofSeconds(Long.parseLong(environment.getOrDefault(KEY_CACHE_SECONDS,
                Long.toString(KeyCache.MAX_TTL.toSeconds()))));
        Duration retention = Duration.ofDays(Long.parseLong(environment.getOrDefault(RETENTION_DAYS, "7")));
        this.samples = new RefusalSamples(TableNames.optional(environment, TableNames.DEBUGGER).map(table ->
                new DebugSampleRepository(RefusalSamples.withBoundedBatchWrites(dynamo), table)), clock);
        this.service = new IngestService(new KeyCache(keys::find, clock, cacheTtl),
                new SecretHasher(secrets::pepper),
                new LeasedRateLimiter(RateLimitStore.fromEnvironment(dynamo, environment), clock),
                RateLimitPolicy.Defaults.fromEnvironment(environment),
                new EventStore(dynamo, TableNames.required(environment, TableNames.EVENTS)),
                new RefusalCounts(TableNames.optional(environment, TableNames.SOURCE_STATS)
                        .map(table -> new SourceStatsRepository(dynamo, table)), clock),
                samples, clock, retention);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        ApiRequest request = new ApiRequest(event);
        return RequestLog.around(context, request.requestId(), request.routeKey(), () -> {
            long started = System.nanoTime();
            Answer answer = answer(request, context);
            // Before the answer goes out, so part of the latency measured: a refusal's count and debugger example
            // are written by that refusal's own request when the container wrote none within the last second.
            service.flushRefusalCountsIfDue();
            samples.flushIfDue();
            long millis = (System.nanoTime() - started) / 1_000_000;
            metrics.record(context, answer.response().getStatusCode(), answer.outcome(), answer.acceptedEvents(),
                    answer.refusedEvents(), millis, retries.getAsLong());
            log(answer, millis);
            return answer.response();
        });
    }

    /**
     * One line per request: INFO for accepted ones; for refusals at most one INFO line per source (or unattributed)
     * and error code per second ({@link LogLimit}), the others at DEBUG; WARN for a 503, ERROR for a 500.
     */
    private void log(Answer answer, long millis) {
        RequestLog.outcome(answer.outcome());
        int status = answer.response().getStatusCode();
        RequestLog.answered(status, millis);
        if (status == 503) {
            LOG.warn("Answered {} {}", status, answer.outcome());
        } else if (status >= 500) {
            LOG.error("Answered {} {}", status, answer.outcome());
        } else if (status >= 400) {
            String source = Optional.ofNullable(MDC.get(RequestLog.SOURCE_ID)).orElse(RefusalCounts.UNATTRIBUTED);
            OptionalLong admitted = refusalLogLimit.admit(source + "\n" + answer.outcome(), clock.millis());
            if (admitted.isPresent()) {
                RequestLog.heldBack(admitted.getAsLong());
                LOG.info("Answered {} {}", status, answer.outcome());
            } else {
                LOG.debug("Answered {} {}", status, answer.outcome());
            }
        } else {
            RequestLog.events(answer.acceptedEvents());
            LOG.info("Answered {} {}", status, answer.outcome());
        }
    }

    /** The response, and what the metrics say of it: "accepted", "preflight", or the refusal's error code. */
    private record Answer(APIGatewayV2HTTPResponse response, String outcome, int acceptedEvents,
                          int refusedEvents) {
    }

    private Answer answer(ApiRequest request, Context context) {
        try {
            if (request.method().equals("OPTIONS")) {
                return new Answer(preflight(request), "preflight", 0, 0);
            }
            CallType call = CallType.forRouteKey(request.routeKey()).orElseThrow(() -> ApiError.of(404,
                    "route_not_found", "No tracking endpoint " + request.routeKey()));
            IngestService.Accepted accepted = service.ingest(call, request, request.rawBody(),
                    request.isBase64Encoded(), storageBudget(context));
            ObjectNode body = Json.object().put("success", true);
            return new Answer(ApiResponses.json(200, body, accepted.headers()), "accepted", accepted.events(), 0);
        } catch (IngestService.Refused refused) {
            return new Answer(ApiResponses.error(refused.error()), refused.error().code(), 0, refused.events());
        } catch (ApiError refusal) {
            return new Answer(ApiResponses.error(refusal), refusal.code(), 0, 0); // an unknown route: no events read
        } catch (RuntimeException | StackOverflowError bug) {
            LOG.error("Request {} on {} failed", request.requestId(), request.routeKey(), bug);
            return new Answer(ApiResponses.internalError(request.requestId()), "internal_error", 0, 0);
        }
    }

    /**
     * Preflights carry no key, so they cannot be checked against a source: they are allowed for any origin, and the
     * real request is refused (403, no allow header) when its source does not list the origin.
     */
    private static APIGatewayV2HTTPResponse preflight(ApiRequest request) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.header("origin").ifPresent(origin -> headers.put("Access-Control-Allow-Origin", origin));
        headers.put("Access-Control-Allow-Methods", "POST, OPTIONS");
        headers.put("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding");
        headers.put("Access-Control-Max-Age", "600");
        headers.put("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(204).withHeaders(headers).build();
    }

    /** Time for storage retries: what the invocation has left, minus a margin to answer, at most 5 s. */
    private static Duration storageBudget(Context context) {
        if (context == null || context.getRemainingTimeInMillis() <= 0) {
            return DEFAULT_STORAGE_BUDGET;
        }
        Duration left = Duration.ofMillis(context.getRemainingTimeInMillis()).minusSeconds(2);
        if (left.compareTo(Duration.ofMillis(500)) < 0) {
            return Duration.ofMillis(500);
        }
        return left.compareTo(MAX_STORAGE_BUDGET) > 0 ? MAX_STORAGE_BUDGET : left;
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        // A malformed key is refused before the pepper is needed, so no secret is read into the snapshot.
        // answer(), not handleRequest(): priming must not be counted as a request in the metrics.
        Priming.run("request with a malformed key", () -> answer(new ApiRequest(Priming.request("POST /v1/track",
                null, "{\"writeKey\":\"inlet_live_sk_x\",\"userId\":\"u\",\"event\":\"e\"}")), null));
        // The accepted path's classes (event reading, HMAC, the rate limiter) with throwaway values and a store that
        // writes nothing: no secret is read, no bucket is touched, nothing is kept.
        Priming.run("event reading, hashing and rate limiting", () -> {
            IncomingEvents.read(CallType.BATCH, Json.parse(PRIMING_BATCH));
            SecretHasher.withPepper("snapstart-priming-only-not-a-secret").hash("inlet_live_sk_priming");
            new LeasedRateLimiter(new GrantingBucket(), Clock.systemUTC())
                    .decide("snapstart-priming", RateLimitPolicy.of(1_000, 0), 2).headers();
        });
        Priming.run("DynamoDB GetItem", () -> keys.find("snapstart-priming"));
        // The malformed-key request above was counted and sampled as a refusal: no producer made it.
        service.discardRefusalCounts();
        samples.discardPending();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to refresh: the key cache is empty before the snapshot and no secret has been read.
    }

    /** A shared bucket that grants every lease without I/O: priming (and the hot-path benchmark) use it. */
    static final class GrantingBucket implements SharedBucketStore {
        @Override
        public Attempt takeFromFull(String key, long now, long cost, RateLimitPolicy policy, long purgeAt) {
            return Attempt.taken(now + cost);
        }

        @Override
        public Attempt takeFromPartial(String key, long now, long cost, long latest, RateLimitPolicy policy,
                                       long purgeAt) {
            return Attempt.taken(now + cost);
        }
    }
}
