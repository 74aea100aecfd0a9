package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;
import static dev.inlet.common.store.Attributes.time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Writes accepted events: one PutItem for a single event, BatchWriteItem in chunks of 25 otherwise, retrying
 * unprocessed items with jittered exponential backoff until a deadline. It either writes every event or throws
 * {@link StorageUnavailable}; the caller acknowledges only in the first case. Writes are idempotent per
 * (source, messageId), so a client retrying after a 503 never duplicates what did get written.
 */
public final class EventStore {

    public static final int BATCH_WRITE_LIMIT = 25;
    private static final long FIRST_BACKOFF_MILLIS = 25;
    private static final long MAX_BACKOFF_MILLIS = 800;

    private final DynamoDbClient dynamo;
    private final String table;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    /** How the store waits between retries; tests replace it. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    public EventStore(DynamoDbClient dynamo, String table) {
        this(dynamo, table, System::nanoTime, Thread::sleep);
    }

    public EventStore(DynamoDbClient dynamo, String table, LongSupplier nanoTime, Sleeper sleeper) {
        this.dynamo = dynamo;
        this.table = table;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /** Writes every event, or throws StorageUnavailable once {@code budget} is spent. */
    public void write(List<StoredEvent> events, Duration budget) {
        if (events.isEmpty()) {
            return;
        }
        long deadline = nanoTime.getAsLong() + budget.toNanos();
        try {
            if (events.size() == 1) {
                dynamo.putItem(b -> b.tableName(table).item(item(events.get(0)))
                        .overrideConfiguration(o -> o.apiCallTimeout(left(deadline))));
                return;
            }
            for (int from = 0; from < events.size(); from += BATCH_WRITE_LIMIT) {
                List<WriteRequest> chunk = new ArrayList<>();
                for (StoredEvent event : events.subList(from, Math.min(events.size(), from + BATCH_WRITE_LIMIT))) {
                    chunk.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item(event)).build())
                            .build());
                }
                writeChunk(chunk, deadline);
            }
        } catch (SdkException e) {
            if (isTransient(e)) {
                throw new StorageUnavailable("DynamoDB did not take the write: " + e.getClass().getSimpleName(), e);
            }
            throw e; // a validation or permission error will not pass on retry: a 500, logged, not a 503
        }
    }

    private void writeChunk(List<WriteRequest> chunk, long deadline) {
        List<WriteRequest> pending = chunk;
        for (int attempt = 0; ; attempt++) {
            List<WriteRequest> batch = pending;
            BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, batch))
                    .overrideConfiguration(o -> o.apiCallTimeout(left(deadline))));
            pending = response.hasUnprocessedItems() ? response.unprocessedItems().getOrDefault(table, List.of())
                    : List.of();
            if (pending.isEmpty()) {
                return;
            }
            long backoff = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(attempt, 10));
            long wait = ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1); // jitter spreads retries
            if (nanoTime.getAsLong() + Duration.ofMillis(wait).toNanos() >= deadline) {
                throw new StorageUnavailable(pending.size() + " events stayed unprocessed after " + (attempt + 1)
                        + " attempts", null);
            }
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageUnavailable("Interrupted while retrying unprocessed events", e);
            }
        }
    }

    /** What is left of the budget: every call is bounded by it, so a stalled connection cannot outlive the answer. */
    private Duration left(long deadline) {
        return Duration.ofNanos(Math.max(deadline - nanoTime.getAsLong(), Duration.ofMillis(50).toNanos()));
    }

    /** Throttling, DynamoDB's own 5xx, and client-side timeouts or I/O errors: worth a retry later. */
    static boolean isTransient(SdkException e) {
        if (e instanceof SdkClientException) {
            return true;
        }
        if (e instanceof AwsServiceException service) {
            return service.isThrottlingException() || service.statusCode() >= 500;
        }
        return false;
    }

    static Map<String, AttributeValue> item(StoredEvent event) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("event_key", s(event.itemKey()));
        item.put("source_id", s(event.sourceId()));
        item.put("project_id", s(event.projectId()));
        item.put("key_id", s(event.keyId()));
        item.put("request_id", s(event.requestId()));
        if (event.requestHead()) {
            item.put("request_head", AttributeValue.fromBool(true));
        }
        item.put("message_id", s(event.messageId()));
        item.put("type", s(event.type()));
        item.put("received_at", time(event.receivedAt()));
        item.put("payload", s(event.payloadJson()));
        item.put(TableNames.EVENTS_TTL_ATTRIBUTE, n(event.purgeAt().getEpochSecond()));
        return item;
    }
}
