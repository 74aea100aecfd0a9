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

import com.fasterxml.jackson.databind.JsonNode;

import dev.inlet.common.ratelimit.LeasedRateLimiter;
import dev.inlet.common.ratelimit.RateLimitStore;
import dev.inlet.common.store.EventStore;
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
 * 200 only when every event is stored, else a 503 {@code storage_unavailable} with {@code Retry-After} whose count
 * of stored events, when it gives one, is true (a throttled request stored nothing). A 500 or a timeout after the
 * write landed is found by the store's read-back: stored, so answered 200. The bucket failing fails open. Then the faults stop and the same requests, same
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

    /**
     * One fault on one call, for one source: {@code transientTimes} > 0 faults only the first calls. A case
     * {@code withoutMessageIds} sends its events without messageId, so their ids are derived from their content, and
     * faults only the batch's second chunk (its events are named "late"): the first is stored, and the 503 says so.
     */
    record Case(Target target, Kind kind, int transientTimes, boolean withoutMessageIds, CreatedSource source,
                String keyHash) {

        String name() {
            return target + " " + kind.label() + (transientTimes > 0 ? " x" + transientTimes : "")
                    + (withoutMessageIds ? " without messageIds" : "");
        }

        String track() {
            return "{\"userId\":\"u\",\"event\":\"one\"" + messageId("-t") + "}";
        }

        String batch() {
            StringBuilder json = new StringBuilder("{\"batch\":[");
            for (int i = 0; i < BATCH; i++) {
                json.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"")
                        .append(i < EventStore.BATCH_WRITE_LIMIT ? "e" : "late").append("\",")
                        .append("\"properties\":{\"i\":").append(i).append("}").append(messageId("-b" + i))
                        .append("}");
            }
            return json.append("]}").toString();
        }

        private String messageId(String suffix) {
            return withoutMessageIds ? "" : ",\"messageId\":\"" + source.id() + suffix + "\"";
        }

        /** The ids of the events stored for {@code sent} (a track or the batch) of this case. */
        Set<String> storedOf(Set<String> stored, boolean batch) {
            if (!withoutMessageIds) {
                Set<String> sent = batch ? batchIds() : trackIds();
                return stored.stream().filter(sent::contains).collect(java.util.stream.Collectors.toSet());
            }
            // Derived ids name no event: the batch's 30 events are told from the track by their count alone.
            return stored;
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
                        .anyMatch(item -> item.putRequest().item().get("source_id").s().equals(source.id())
                                && (!withoutMessageIds || item.putRequest().item().get("payload").s()
                                        .contains("\"event\":\"late\"")));
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
        DynamoDbCallRecorder.clear();
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
        // A 503 after part of the batch was stored, for events whose messageIds are derived: the retry must not
        // duplicate what was stored.
        cases.add(newCase(Target.EVENT_BATCH, Kind.THROTTLING, 0, true));

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
            checkHonest(c, track, false);
            checkHonest(c, batch, true);
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
                    // A throttled write is not applied: 503. A 500 or a timeout comes after the write landed, and
                    // the read-back finds it: stored, so a 200 is the honest answer.
                    assertEquals(persistent && c.kind() == Kind.THROTTLING ? 503 : 200, track.status(),
                            c.name() + ": " + track);
                    assertEquals(200, batch.status(), c.name() + " (a batch writes no PutItem): " + batch);
                }
                case EVENT_BATCH -> {
                    assertEquals(200, track.status(), c.name() + " (a track writes no batch): " + track);
                    int expected = switch (c.kind()) {
                        // Each failing call lands its chunk (the second chunk is not sent after the first fails);
                        // a call gets half of the time left for writes, so the read-back finds the first chunk
                        // stored and the second is written again, landing too: all stored, so a 200.
                        case INTERNAL_ERROR, TIMEOUT -> 200;
                        case THROTTLING -> 503;
                        case UNPROCESSED_ITEMS -> persistent ? -1 : 200;
                    };
                    if (expected > 0) {
                        assertEquals(expected, batch.status(), c.name() + ": " + batch);
                    } else {
                        // Every call writes at least one item and a lone item is never withheld, so the backoff may
                        // get all 30 in within the budget (a 200, all stored) or not (a 503 with the true count:
                        // checkHonest); either way the retry below stores each exactly once.
                        assertTrue(batch.status() == 200 || batch.status() == 503, c.name() + ": " + batch);
                    }
                }
            }
            if (c.withoutMessageIds()) {
                assertEquals(EventStore.BATCH_WRITE_LIMIT, batch.json().at("/error/details/stored").asInt(),
                        c.name() + ": the first chunk is stored, and the 503 says so: " + batch);
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
            // stored() also fails on any messageId stored twice
            Set<String> stored = http.stored(c.source().id()).keySet();
            if (c.withoutMessageIds()) {
                assertEquals(1 + BATCH, stored.size(), c.name() + ": exactly once each: " + stored);
                assertTrue(stored.stream().allMatch(id -> id.startsWith("inlet-")), c.name() + ": " + stored);
                continue;
            }
            Set<String> expected = new LinkedHashSet<>(c.trackIds());
            expected.addAll(c.batchIds());
            assertEquals(expected, stored, c.name() + ": exactly once each");
        }
        // The failure paths make calls the happy path never does (the read-back's BatchGetItem): IAM must allow them.
        assertEquals(List.of(), PolicyCoverage.violations(runtime.template(), DynamoDbCallRecorder.functionAccesses(),
                runtime.tableNames()));
    }

    /**
     * A 200 has stored every event; a 503 says so properly, and says how many of the request's events are stored
     * exactly when it claims to know; a throttled write stored nothing.
     */
    private static void checkHonest(Case c, Answer answer, boolean batch) {
        int events = batch ? BATCH : 1;
        Set<String> stored = c.storedOf(http.stored(c.source().id()).keySet(), batch);
        switch (answer.status()) {
            case 200 -> {
                answer.assertAccepted();
                assertTrue(stored.size() >= events, c.name() + ": a 200 but not all stored: " + stored.size());
            }
            case 503 -> {
                answer.assertRefused(503, "storage_unavailable");
                assertEquals("2", answer.header("Retry-After").orElse(null), c.name() + ": " + answer);
                JsonNode details = answer.json().at("/error/details");
                if (c.target() == Target.KEY_LOOKUP) {
                    assertTrue(details.isMissingNode(), c.name() + ": nothing was written: " + answer);
                } else if (details.isMissingNode()) {
                    assertTrue(answer.json().at("/error/message").asText().contains("may have been"),
                            c.name() + ": without a count, the answer says they may be stored: " + answer);
                } else {
                    assertEquals(events, details.get("events").asInt(), c.name() + ": " + answer);
                    // Other requests of the case (the track) are told apart by id, or, derived, by count.
                    int mine = c.withoutMessageIds() && batch ? stored.size() - trackStored(c) : stored.size();
                    assertEquals(mine, details.get("stored").asInt(), c.name() + ": the count is true: " + answer);
                }
                if (c.kind() == Kind.THROTTLING && c.target() != Target.KEY_LOOKUP && !c.withoutMessageIds()) {
                    assertTrue(stored.isEmpty(),
                            c.name() + ": a throttled write is not applied, so nothing of it is stored");
                }
            }
            default -> fail(c.name() + ": neither 200 nor 503: " + answer);
        }
    }

    /** The case's track is stored (a derived-id case's track is not faulted: a batch fault writes no PutItem). */
    private static int trackStored(Case c) {
        return c.target() == Target.EVENT_BATCH ? 1 : 0;
    }

    private static Case newCase(Target target, Kind kind, int transientTimes) {
        return newCase(target, kind, transientTimes, false);
    }

    private static Case newCase(Target target, Kind kind, int transientTimes, boolean withoutMessageIds) {
        CreatedSource source = http.serverSource("faults " + target + " " + kind);
        String keyHash = http.runtime().dynamoDb().scanPaginator(scan -> scan
                        .tableName(http.runtime().tableName("WriteKeysTable")).consistentRead(true)
                        .filterExpression("source_id = :s")
                        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(source.id()))))
                .items().iterator().next().get("key_hash").s();
        return new Case(target, kind, transientTimes, withoutMessageIds, source, keyHash);
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
