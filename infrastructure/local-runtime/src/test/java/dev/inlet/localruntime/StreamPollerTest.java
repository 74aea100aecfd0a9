package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;

import dev.inlet.localaws.DynamoDbLocal;
import dev.inlet.localaws.DynamoDbLocalServer;
import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.LocalClients;
import dev.inlet.localaws.LocalTables;
import dev.inlet.localaws.SamTemplate;
import dev.inlet.localaws.StreamEventSource;
import dev.inlet.localaws.StreamEventSource.StartingPosition;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** The poller against DynamoDB Local's real stream, with a recording handler. */
class StreamPollerTest {

    private static final SamTemplate TABLES = SamTemplate.parse("""
            Resources:
              Things:
                Type: AWS::DynamoDB::Table
                Properties:
                  AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                  KeySchema: [{AttributeName: id, KeyType: HASH}]
                  StreamSpecification: {StreamViewType: NEW_IMAGE}
            """);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String INSERTS_ONLY = "{\"eventName\": [\"INSERT\"]}";

    private final DynamoDbLocalServer server = DynamoDbLocal.sharedServer();
    private final DynamoDbClient dynamoDb = server.client();
    private final List<StreamPoller> pollers = new ArrayList<>();
    private String table;
    private String streamArn;

    @BeforeEach
    void freshTable() {
        table = LocalTables.createAll(dynamoDb, TABLES, LocalTables.uniquePrefix(StreamPollerTest.class)).get("Things");
        streamArn = dynamoDb.describeTable(describe -> describe.tableName(table)).table().latestStreamArn();
    }

    @AfterEach
    void closePollers() {
        pollers.forEach(StreamPoller::close);
    }

    private static StreamEventSource source(int batchSize, int windowSeconds, boolean reportFailures,
                                            String... filters) {
        return new StreamEventSource("Consumer", "Changes", "Things", StartingPosition.TRIM_HORIZON, batchSize,
                windowSeconds, reportFailures, List.of(filters));
    }

    private static StreamEventSource withRetries(StreamEventSource source, int retries, boolean bisect) {
        return new StreamEventSource(source.functionLogicalId(), source.eventName(), source.tableLogicalId(),
                source.startingPosition(), source.batchSize(), source.maximumBatchingWindowSeconds(),
                source.reportBatchItemFailures(), source.filterPatterns(), retries, bisect, Optional.of("Dlq"), true,
                List.of());
    }

    private static LambdaFunction function(Object handler) {
        FunctionDefinition definition = new FunctionDefinition("Consumer", handler.getClass().getName(),
                "handleRequest", "", Map.of(), List.of(), List.of(), 3, 256);
        return new LambdaFunction(definition, (com.amazonaws.services.lambda.runtime.RequestHandler<?, ?>) handler,
                "us-east-1");
    }

    private StreamPoller start(StreamEventSource source, RecordingStreamHandler handler) {
        return start(source, handler, Optional.empty(), server.streamsClient());
    }

    private StreamPoller start(StreamEventSource source, RecordingStreamHandler handler, Optional<Path> checkpoints,
                               DynamoDbStreamsClient streams) {
        StreamPoller poller = new StreamPoller(source, function(handler), streamArn, streams, checkpoints,
                "eu-west-1", false);
        pollers.add(poller);
        poller.start();
        return poller;
    }

    private void put(String id, String value) {
        dynamoDb.putItem(put -> put.tableName(table).item(Map.of("id", AttributeValue.fromS(id),
                "v", AttributeValue.fromS(value))));
    }

    private static List<String> sequences(List<DynamodbStreamRecord> records) {
        return records.stream().map(record -> record.getDynamodb().getSequenceNumber()).toList();
    }

    @Test
    void deliversEachRecordAsLambdaDoesRunningAsTheFunction() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        StreamPoller poller = start(source(100, 0, false), handler);
        put("a", "1");
        poller.awaitIdle(TIMEOUT);

        assertEquals(List.of(1), handler.batchSizes());
        DynamodbStreamRecord record = handler.batches.getFirst().getFirst();
        assertEquals("INSERT", record.getEventName());
        assertEquals("1.1", record.getEventVersion());
        assertEquals("aws:dynamodb", record.getEventSource());
        assertEquals("eu-west-1", record.getAwsRegion());
        assertEquals(streamArn, record.getEventSourceARN());
        assertNotNull(record.getEventID());
        assertEquals("a", record.getDynamodb().getKeys().get("id").getS());
        assertEquals("1", record.getDynamodb().getNewImage().get("v").getS());
        assertNull(record.getDynamodb().getOldImage(), "NEW_IMAGE streams carry no old image");
        assertEquals("NEW_IMAGE", record.getDynamodb().getStreamViewType());
        assertTrue(record.getDynamodb().getSizeBytes() > 0);
        assertEquals(0, record.getDynamodb().getApproximateCreationDateTime().getTime() % 1000);
        assertEquals(List.of(Optional.of("Consumer")), handler.runningAs);
        assertEquals(new StreamPoller.Stats(1, 0, 0), poller.stats());
    }

    @Test
    void theInsertFilterDeliversTheInsertAndDropsTheOverwrite() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        StreamPoller poller = start(source(100, 0, false, INSERTS_ONLY), handler);
        put("a", "first");
        put("a", "second");
        poller.awaitIdle(TIMEOUT);

        assertEquals(List.of("first"), handler.values("v"));
        assertEquals("INSERT", handler.batches.getFirst().getFirst().getEventName());
        assertEquals(new StreamPoller.Stats(1, 1, 0), poller.stats());
    }

    @Test
    void batchesHoldAtMostBatchSizeRecordsInStreamOrder() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        StreamPoller poller = start(source(2, 300, false), handler); // only full batches go before the await
        for (String id : List.of("a", "b", "c", "d", "e")) {
            put(id, id);
        }
        poller.awaitIdle(TIMEOUT);

        assertEquals(List.of(2, 2, 1), handler.batchSizes());
        assertEquals(List.of("a", "b", "c", "d", "e"), handler.values("v"));
    }

    @Test
    void theBatchingWindowGathersRecordsWrittenTogether() throws Exception {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        start(source(100, 1, false), handler);
        long written = System.nanoTime();
        put("a", "a");
        put("b", "b");
        put("c", "c");

        List<DynamodbStreamRecord> batch = handler.nextBatch(); // no await: the window alone sends it
        long waitedMillis = (System.nanoTime() - written) / 1_000_000;
        assertEquals(3, batch.size());
        assertTrue(waitedMillis >= 950, "sent after " + waitedMillis + " ms, before the 1 s window ended");
    }

    @Test
    void reportedFailuresAreRetriedFromTheFirstFailedRecord() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        handler.responder = (records, invocation) -> invocation == 1
                ? RecordingStreamHandler.failing(sequences(records).get(3), sequences(records).get(2))
                : RecordingStreamHandler.failing();
        StreamPoller poller = start(source(10, 300, true), handler);
        for (String id : List.of("a", "b", "c", "d")) {
            put(id, id);
        }
        poller.awaitIdle(TIMEOUT);

        assertEquals(List.of("a", "b", "c", "d", "c", "d"), handler.values("v"));
        assertEquals(sequences(handler.batches.get(0)).subList(2, 4), sequences(handler.batches.get(1)));
        assertEquals(new StreamPoller.Stats(4, 0, 0), poller.stats());
    }

    @Test
    void reportedFailuresMeanNothingWithoutReportBatchItemFailures() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        handler.responder = (records, invocation) -> RecordingStreamHandler.failing(sequences(records).getFirst());
        StreamPoller poller = start(source(10, 0, false), handler);
        put("a", "a");
        poller.awaitIdle(TIMEOUT);
        assertEquals(List.of("a"), handler.values("v"));
    }

    @Test
    void anUnknownItemIdentifierFailsTheWholeBatch() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        handler.responder = (records, invocation) -> invocation == 1 ? RecordingStreamHandler.failing("unknown")
                : RecordingStreamHandler.failing();
        StreamPoller poller = start(source(10, 300, true), handler);
        put("a", "a");
        put("b", "b");
        poller.awaitIdle(TIMEOUT);
        assertEquals(List.of("a", "b", "a", "b"), handler.values("v"));
    }

    @Test
    void aThrowingHandlerGetsTheSameBatchAgain() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        handler.responder = (records, invocation) -> {
            if (invocation == 1) {
                throw new IllegalStateException("expected by StreamPollerTest: a transient failure");
            }
            return null;
        };
        StreamPoller poller = start(source(10, 300, true), handler);
        put("a", "a");
        put("b", "b");
        poller.awaitIdle(TIMEOUT);

        assertEquals(2, handler.batches.size());
        assertEquals(StreamRecordsEventIds.of(handler.batches.get(0)), StreamRecordsEventIds.of(handler.batches.get(1)));
        assertEquals(new StreamPoller.Stats(2, 0, 0), poller.stats());
    }

    @Test
    void whenRetriesRunOutTheBatchIsDiscardedAndTheShardMovesOn() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        handler.responder = (records, invocation) -> {
            if (handler.values("v").getLast().equals("poison")) {
                throw new IllegalStateException("expected by StreamPollerTest: a poison record");
            }
            return null;
        };
        StreamPoller poller = start(withRetries(source(10, 0, false), 1, false), handler);
        put("p", "poison");
        poller.awaitIdle(TIMEOUT);
        assertEquals(List.of("poison", "poison"), handler.values("v"), "the first attempt and 1 retry");
        assertEquals(new StreamPoller.Stats(0, 0, 1), poller.stats());
        String document = poller.failureDocuments().getFirst();
        assertTrue(document.contains("\"condition\":\"RetryAttemptsExhausted\""), document);
        assertTrue(document.contains("\"DDBStreamBatchInfo\"") && document.contains(streamArn), document);

        put("f", "fine");
        poller.awaitIdle(TIMEOUT);
        assertEquals(List.of("poison", "poison", "fine"), handler.values("v"));
    }

    @Test
    void bisectionIsolatesABadRecordWithoutUsingRetries() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        handler.responder = (records, invocation) -> {
            if (records.stream().anyMatch(record -> RecordingStreamHandler.value(record, "v").equals("poison"))) {
                throw new IllegalStateException("expected by StreamPollerTest: a poison record");
            }
            return null;
        };
        StreamPoller poller = start(withRetries(source(10, 300, false), 0, true), handler);
        for (String value : List.of("a", "b", "poison", "d")) {
            put(value, value);
        }
        poller.awaitIdle(TIMEOUT);

        assertEquals(List.of(4, 2, 2, 1, 1), handler.batchSizes());
        assertEquals(List.of("a", "b", "poison", "d", "a", "b", "poison", "d", "poison", "d"), handler.values("v"));
        assertEquals(new StreamPoller.Stats(3, 0, 1), poller.stats());
    }

    @Test
    void checkpointsInTheDataDirectoryLetARestartResume(@TempDir Path dataDir) {
        Path checkpoints = dataDir.resolve("stream-checkpoints").resolve("Consumer.Changes.properties");
        RecordingStreamHandler first = new RecordingStreamHandler();
        StreamPoller before = start(source(10, 0, false), first, Optional.of(checkpoints), server.streamsClient());
        put("a", "a");
        put("b", "b");
        before.awaitIdle(TIMEOUT);
        before.close();
        assertTrue(Files.isRegularFile(checkpoints));
        put("c", "c");

        RecordingStreamHandler resumed = new RecordingStreamHandler();
        start(source(10, 0, false), resumed, Optional.of(checkpoints), server.streamsClient()).awaitIdle(TIMEOUT);
        assertEquals(List.of("c"), resumed.values("v"));

        RecordingStreamHandler fromTrimHorizon = new RecordingStreamHandler();
        start(source(10, 0, false), fromTrimHorizon).awaitIdle(TIMEOUT);
        assertEquals(List.of("a", "b", "c"), fromTrimHorizon.values("v"), "without checkpoints, all again");
    }

    @Test
    void latestStartsAfterWhatTheStreamAlreadyHolds() {
        put("old", "old");
        RecordingStreamHandler handler = new RecordingStreamHandler();
        StreamEventSource latest = new StreamEventSource("Consumer", "Changes", "Things", StartingPosition.LATEST, 10,
                0, false, List.of());
        StreamPoller poller = start(latest, handler);
        put("new", "new");
        poller.awaitIdle(TIMEOUT);
        assertEquals(List.of("new"), handler.values("v"));
    }

    @Test
    void streamReadsAreNotAttributedToTheFunction() {
        List<Optional<String>> seenByStreamCalls = new CopyOnWriteArrayList<>();
        ExecutionInterceptor spy = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                seenByStreamCalls.add(CurrentInvocation.functionLogicalId());
            }
        };
        try (DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(server.endpoint())
                .region(LocalClients.REGION).credentialsProvider(LocalClients.dummyCredentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(override -> override.addExecutionInterceptor(spy)).build()) {
            RecordingStreamHandler handler = new RecordingStreamHandler();
            StreamPoller poller = start(source(10, 0, false), handler, Optional.empty(), streams);
            put("a", "a");
            poller.awaitIdle(TIMEOUT);
            poller.close();

            assertEquals(List.of(Optional.of("Consumer")), handler.runningAs);
            assertFalse(seenByStreamCalls.isEmpty());
            assertTrue(seenByStreamCalls.stream().allMatch(Optional::isEmpty), seenByStreamCalls.toString());
        }
    }

    @Test
    void whatTheRuntimeCannotHonourFailsBeforeItStarts() {
        RecordingStreamHandler handler = new RecordingStreamHandler();
        StreamEventSource tumbling = new StreamEventSource("Consumer", "Changes", "Things",
                StartingPosition.TRIM_HORIZON, 10, 0, false, List.of(), -1, false, Optional.empty(), true,
                List.of("ParallelizationFactor", "TumblingWindowInSeconds"));
        IllegalStateException unsupported = assertThrows(IllegalStateException.class, () -> new StreamPoller(tumbling,
                function(handler), streamArn, server.streamsClient(), Optional.empty(), "us-east-1", false));
        assertTrue(unsupported.getMessage().contains("[TumblingWindowInSeconds]"), unsupported.getMessage());

        IllegalStateException filter = assertThrows(IllegalStateException.class, () -> new StreamPoller(
                source(10, 0, false, "{\"dynamodb\": {\"SizeBytes\": [{\"numeric\": [\">\", 0]}]}}"),
                function(handler), streamArn, server.streamsClient(), Optional.empty(), "us-east-1", false));
        assertTrue(filter.getMessage().contains("numeric"), filter.getMessage());

        IllegalStateException httpHandler = assertThrows(IllegalStateException.class, () -> new StreamPoller(
                source(10, 0, false), function(new RecordingHandler()), streamArn, server.streamsClient(),
                Optional.empty(), "us-east-1", false));
        assertTrue(httpHandler.getMessage().contains("APIGatewayV2HTTPEvent"), httpHandler.getMessage());

        StreamEventSource parallel = new StreamEventSource("Consumer", "Changes", "Things",
                StartingPosition.TRIM_HORIZON, 10, 0, false, List.of(), -1, false, Optional.empty(), true,
                List.of("ParallelizationFactor"));
        new StreamPoller(parallel, function(handler), streamArn, server.streamsClient(), Optional.empty(),
                "us-east-1", false).close(); // throughput only: ignored with a warning
    }

    @Test
    void closeJoinsThePollerThread() {
        StreamEventSource source = new StreamEventSource("Consumer", "Closing", "Things", StartingPosition.LATEST, 10,
                0, false, List.of());
        StreamPoller poller = start(source, new RecordingStreamHandler());
        assertTrue(pollerThreadAlive("inlet-stream-Consumer.Closing"));
        poller.close();
        assertFalse(pollerThreadAlive("inlet-stream-Consumer.Closing"));
        assertThrows(IllegalStateException.class, () -> poller.awaitIdle(Duration.ofSeconds(1)));
    }

    static boolean pollerThreadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(thread -> thread.getName().equals(name)
                && thread.isAlive());
    }

    /** Event ids of a batch, to compare a retried batch with the first attempt. */
    private static final class StreamRecordsEventIds {
        static List<String> of(List<DynamodbStreamRecord> records) {
            return records.stream().map(DynamodbStreamRecord::getEventID).toList();
        }
    }
}
