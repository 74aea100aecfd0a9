package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

import dev.inlet.common.ratelimit.LeasedRateLimiter;
import dev.inlet.common.ratelimit.RateLimitStore;
import dev.inlet.localruntime.DynamoDbFaults.Kind;
import dev.inlet.localruntime.IngestionHttp.Answer;
import dev.inlet.localruntime.IngestionHttp.CreatedSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Issue 8, part 3: DynamoDB faults on each call of the ingestion path, through the SDK interceptor
 * ({@link DynamoDbFaultInjector}) on IngestFunction's own client. For each call (events PutItem and BatchWriteItem,
 * the key's GetItem, the rate-limit bucket's UpdateItem) and each fault (throttling, 500, timeout, and unprocessed
 * batch items), one source gets a track and a 30-event batch while its calls fail. Every answer must be honest: a
 * 200 only when every event is stored, else a 503 {@code storage_unavailable} with {@code Retry-After} (a throttled
 * request stored nothing). The bucket failing fails open. Then the faults stop and the same requests, same
 * messageIds, are sent again: 200, and each source holds exactly its messageIds, once each. All cases run at once,
 * each on its own source, so the test takes about one storage budget (5 s), not one per case.
 */
class DynamoDbFaultsHttpTest {

    private static final int BATCH = 30; // two BatchWriteItem chunks

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    /** Which call of the ingestion path a case faults. */
    enum Target {
        EVENT_PUT("PutItem", "EventsTable"),
        EVENT_BATCH("BatchWriteItem", "EventsTable"),
        KEY_LOOKUP("GetItem", "WriteKeysTable"),
        BUCKET("UpdateItem", "RateLimitsTable");

        final String operation;
        final String table;

        Target(String operation, String table) {
            this.operation = operation;
            this.table = table;
        }
    }

    /** One fault on one call, for one source: {@code transientTimes} > 0 faults only the first calls. */
    record Case(Target target, Kind kind, int transientTimes, CreatedSource source, String keyHash) {

        String name() {
            return target + " " + kind.label() + (transientTimes > 0 ? " x" + transientTimes : "");
        }

        String track() {
            return "{\"userId\":\"u\",\"event\":\"one\",\"messageId\":\"" + source.id() + "-t\"}";
        }

        String batch() {
            StringBuilder json = new StringBuilder("{\"batch\":[");
            for (int i = 0; i < BATCH; i++) {
                json.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",")
                        .append("\"messageId\":\"").append(source.id()).append("-b").append(i).append("\"}");
            }
            return json.append("]}").toString();
        }

        Set<String> trackIds() {
            return Set.of(source.id() + "-t");
        }

        Set<String> batchIds() {
            Set<String> ids = new LinkedHashSet<>();
            for (int i = 0; i < BATCH; i++) {
                ids.add(source.id() + "-b" + i);
            }
            return ids;
        }

        /** This case's calls: IngestFunction's, on the target table, about this source only. */
        Predicate<DynamoDbFaults.Call> calls(LocalRuntime runtime) {
            String table = runtime.tableName(target.table);
            return call -> call.function().filter("IngestFunction"::equals).isPresent()
                    && call.operation().equals(target.operation) && call.table().equals(table) && mine(call);
        }

        private boolean mine(DynamoDbFaults.Call call) {
            return switch (call.request()) {
                case PutItemRequest put -> put.item().get("source_id").s().equals(source.id());
                case BatchWriteItemRequest batch -> batch.requestItems().values().stream().flatMap(List::stream)
                        .anyMatch(item -> item.putRequest().item().get("source_id").s().equals(source.id()));
                case GetItemRequest get -> get.key().get("key_hash").s().equals(keyHash);
                case UpdateItemRequest update -> update.key().get(RateLimitStore.KEY_ATTRIBUTE).s()
                        .startsWith(LeasedRateLimiter.bucketKey(source.id()));
                default -> false;
            };
        }
    }

    @Test
    void everyAnswerIsHonestAndRetriesNeverDuplicate_withInjectedDynamoDbFault() throws Exception {
        LocalRuntime runtime = http.runtime();
        List<Case> cases = new ArrayList<>();
        for (Target target : Target.values()) {
            for (Kind kind : List.of(Kind.THROTTLING, Kind.INTERNAL_ERROR, Kind.TIMEOUT)) {
                cases.add(newCase(target, kind, 0));
            }
        }
        cases.add(newCase(Target.EVENT_BATCH, Kind.UNPROCESSED_ITEMS, 0)); // each call writes at least one item
        cases.add(newCase(Target.EVENT_BATCH, Kind.UNPROCESSED_ITEMS, 3)); // EventStore's own retries absorb it
        cases.add(newCase(Target.EVENT_PUT, Kind.THROTTLING, 1));          // the SDK's retries absorb it
        cases.add(newCase(Target.KEY_LOOKUP, Kind.INTERNAL_ERROR, 1));

        DynamoDbFaults faults = runtime.dynamoDbFaults();
        for (Case c : cases) {
            faults.add(c.transientTimes() > 0 ? DynamoDbFaults.times(c.transientTimes(), c.kind(), c.calls(runtime))
                    : DynamoDbFaults.always(c.kind(), c.calls(runtime)));
        }
        List<Answer[]> during;
        try {
            during = sendAll(cases);
        } finally {
            faults.clear();
        }

        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Answer track = during.get(i)[0];
            Answer batch = during.get(i)[1];
            checkHonest(c, track, c.trackIds());
            checkHonest(c, batch, c.batchIds());
            boolean persistent = c.transientTimes() == 0;
            // What each fault must lead to, by design.
            switch (c.target()) {
                case KEY_LOOKUP -> {
                    int expected = persistent ? 503 : 200; // the key cannot be checked: neither a 200 nor a 401
                    assertEquals(expected, track.status(), c.name() + ": " + track);
                    assertEquals(expected, batch.status(), c.name() + ": " + batch);
                }
                case BUCKET -> { // fail-open: the container decides alone from a local bucket for a second
                    assertEquals(200, track.status(), c.name() + " fails open: " + track);
                    assertEquals(200, batch.status(), c.name() + " fails open: " + batch);
                }
                case EVENT_PUT -> {
                    assertEquals(persistent ? 503 : 200, track.status(), c.name() + ": " + track);
                    assertEquals(200, batch.status(), c.name() + " (a batch writes no PutItem): " + batch);
                }
                case EVENT_BATCH -> {
                    assertEquals(200, track.status(), c.name() + " (a track writes no batch): " + track);
                    if (c.kind() != Kind.UNPROCESSED_ITEMS) {
                        assertEquals(503, batch.status(), c.name() + ": " + batch);
                    } else if (!persistent) {
                        assertEquals(200, batch.status(), c.name() + ": " + batch);
                    }
                }
            }
            assertTrue(faults.injectedByOperation().getOrDefault(c.target().operation + " " + c.kind().label(), 0L)
                    > 0, c.name() + " was injected: " + faults.injectedByOperation());
        }

        // Faults over: the clients retry the very same requests, as SDKs do after a 503.
        List<Answer[]> after = sendAll(cases);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            after.get(i)[0].assertAccepted();
            after.get(i)[1].assertAccepted();
            Set<String> expected = new LinkedHashSet<>(c.trackIds());
            expected.addAll(c.batchIds());
            // stored() also fails on any messageId stored twice
            assertEquals(expected, http.stored(c.source().id()).keySet(), c.name() + ": exactly once each");
        }
    }

    /** A 200 has stored every event; a 503 says so properly, and a throttled write stored nothing. */
    private static void checkHonest(Case c, Answer answer, Set<String> messageIds) {
        Set<String> stored = http.stored(c.source().id()).keySet();
        switch (answer.status()) {
            case 200 -> {
                answer.assertAccepted();
                assertTrue(stored.containsAll(messageIds), c.name() + ": a 200 but not all stored");
            }
            case 503 -> {
                answer.assertRefused(503, "storage_unavailable");
                assertEquals("2", answer.header("Retry-After").orElse(null), c.name() + ": " + answer);
                if (c.kind() == Kind.THROTTLING && c.target() != Target.KEY_LOOKUP) {
                    assertTrue(messageIds.stream().noneMatch(stored::contains),
                            c.name() + ": a throttled write is not applied, so nothing of it is stored");
                }
            }
            default -> fail(c.name() + ": neither 200 nor 503: " + answer);
        }
    }

    private static Case newCase(Target target, Kind kind, int transientTimes) {
        CreatedSource source = http.serverSource("faults " + target + " " + kind);
        String keyHash = http.runtime().dynamoDb().scanPaginator(scan -> scan
                        .tableName(http.runtime().tableName("WriteKeysTable")).consistentRead(true)
                        .filterExpression("source_id = :s")
                        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(source.id()))))
                .items().iterator().next().get("key_hash").s();
        return new Case(target, kind, transientTimes, source, keyHash);
    }

    /** Each case's track and batch, all at once. */
    private static List<Answer[]> sendAll(List<Case> cases) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(cases.size() * 2);
        try {
            List<Future<Answer>> tracks = new ArrayList<>();
            List<Future<Answer>> batches = new ArrayList<>();
            for (Case c : cases) {
                tracks.add(pool.submit(() -> http.postJson("/v1/track", c.source().key(), c.track())));
                batches.add(pool.submit(() -> http.postJson("/v1/batch", c.source().key(), c.batch())));
            }
            List<Answer[]> answers = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                answers.add(new Answer[] {tracks.get(i).get(), batches.get(i).get()});
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}
