package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The events table's stream feeding the StatsAggregatorFunction inside the whole runtime, as in AWS. */
class LocalRuntimeStreamsTest {

    private static final String AGGREGATOR = "StatsAggregatorFunction";
    private static final String POLLER_THREAD = "inlet-stream-" + AGGREGATOR + ".EventsStream";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalRuntime runtime;
    private static final List<DynamodbStreamRecord> DELIVERED = new CopyOnWriteArrayList<>();

    private record Source(String id, String key) {
    }

    @BeforeAll
    static void start() {
        runtime = LocalRuntime.start(LocalRuntime.Options.forTests());
        runtime.function(AGGREGATOR).addInvocationListener(LocalRuntimeStreamsTest.recordInto(DELIVERED));
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    private static java.util.function.Consumer<Object> recordInto(List<DynamodbStreamRecord> records) {
        return event -> records.addAll(((DynamodbEvent) event).getRecords());
    }

    private static HttpResponse<String> send(LocalRuntime target, HttpRequest.Builder request) throws Exception {
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Source createSource(LocalRuntime target) throws Exception {
        HttpResponse<String> created = send(target, HttpRequest.newBuilder(
                        URI.create(target.baseUri() + "/api/v1/events/write-keys"))
                .header("Authorization", "Bearer " + target.adminToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Streams\",\"source_type\":\"server\"}")));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode body = JSON.readTree(created.body());
        return new Source(body.get("id").asText(), body.get("key").asText());
    }

    private static void track(LocalRuntime target, Source source, String messageId) throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString((source.key() + ":").getBytes(UTF_8));
        HttpResponse<String> tracked = send(target, HttpRequest.newBuilder(URI.create(target.baseUri() + "/v1/track"))
                .header("Authorization", basic).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"u1\",\"event\":\"Signed Up\",\"messageId\":\""
                        + messageId + "\"}")));
        assertEquals(200, tracked.statusCode(), tracked.body());
    }

    private static List<DynamodbStreamRecord> recordsOf(List<DynamodbStreamRecord> records, Source source) {
        return records.stream().filter(record -> source.id().equals(record.getDynamodb().getNewImage()
                .get("source_id").getS())).toList();
    }

    private static long pollerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals(POLLER_THREAD) && thread.isAlive()).count();
    }

    @Test
    void anAcceptedEventReachesTheAggregatorOnceAndItsCallsStayWithinItsPolicy() throws Exception {
        Source source = createSource(runtime);
        track(runtime, source, "m-stream-1");
        runtime.awaitStreamsIdle(TIMEOUT);

        List<DynamodbStreamRecord> records = recordsOf(DELIVERED, source);
        assertEquals(1, records.size(), records.toString());
        DynamodbStreamRecord insert = records.getFirst();
        assertEquals("INSERT", insert.getEventName());
        assertEquals("aws:dynamodb", insert.getEventSource());
        assertEquals(runtime.dynamoDb().describeTable(describe -> describe.tableName(
                runtime.tableName("EventsTable"))).table().latestStreamArn(), insert.getEventSourceARN());
        assertEquals("m-stream-1", insert.getDynamodb().getNewImage().get("message_id").getS());

        track(runtime, source, "m-stream-1"); // a client's retry overwrites the item: not a new event
        runtime.awaitStreamsIdle(TIMEOUT);
        assertEquals(1, recordsOf(DELIVERED, source).size(), "the overwrite is filtered out");

        HttpResponse<String> read = send(runtime, HttpRequest.newBuilder(URI.create(runtime.baseUri()
                + "/api/v1/events/write-keys/" + source.id())).header("Authorization", "Bearer " + runtime.adminToken()));
        assertEquals(200, read.statusCode(), read.body());
        assertFalse(JSON.readTree(read.body()).path("last_event_at").isNull(), "aggregated: " + read.body());

        List<DynamoDbCallRecorder.Access> aggregatorCalls = DynamoDbCallRecorder.functionAccesses().stream()
                .filter(access -> access.functionLogicalId().orElseThrow().equals(AGGREGATOR)).toList();
        assertFalse(aggregatorCalls.isEmpty(), "the aggregator's own DynamoDB calls are attributed to it");
        assertEquals(List.of(), PolicyCoverage.violations(runtime.template(), aggregatorCalls, runtime.tableNames()));
    }

    @Test
    void theBannerShowsTheStreamMapping() {
        assertTrue(runtime.banner().contains("EventsTable stream"), runtime.banner());
        assertTrue(runtime.banner().lines().anyMatch(line -> line.contains("EventsTable stream")
                && line.contains(AGGREGATOR) && line.contains("eventName")), runtime.banner());
    }

    @Test
    void closeJoinsThePollersAndARestartOnTheDataDirectoryDoesNotDeliverAgain(@TempDir Path dataDir)
            throws Exception {
        long threadsBefore = pollerThreads();
        LocalRuntime.Options options = LocalRuntime.Options.forTests().withDataDir(dataDir);
        Source source;
        try (LocalRuntime first = LocalRuntime.start(options)) {
            List<DynamodbStreamRecord> delivered = new CopyOnWriteArrayList<>();
            first.function(AGGREGATOR).addInvocationListener(recordInto(delivered));
            assertEquals(threadsBefore + 1, pollerThreads());
            source = createSource(first);
            track(first, source, "m-before-restart");
            first.awaitStreamsIdle(TIMEOUT);
            assertEquals(1, recordsOf(delivered, source).size());
        }
        assertEquals(threadsBefore, pollerThreads(), "close() joined the poller");

        try (LocalRuntime second = LocalRuntime.start(options)) {
            List<DynamodbStreamRecord> delivered = new CopyOnWriteArrayList<>();
            second.function(AGGREGATOR).addInvocationListener(recordInto(delivered));
            second.awaitStreamsIdle(TIMEOUT);
            assertEquals(List.of(), recordsOf(delivered, source), "the checkpoint kept the old event from coming again");

            track(second, source, "m-after-restart");
            second.awaitStreamsIdle(TIMEOUT);
            assertEquals(List.of("m-after-restart"), recordsOf(delivered, source).stream()
                    .map(record -> record.getDynamodb().getNewImage().get("message_id").getS()).toList());
        }
    }
}
