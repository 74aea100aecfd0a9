package dev.inlet.common.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * {@link EventStore}'s retries of UnprocessedItems, on a simulated clock: only the unprocessed items are sent again,
 * after a jittered exponential backoff, and never past the budget, which the handler keeps under the Lambda timeout
 * (at most 5 s of template.yaml's 15 s).
 */
class EventStoreTest {

    private static final String TABLE = "EventsTable";
    private static final Duration BUDGET = Duration.ofSeconds(5);

    /** A DynamoDB whose BatchWriteItem answers what {@code answer} says, on a clock only the store's sleeps move. */
    private static final class FakeDynamo implements DynamoDbClient {
        final List<List<String>> calls = new ArrayList<>();
        final Set<String> written = new HashSet<>();
        final List<Long> sleeps = new ArrayList<>();
        long nanos;
        int gets;
        final Function<List<WriteRequest>, List<WriteRequest>> unprocessed;

        FakeDynamo(Function<List<WriteRequest>, List<WriteRequest>> unprocessed) {
            this.unprocessed = unprocessed;
        }

        final List<Map<String, AttributeValue>> items = new ArrayList<>();
        final List<Duration> timeouts = new ArrayList<>();

        @Override
        public PutItemResponse putItem(PutItemRequest request) {
            items.add(request.item());
            timeouts.add(request.overrideConfiguration().orElseThrow().apiCallTimeout().orElseThrow());
            written.add(request.item().get("event_key").s());
            return PutItemResponse.builder().build();
        }

        @Override
        public BatchWriteItemResponse batchWriteItem(BatchWriteItemRequest request) {
            List<WriteRequest> items = request.requestItems().get(TABLE);
            items.forEach(item -> this.items.add(item.putRequest().item()));
            timeouts.add(request.overrideConfiguration().orElseThrow().apiCallTimeout().orElseThrow());
            calls.add(items.stream().map(FakeDynamo::key).toList());
            List<WriteRequest> left = unprocessed.apply(items);
            items.stream().filter(item -> !left.contains(item)).forEach(item -> written.add(key(item)));
            return BatchWriteItemResponse.builder().unprocessedItems(left.isEmpty() ? Map.of() : Map.of(TABLE, left))
                    .build();
        }

        /** The read-back after a failed write: what this fake holds (its timing is all that matters here). */
        @Override
        public BatchGetItemResponse batchGetItem(BatchGetItemRequest request) {
            gets++;
            List<Map<String, AttributeValue>> found = request.requestItems().get(TABLE).keys().stream()
                    .filter(key -> written.contains(key.get("event_key").s())).toList();
            return BatchGetItemResponse.builder().responses(Map.of(TABLE, found)).build();
        }

        static String key(WriteRequest item) {
            return item.putRequest().item().get("event_key").s();
        }

        long tick; // how far each reading moves the clock

        EventStore store() {
            return new EventStore(this, TABLE, () -> nanos += tick, millis -> {
                sleeps.add(millis);
                nanos += Duration.ofMillis(millis).toNanos();
            });
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }

    private static List<StoredEvent> events(int n) {
        List<StoredEvent> events = new ArrayList<>();
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < n; i++) {
            events.add(new StoredEvent("src_1", "prj_1", "key_1", "req", i == 0, "m" + i, "track", now, "{}",
                    now.plusSeconds(60)));
        }
        return events;
    }

    @Test
    void unprocessedItemsAreRetriedAloneWithGrowingJitteredBackoffUntilWritten() {
        int[] round = {0};
        // Each call leaves its last half unprocessed, three times over.
        FakeDynamo dynamo = new FakeDynamo(items -> round[0]++ < 3 ? items.subList(items.size() / 2, items.size())
                : List.of());
        dynamo.store().write(events(20), BUDGET);

        assertEquals(20, dynamo.written.size(), "every event written in the end");
        assertEquals(List.of(20, 10, 5, 3), dynamo.calls.stream().map(List::size).toList(),
                "only the unprocessed items are sent again");
        assertEquals(3, dynamo.sleeps.size());
        long[][] bounds = {{12, 25}, {25, 50}, {50, 100}}; // [backoff / 2, backoff], backoff = 25 ms x 2^attempt
        for (int i = 0; i < 3; i++) {
            long sleep = dynamo.sleeps.get(i);
            assertTrue(sleep >= bounds[i][0] && sleep <= bounds[i][1], "backoff " + i + ": " + dynamo.sleeps);
        }
    }

    @Test
    void itemsThatStayUnprocessedEndInStorageUnavailableWithinTheBudget() {
        FakeDynamo dynamo = new FakeDynamo(items -> items.subList(1, items.size())); // one item per call gets in
        assertThrows(StorageUnavailable.class, () -> dynamo.store().write(events(25), BUDGET));

        long slept = dynamo.sleeps.stream().mapToLong(Long::longValue).sum();
        assertTrue(Duration.ofMillis(slept).compareTo(BUDGET) < 0, "gave up within the budget: slept " + slept);
        assertTrue(slept > BUDGET.toMillis() / 2, "and used most of it before giving up: slept " + slept);
        assertTrue(dynamo.sleeps.stream().allMatch(ms -> ms <= 800), "backoff capped at 800 ms: " + dynamo.sleeps);
        assertTrue(dynamo.written.size() < 25, "not everything was written, so nothing may be acknowledged");
        StorageUnavailable outage = assertThrows(StorageUnavailable.class, () -> new FakeDynamo(
                items -> items.subList(1, items.size())).store().write(events(25), BUDGET));
        assertEquals(25, outage.total());
        assertTrue(outage.confirmedStored().getAsInt() > 0 && outage.confirmedStored().getAsInt() < 25,
                "the read-back says how many are stored: " + outage.confirmedStored());
    }

    @Test
    void theReadBackKeepsPartOfTheBudgetAndAnAcceptedWriteMakesNoRead() {
        assertEquals(Duration.ofSeconds(1), EventStore.readBackReserve(Duration.ofSeconds(5)));
        assertEquals(Duration.ofMillis(600), EventStore.readBackReserve(Duration.ofSeconds(3)));
        assertEquals(Duration.ofMillis(100), EventStore.readBackReserve(Duration.ofMillis(300)));
        FakeDynamo dynamo = new FakeDynamo(items -> List.of());
        dynamo.store().write(events(30), BUDGET);
        assertEquals(0, dynamo.gets, "no read on the accepted path");
    }

    @Test
    void requestsOfMoreThan25EventsGoInChunksOf25() {
        FakeDynamo dynamo = new FakeDynamo(items -> List.of());
        dynamo.store().write(events(60), BUDGET);
        assertEquals(List.of(25, 25, 10), dynamo.calls.stream().map(List::size).toList());
        assertEquals(60, dynamo.written.size());
        assertTrue(dynamo.sleeps.isEmpty());
    }

    @Test
    void eachItemCarriesItsOwnEventsAttributesWhenEventsOfAWriteDiffer() {
        Instant now = Instant.parse("2026-01-01T00:00:00.123456Z");
        List<StoredEvent> events = List.of(
                new StoredEvent("src_1", "prj_1", "key_1", "req_1", true, "m0", "track", now, "{\"a\":0}",
                        now.plusSeconds(60)),
                new StoredEvent("src_1", "prj_1", "key_1", "req_1", false, "m1", "page", now, "{\"a\":1}",
                        now.plusSeconds(60)),
                new StoredEvent("src_2", "prj_2", "key_2", "req_2", true, "m0", "track", now.plusMillis(1), "{}",
                        now.plusSeconds(61)),
                new StoredEvent("src_1", "prj_1", "key_1", "req_1", false, "m2", "track", now, "{}",
                        now.plusSeconds(60)));
        FakeDynamo dynamo = new FakeDynamo(items -> List.of());
        EventStore store = dynamo.store();
        store.write(events, BUDGET);
        store.write(List.of(events.get(2)), BUDGET); // later writes start from the last one's values
        store.write(List.of(events.get(0)), BUDGET);
        store.write(events.subList(1, 3), BUDGET);
        List<StoredEvent> written = new ArrayList<>(events);
        written.addAll(List.of(events.get(2), events.get(0), events.get(1), events.get(2)));
        assertEquals(written.stream().map(EventStore::item).toList(), dynamo.items);
        assertEquals("2026-01-01T00:00:00.124Z", dynamo.items.get(2).get("received_at").s());
        assertEquals(Long.toString(now.plusSeconds(61).getEpochSecond()), dynamo.items.get(2).get(TableNames.EVENTS_TTL_ATTRIBUTE).n());
        assertEquals("src_1", dynamo.items.get(3).get("source_id").s());
    }

    @Test
    void aWriteCallsTimeoutIsHalfOfWhatIsLeftForWritesInWholeMilliseconds() {
        FakeDynamo dynamo = new FakeDynamo(items -> List.of());
        EventStore store = dynamo.store();
        dynamo.tick = 1_234_567; // writes end 4 s after the start (5 s less the 1 s read-back reserve)
        store.write(events(30), BUDGET); // 2 calls, 1.23 and 2.47 ms after the start
        store.write(events(1), BUDGET);
        assertEquals(List.of(Duration.ofMillis(1999), Duration.ofMillis(1998), Duration.ofMillis(1999)),
                dynamo.timeouts);
        store.write(events(1), Duration.ofSeconds(3)); // writes end 2.4 s after the start
        assertEquals(Duration.ofMillis(1199), dynamo.timeouts.get(3));
    }
}
