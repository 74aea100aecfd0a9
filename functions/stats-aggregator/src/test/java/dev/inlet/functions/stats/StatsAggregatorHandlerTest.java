package dev.inlet.functions.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.NewSource;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceService;
import dev.inlet.common.source.SourceType;
import dev.inlet.common.store.Attributes;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.CountingDynamoDb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/** The stream aggregator against DynamoDB Local, fed stream records shaped as Lambda delivers them. */
class StatsAggregatorHandlerTest {

    private static AdminFixture fixture;
    private static CountingDynamoDb dynamo;
    private static StatsAggregatorHandler handler;
    private static SourceService sources;
    private static long sequence = 100_000_000_000_000_000L;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(StatsAggregatorHandlerTest.class);
        dynamo = new CountingDynamoDb(fixture.dynamo);
        handler = new StatsAggregatorHandler(dynamo.client(), fixture.environmentFor("StatsAggregatorFunction"));
        sources = fixture.servicesFor("SourcesFunction").sourceService();
    }

    @Test
    void countsPerSourceAndHourWithOneWritePerGroupAndMovesLastEventForward() {
        String a = newSource();
        String b = newSource();
        Instant now = fixture.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(1800);
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            records.add(insert(a, now.minus(Duration.ofMinutes(i))));
        }
        records.add(insert(a, now.minus(Duration.ofHours(2))));
        records.add(insert(b, now.minusSeconds(30)));
        records.add(modify(b, now)); // overwrites of retried requests are not new events
        dynamo.reset();
        StreamsEventResponse response = handler.handleRequest(event(records), null);
        assertTrue(response.getBatchItemFailures().isEmpty());
        assertEquals(1, dynamo.calls("transactWriteItems"), "all of the batch's ADDs in one transaction");
        assertEquals(2, dynamo.calls("updateItem"), "one last_event_at SET per source (no key ids here)");

        assertEquals(6, volume(a));
        assertEquals(1, volume(b));
        assertEquals(Attributes.sortable(now), lastEvent(a));

        handler.handleRequest(event(List.of(insert(a, now.minus(Duration.ofHours(1))))), null);
        assertEquals(7, volume(a));
        assertEquals(Attributes.sortable(now), lastEvent(a), "an older event never moves last_event_at back");

        handler.handleRequest(event(List.of(insert(a, now.minus(Duration.ofHours(30))))), null);
        assertEquals(7, volume(a), "outside the last 24 hours");

        handler.handleRequest(event(List.of(insert(a, now.plusSeconds(60)))), null);
        handler.handleRequest(event(records), null); // an old batch delivered again, after a newer one
        assertEquals(8, volume(a), "the re-delivered batch is not counted again");
        assertEquals(Attributes.sortable(now.plusSeconds(60)), lastEvent(a), "nor does it move last_event_at back");
    }

    @Test
    void aFailedWriteReportsTheEarliestUnappliedRecord_withInjectedDynamoDbFault() {
        String a = newSource();
        Instant now = fixture.clock.instant();
        DynamodbEvent.DynamodbStreamRecord first = insert(a, now);
        DynamodbEvent.DynamodbStreamRecord second = insert(a, now);
        for (String operation : List.of("transactWriteItems", "updateItem")) {
            dynamo.failWith(DynamoDbException.builder().message("injected throttling").statusCode(400).build(),
                    operation);
            StreamsEventResponse response = handler.handleRequest(event(List.of(first, second)), null);
            dynamo.heal();
            assertEquals(List.of(first.getDynamodb().getSequenceNumber()), failures(response), operation);
            // Lambda re-delivers from the reported record
            assertTrue(handler.handleRequest(event(List.of(first, second)), null).getBatchItemFailures().isEmpty());
            assertEquals(2, volume(a), "counted once although " + operation + " failed");
            assertEquals(Attributes.sortable(now), lastEvent(a));
        }
    }

    @Test
    void theSameBatchDeliveredTwiceIsCountedOnce() {
        String a = newSource();
        Instant now = fixture.clock.instant();
        List<DynamodbEvent.DynamodbStreamRecord> records = List.of(withKey(insert(a, now), "key_one", true),
                withKey(insert(a, now), "key_one", false), withKey(insert(a, now), "key_one", true));
        handler.handleRequest(event(records), null);
        dynamo.reset();
        assertTrue(handler.handleRequest(event(records), null).getBatchItemFailures().isEmpty());
        assertEquals(1, dynamo.calls("transactWriteItems"), "one ledger lookup, cancelled by its condition");
        assertEquals(3, volume(a));
        assertEquals(2, statsRepository().keyRequestsInLast24Hours(a, "key_one", now));
    }

    @Test
    void aChunkThatFailsIsReportedAndItsReDeliveryCountsEveryRecordOnce_withInjectedDynamoDbFault() {
        Instant now = fixture.clock.instant();
        List<String> ids = new ArrayList<>();
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < 150; i++) { // 150 hour counters: a chunk of 99 and one of 51
            ids.add("src_partial_" + i);
            records.add(insert(ids.get(i), now));
        }
        FaultyDynamoDb faulty = new FaultyDynamoDb(fixture.dynamo);
        StatsAggregatorHandler failing = new StatsAggregatorHandler(faulty.client(),
                fixture.environmentFor("StatsAggregatorFunction"));
        faulty.failCall("transactWriteItems", 2, FaultyDynamoDb.Mode.REFUSE);
        StreamsEventResponse response = failing.handleRequest(event(records), null);
        assertEquals(List.of(records.get(CHUNK).getDynamodb().getSequenceNumber()),
                failures(response), "the failed chunk's first record");
        assertEquals(CHUNK, ids.stream().mapToLong(id -> accepted(id, now)).sum(),
                "the first chunk applied, the failed one not at all");

        // Lambda re-delivers from the reported record, in a batch that has grown since
        List<DynamodbEvent.DynamodbStreamRecord> retry = new ArrayList<>(records.subList(CHUNK,
                records.size()));
        retry.add(insert(ids.get(0), now));
        assertTrue(handler.handleRequest(event(retry), null).getBatchItemFailures().isEmpty());
        // and, for good measure, the whole batch once more
        assertTrue(handler.handleRequest(event(records), null).getBatchItemFailures().isEmpty());
        assertEquals(2, accepted(ids.get(0), now));
        for (String id : ids.subList(1, ids.size())) {
            assertEquals(1, accepted(id, now), id);
        }
    }

    @Test
    void transactionConflictsWithOtherShardsAggregatorsAreRetriedNotReported_withInjectedConflicts() {
        Instant now = fixture.clock.instant();
        java.util.concurrent.atomic.AtomicInteger conflicts = new java.util.concurrent.atomic.AtomicInteger(6);
        DynamoDbClient conflicting = (DynamoDbClient) java.lang.reflect.Proxy.newProxyInstance(
                DynamoDbClient.class.getClassLoader(), new Class<?>[]{DynamoDbClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("transactWriteItems") && conflicts.getAndDecrement() > 0) {
                        // What DynamoDB answers while another transaction holds one of the items.
                        throw TransactionCanceledException.builder().message("injected conflict")
                                .cancellationReasons(CancellationReason.builder().code("None").build(),
                                        CancellationReason.builder().code("TransactionConflict").build())
                                .build();
                    }
                    try {
                        return method.invoke(fixture.dynamo, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        StatsAggregatorHandler contended = new StatsAggregatorHandler(conflicting,
                fixture.environmentFor("StatsAggregatorFunction"));
        List<DynamodbEvent.DynamodbStreamRecord> records = List.of(insert("src_conflict", now),
                insert("src_conflict", now));

        assertTrue(contended.handleRequest(event(records), null).getBatchItemFailures().isEmpty(),
                "six conflicts in a row are waited out, not reported (each report spends a stream retry)");
        assertEquals(-1, conflicts.get(), "all six conflicts were met, then the transaction went through");
        assertEquals(2, accepted("src_conflict", now));
    }

    @Test
    void aTransactionAppliedButReportedFailedIsCountedOnce_withInjectedDynamoDbFault() {
        Instant now = fixture.clock.instant();
        List<DynamodbEvent.DynamodbStreamRecord> records = List.of(insert("src_ambiguous", now),
                insert("src_ambiguous", now));
        FaultyDynamoDb faulty = new FaultyDynamoDb(fixture.dynamo);
        StatsAggregatorHandler failing = new StatsAggregatorHandler(faulty.client(),
                fixture.environmentFor("StatsAggregatorFunction"));
        faulty.failCall("transactWriteItems", 1, FaultyDynamoDb.Mode.APPLY_THEN_FAIL);
        StreamsEventResponse response = failing.handleRequest(event(records), null);
        assertEquals(List.of(records.get(0).getDynamodb().getSequenceNumber()), failures(response));
        assertEquals(2, accepted("src_ambiguous", now), "applied, although the caller saw an error");
        assertTrue(failing.handleRequest(event(records), null).getBatchItemFailures().isEmpty());
        assertEquals(2, accepted("src_ambiguous", now), "the re-delivery finds it in the ledger");
    }

    @Test
    void aCrashAfterAChunkThenABisectedReDeliveryCountsEveryRecordOnce_withInjectedCrash() {
        Instant now = fixture.clock.instant();
        List<String> ids = new ArrayList<>();
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            ids.add("src_bisect_" + i);
            records.add(insert(ids.get(i), now));
        }
        FaultyDynamoDb faulty = new FaultyDynamoDb(fixture.dynamo);
        StatsAggregatorHandler crashing = new StatsAggregatorHandler(faulty.client(),
                fixture.environmentFor("StatsAggregatorFunction"));
        faulty.failCall("transactWriteItems", 2, FaultyDynamoDb.Mode.CRASH);
        assertThrows(IllegalStateException.class, () -> crashing.handleRequest(event(records), null));
        // The invocation failed: Lambda splits the batch in two and delivers the halves in order. The first half ends
        // inside the chunk the crashed invocation applied (records 0..98).
        assertTrue(handler.handleRequest(event(records.subList(0, 75)), null).getBatchItemFailures().isEmpty());
        assertTrue(handler.handleRequest(event(records.subList(75, 150)), null).getBatchItemFailures().isEmpty());
        for (String id : ids) {
            assertEquals(1, accepted(id, now), id);
        }
    }

    @Test
    void theSdksOwnRetryOfAnAppliedTransactionIsCountedOnce_withInjectedResponseLoss() {
        dev.inlet.localaws.DynamoDbLocalServer server = dev.inlet.localaws.DynamoDbLocal.sharedServer();
        Map<String, String> tables = dev.inlet.localaws.LocalTables.createAll(server.client(), AdminFixture.template(),
                dev.inlet.localaws.LocalTables.uniquePrefix(StatsAggregatorHandlerTest.class) + "sdk");
        Map<String, String> environment = new java.util.HashMap<>(fixture.environmentFor("StatsAggregatorFunction"));
        environment.put("SOURCE_STATS_TABLE", tables.get("SourceStatsTable"));
        environment.put("SOURCES_TABLE", tables.get("SourcesTable"));
        environment.put("DEBUGGER_TABLE", tables.get("DebuggerTable"));
        java.util.concurrent.atomic.AtomicInteger responsesToLose = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger transmitted = new java.util.concurrent.atomic.AtomicInteger();
        ExecutionInterceptor loseResponse = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                if (context.request() instanceof TransactWriteItemsRequest) {
                    transmitted.incrementAndGet();
                }
            }

            @Override
            public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
                // DynamoDB applied the request; its answer is lost as by a broken connection (retryable, 5xx).
                if (context.request() instanceof TransactWriteItemsRequest && responsesToLose.getAndDecrement() > 0) {
                    throw DynamoDbException.builder().message("injected: response lost").statusCode(500).build();
                }
            }
        };
        try (DynamoDbClient client = DynamoDbClient.builder().region(Region.US_EAST_1)
                .endpointOverride(server.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.addExecutionInterceptor(loseResponse))
                .build()) {
            StatsAggregatorHandler overHttp = new StatsAggregatorHandler(client, environment);
            SourceStatsRepository stats = new SourceStatsRepository(client, tables.get("SourceStatsTable"));
            Instant now = fixture.clock.instant();

            // The SDK retries with the ClientRequestToken it generated for the call, so DynamoDB answers the retry as
            // already applied (a token holds 10 minutes, for that one call: the ledger covers re-deliveries).
            responsesToLose.set(1);
            List<DynamodbEvent.DynamodbStreamRecord> once = List.of(insert("src_sdk", now), insert("src_sdk", now));
            assertTrue(overHttp.handleRequest(event(once), null).getBatchItemFailures().isEmpty());
            assertEquals(2, transmitted.get(), "sent twice: the SDK retried");
            assertEquals(2, stats.acceptedInLast24Hours("src_sdk", now));

            // Every attempt's answer is lost: the handler reports the chunk, and its re-delivery finds the ledger item.
            responsesToLose.set(Integer.MAX_VALUE);
            List<DynamodbEvent.DynamodbStreamRecord> twice = List.of(insert("src_sdk", now));
            assertEquals(List.of(twice.get(0).getDynamodb().getSequenceNumber()),
                    failures(overHttp.handleRequest(event(twice), null)));
            responsesToLose.set(0);
            assertTrue(overHttp.handleRequest(event(twice), null).getBatchItemFailures().isEmpty());
            assertEquals(3, stats.acceptedInLast24Hours("src_sdk", now));
        }
    }

    private static final int CHUNK = SourceStatsRepository.MAX_INCREMENTS;

    private static List<String> failures(StreamsEventResponse response) {
        return response.getBatchItemFailures().stream().map(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .toList();
    }

    private static SourceStatsRepository statsRepository() {
        return new SourceStatsRepository(fixture.dynamo, fixture.table("SourceStatsTable"));
    }

    private static long accepted(String sourceId, Instant now) {
        return statsRepository().acceptedInLast24Hours(sourceId, now);
    }

    /**
     * A DynamoDbClient in front of DynamoDB Local that fails one chosen call: refused before it reaches DynamoDB,
     * applied but answered with an error, or with an exception no handler catches (the invocation dies).
     */
    private static final class FaultyDynamoDb {

        enum Mode { REFUSE, APPLY_THEN_FAIL, CRASH }

        private final DynamoDbClient client;
        private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        private volatile String operation = "";
        private volatile int failing;
        private volatile Mode mode;

        FaultyDynamoDb(DynamoDbClient delegate) {
            this.client = (DynamoDbClient) java.lang.reflect.Proxy.newProxyInstance(
                    DynamoDbClient.class.getClassLoader(), new Class<?>[]{DynamoDbClient.class},
                    (proxy, method, args) -> {
                        boolean fail = method.getName().equals(operation) && calls.incrementAndGet() == failing;
                        if (fail && mode == Mode.REFUSE) {
                            throw DynamoDbException.builder().message("injected").statusCode(500).build();
                        }
                        if (fail && mode == Mode.CRASH) {
                            throw new IllegalStateException("injected crash");
                        }
                        Object result;
                        try {
                            result = method.invoke(delegate, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (fail) {
                            throw DynamoDbException.builder().message("injected after applying").statusCode(500)
                                    .build();
                        }
                        return result;
                    });
        }

        DynamoDbClient client() {
            return client;
        }

        /** The {@code n}th call of {@code operation} from now on fails as {@code mode} says. */
        void failCall(String operation, int n, Mode mode) {
            this.calls.set(0);
            this.mode = mode;
            this.failing = n;
            this.operation = operation;
        }
    }

    @Test
    void keysCountRequestsNotEventsAndRecordTheirLastUse() {
        String a = newSource();
        Instant now = fixture.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(600);
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(withKey(insert(a, now), "key_one", i == 0)); // one batch request of three events
        }
        records.add(withKey(insert(a, now.plusSeconds(5)), "key_one", true));
        records.add(withKey(insert(a, now.minusSeconds(5)), "key_two", true));
        handler.handleRequest(event(records), null);
        SourceStatsRepository stats = new SourceStatsRepository(fixture.dynamo, fixture.table("SourceStatsTable"));
        assertEquals(2, stats.keyRequestsInLast24Hours(a, "key_one", now));
        assertEquals(1, stats.keyRequestsInLast24Hours(a, "key_two", now));
        assertEquals(now.plusSeconds(5), stats.lastUsedAt(a, "key_one").orElseThrow());
        assertEquals(5, stats.acceptedInLast24Hours(a, now), "key slots never leak into the hourly totals");
    }

    private static DynamodbEvent.DynamodbStreamRecord withKey(DynamodbEvent.DynamodbStreamRecord record, String keyId,
                                                              boolean requestHead) {
        record.getDynamodb().getNewImage().put("key_id", new AttributeValue().withS(keyId));
        if (requestHead) {
            record.getDynamodb().getNewImage().put("request_head", new AttributeValue().withBOOL(true));
        }
        return record;
    }

    @Test
    void theDebuggerGetsTheNewestEventsOfEachSourceAndTypeFromABatch() {
        String a = newSource();
        Instant now = fixture.clock.instant();
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            records.add(withEvent(insert(a, now.plusMillis(i)), "t-" + i, "track"));
        }
        records.add(withEvent(insert(a, now), "i-0", "identify"));
        records.add(withEvent(insert(a, now.plusMillis(1)), "i-1", "identify"));
        dynamo.reset();
        assertTrue(handler.handleRequest(event(records), null).getBatchItemFailures().isEmpty());
        assertEquals(1, dynamo.calls("batchWriteItem"), "7 entries, one batch");

        var entries = debugger().recent(a, Optional.empty(), Optional.empty(), 50, Optional.empty(), now).items();
        assertEquals(List.of("t-11", "t-10", "t-9", "t-8", "t-7", "i-1", "i-0"),
                entries.stream().map(DebugSample::id).toList(),
                "the newest " + AcceptedSamples.PER_SOURCE_AND_TYPE + " per type: a rare type is not drowned");
        DebugSample.Accepted newest = (DebugSample.Accepted) entries.get(0);
        assertEquals("{\"messageId\":\"t-11\"}", newest.payloadJson());
        assertEquals("key_one", newest.keyId());
    }

    @Test
    void aFailedDebuggerWriteNeitherFailsNorRepeatsTheBatch_withInjectedDynamoDbFault() {
        String a = newSource();
        dynamo.failWith(DynamoDbException.builder().message("injected throttling").statusCode(400).build(),
                "batchWriteItem");
        StreamsEventResponse response = handler.handleRequest(event(List.of(
                withEvent(insert(a, fixture.clock.instant()), "m-1", "track"))), null);
        dynamo.heal();
        assertTrue(response.getBatchItemFailures().isEmpty(), "a re-delivery would count the events again");
        assertEquals(1, volume(a));
    }

    private static dev.inlet.common.store.DebugSampleRepository debugger() {
        return new dev.inlet.common.store.DebugSampleRepository(fixture.dynamo, fixture.table("DebuggerTable"));
    }

    private static DynamodbEvent.DynamodbStreamRecord withEvent(DynamodbEvent.DynamodbStreamRecord record,
                                                                String messageId, String type) {
        Map<String, AttributeValue> image = record.getDynamodb().getNewImage();
        image.put("message_id", new AttributeValue().withS(messageId));
        image.put("type", new AttributeValue().withS(type));
        image.put("payload", new AttributeValue().withS("{\"messageId\":\"" + messageId + "\"}"));
        image.put("request_id", new AttributeValue().withS("req-" + messageId));
        return withKey(record, "key_one", true);
    }

    @Test
    void recordsWithoutAttributionAreSkippedNotFatal() {
        DynamodbEvent.DynamodbStreamRecord broken = insert("wk_x", fixture.clock.instant());
        broken.getDynamodb().getNewImage().remove("source_id");
        assertTrue(handler.handleRequest(event(List.of(broken)), null).getBatchItemFailures().isEmpty());
    }

    private static long volume(String sourceId) {
        return sources.volumeLast24Hours(sources.get(Principal.root(), sourceId)).orElseThrow();
    }

    private static String lastEvent(String sourceId) {
        return fixture.dynamo.getItem(r -> r.tableName(fixture.table("SourcesTable"))
                .key(Map.of("id", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(sourceId))))
                .item().get("last_event_at").s();
    }

    private static String newSource() {
        return sources.create(Principal.root(), new NewSource("Stats", SourceType.SERVER, SourceEnvironment.PRODUCTION,
                Optional.empty(), Optional.empty(), Optional.empty(), EventType.all(), List.of(), Optional.empty()))
                .source().id();
    }

    private static DynamodbEvent event(List<DynamodbEvent.DynamodbStreamRecord> records) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    private static DynamodbEvent.DynamodbStreamRecord insert(String sourceId, Instant receivedAt) {
        return record("INSERT", sourceId, receivedAt);
    }

    private static DynamodbEvent.DynamodbStreamRecord modify(String sourceId, Instant receivedAt) {
        return record("MODIFY", sourceId, receivedAt);
    }

    private static DynamodbEvent.DynamodbStreamRecord record(String name, String sourceId, Instant receivedAt) {
        Map<String, AttributeValue> image = new java.util.HashMap<>();
        image.put("source_id", new AttributeValue().withS(sourceId));
        image.put("received_at", new AttributeValue().withS(Attributes.sortable(receivedAt)));
        image.put("event_key", new AttributeValue().withS(sourceId + "#" + sequence));
        StreamRecord stream = new StreamRecord();
        stream.setNewImage(image);
        stream.setSequenceNumber(Long.toString(sequence++));
        DynamodbEvent.DynamodbStreamRecord record = new DynamodbEvent.DynamodbStreamRecord();
        record.setEventID("ev-" + stream.getSequenceNumber());
        record.setEventName(name);
        record.setDynamodb(stream);
        return record;
    }
}
