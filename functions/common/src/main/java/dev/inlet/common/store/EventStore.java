package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;
import static dev.inlet.common.store.Attributes.time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Writes accepted events: one PutItem for a single event, BatchWriteItem in chunks of 25 otherwise, retrying
 * unprocessed items with jittered exponential backoff until a deadline. It either writes every event or throws
 * {@link StorageUnavailable}; the caller acknowledges only in the first case. Writes are idempotent per
 * (source, messageId), so a client retrying after a 503 never duplicates what did get written.
 *
 * <p>A failed call is not proof that nothing was written: a 500 or a timeout may come after DynamoDB applied the
 * write. So on a transient failure, and only then (the accepted path makes no read), the events are read back with
 * a consistent BatchGetItem of their keys, within the same budget: if all are stored the write succeeded after all;
 * the missing ones are written again while the budget allows; otherwise the StorageUnavailable says how many are
 * stored ({@link StorageUnavailable#confirmedStored()}), or that it is unknown when the read-back failed too.
 */
public final class EventStore {

    private static final Logger LOG = LoggerFactory.getLogger(EventStore.class);

    public static final int BATCH_WRITE_LIMIT = 25;
    public static final int BATCH_GET_LIMIT = 100;
    private static final long FIRST_BACKOFF_MILLIS = 25;
    private static final long MAX_BACKOFF_MILLIS = 800;
    /** Part of the budget kept for reading back a failed write (a stalled write would otherwise spend it all). */
    private static final Duration MIN_READ_BACK_RESERVE = Duration.ofMillis(100);
    private static final Duration MAX_READ_BACK_RESERVE = Duration.ofSeconds(1);
    /** Below this, another write of the missing events is not tried. */
    private static final Duration MIN_WRITE_WINDOW = Duration.ofMillis(100);

    private final DynamoDbClient dynamo;
    private final String table;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private volatile WriteOverride lastWriteOverride;
    private volatile Seed lastSeed;

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

    /**
     * Writes every event (distinct keys), or throws StorageUnavailable once {@code budget} is spent. Returning means
     * every event is stored, possibly confirmed by a read after a failed call.
     */
    public void write(List<StoredEvent> events, Duration budget) {
        if (events.isEmpty()) {
            return;
        }
        long deadline = nanoTime.getAsLong() + budget.toNanos();
        long writesEnd = deadline - readBackReserve(budget).toNanos();
        List<StoredEvent> pending = events;
        for (int round = 0; ; round++) {
            RuntimeException failure;
            try {
                writeOnce(pending, writesEnd);
                return;
            } catch (StorageUnavailable unprocessed) {
                failure = unprocessed;
            } catch (SdkException e) {
                if (!isTransient(e)) {
                    throw e; // a validation or permission error will not pass on retry: a 500, logged, not a 503
                }
                failure = e;
            }
            List<StoredEvent> missing;
            try {
                missing = notStored(pending, deadline);
            } catch (SdkException | StorageUnavailable unreadable) {
                if (unreadable instanceof SdkException sdk && !isTransient(sdk)) {
                    LOG.warn("Reading back a failed event write failed: {}", unreadable.toString());
                }
                failure.addSuppressed(unreadable);
                throw new StorageUnavailable("DynamoDB did not take the write (" + describe(failure) + ") and it "
                        + "could not be read back: the events may or may not be stored", failure, -1, events.size());
            }
            if (missing.isEmpty()) {
                return; // every event landed although a call failed: stored, so acknowledged honestly
            }
            long wait = backoffMillis(round);
            if (writesEnd - nanoTime.getAsLong() - Duration.ofMillis(wait).toNanos() < MIN_WRITE_WINDOW.toNanos()) {
                throw new StorageUnavailable(missing.size() + " of " + events.size() + " events are not stored ("
                        + describe(failure) + ")", failure, events.size() - missing.size(), events.size());
            }
            sleepOrGiveUp(wait, failure);
            pending = missing; // again, only what is missing: the rest is stored
        }
    }

    private void writeOnce(List<StoredEvent> events, long deadline) {
        Items items = new Items(lastSeed);
        if (events.size() == 1) {
            Map<String, AttributeValue> item = items.item(events.get(0));
            lastSeed = items.seed();
            dynamo.putItem(b -> b.tableName(table).item(item).overrideConfiguration(writeTimeout(deadline)));
            return;
        }
        for (int from = 0; from < events.size(); from += BATCH_WRITE_LIMIT) {
            List<WriteRequest> chunk = new ArrayList<>(BATCH_WRITE_LIMIT);
            for (StoredEvent event : events.subList(from, Math.min(events.size(), from + BATCH_WRITE_LIMIT))) {
                chunk.add(WriteRequest.builder().putRequest(PutRequest.builder().item(items.item(event)).build())
                        .build());
            }
            lastSeed = items.seed();
            writeChunk(chunk, deadline);
        }
    }

    /**
     * The events a consistent read does not find, read by key only. Throws the SDK's exception, or StorageUnavailable
     * when keys stay unprocessed past the deadline.
     */
    private List<StoredEvent> notStored(List<StoredEvent> events, long deadline) {
        Map<String, StoredEvent> missing = new LinkedHashMap<>();
        events.forEach(event -> missing.put(event.itemKey(), event));
        List<String> keys = new ArrayList<>(missing.keySet());
        for (int from = 0; from < keys.size(); from += BATCH_GET_LIMIT) {
            List<Map<String, AttributeValue>> chunk = new ArrayList<>();
            for (String key : keys.subList(from, Math.min(keys.size(), from + BATCH_GET_LIMIT))) {
                chunk.add(Map.of("event_key", s(key)));
            }
            KeysAndAttributes pending = KeysAndAttributes.builder().keys(chunk).consistentRead(true)
                    .projectionExpression("event_key").build();
            for (int attempt = 0; ; attempt++) {
                KeysAndAttributes request = pending;
                BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(Map.of(table, request))
                        .overrideConfiguration(o -> o.apiCallTimeout(left(deadline))));
                response.responses().getOrDefault(table, List.of())
                        .forEach(item -> missing.remove(item.get("event_key").s()));
                KeysAndAttributes unprocessed = response.hasUnprocessedKeys()
                        ? response.unprocessedKeys().get(table) : null;
                if (unprocessed == null || unprocessed.keys().isEmpty()) {
                    break;
                }
                pending = unprocessed;
                backOff(attempt, deadline, unprocessed.keys().size() + " keys stayed unprocessed by the read-back");
            }
        }
        return List.copyOf(missing.values());
    }

    private void writeChunk(List<WriteRequest> chunk, long deadline) {
        List<WriteRequest> pending = chunk;
        for (int attempt = 0; ; attempt++) {
            List<WriteRequest> batch = pending;
            BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, batch))
                    .overrideConfiguration(writeTimeout(deadline)));
            pending = response.hasUnprocessedItems() ? response.unprocessedItems().getOrDefault(table, List.of())
                    : List.of();
            if (pending.isEmpty()) {
                return;
            }
            backOff(attempt, deadline, pending.size() + " events stayed unprocessed after " + (attempt + 1)
                    + " attempts");
        }
    }

    /** Sleeps a jittered exponential backoff, or throws StorageUnavailable if it would pass {@code deadline}. */
    private void backOff(int attempt, long deadline, String givingUp) {
        long wait = backoffMillis(attempt);
        if (nanoTime.getAsLong() + Duration.ofMillis(wait).toNanos() >= deadline) {
            throw new StorageUnavailable(givingUp, null);
        }
        sleepOrGiveUp(wait, null);
    }

    /** 25 ms doubling to 800 ms, drawn from its upper half: jitter spreads the retries of many containers. */
    private static long backoffMillis(int attempt) {
        long backoff = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(attempt, 10));
        return ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1);
    }

    private void sleepOrGiveUp(long millis, Throwable cause) {
        try {
            sleeper.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // Not a result to report as "nothing stored": what the earlier attempts left is unknown.
            throw new StorageUnavailable("Interrupted while retrying", cause == null ? e : cause);
        }
    }

    /** A fifth of the budget, from 100 ms to 1 s: time enough for one consistent BatchGetItem. */
    static Duration readBackReserve(Duration budget) {
        Duration fifth = Duration.ofNanos(budget.toNanos() / 5); // as dividedBy(5), without its BigDecimal
        return fifth.compareTo(MIN_READ_BACK_RESERVE) < 0 ? MIN_READ_BACK_RESERVE
                : fifth.compareTo(MAX_READ_BACK_RESERVE) > 0 ? MAX_READ_BACK_RESERVE : fifth;
    }

    private static String describe(RuntimeException failure) {
        return failure instanceof StorageUnavailable ? failure.getMessage() : failure.getClass().getSimpleName();
    }

    /**
     * A write call's timeout: half of what is left for writes, so that a call that stalls (or whose SDK retries go
     * on) after it landed leaves time to read it back and write what is missing.
     */
    private Duration halfOfWhatIsLeft(long deadline) {
        return Duration.ofNanos(left(deadline).toNanos() / 2); // as dividedBy(2), without its BigDecimal
    }

    /**
     * A write call's override: {@link #halfOfWhatIsLeft} as its apiCallTimeout, in whole milliseconds as the SDK
     * takes it. The last one is reused while that timeout is the same, as it is for every call under a constant
     * budget: building an override configuration is a measurable part of a write.
     */
    private AwsRequestOverrideConfiguration writeTimeout(long deadline) {
        long millis = halfOfWhatIsLeft(deadline).toMillis();
        WriteOverride last = lastWriteOverride;
        if (last != null && last.timeoutMillis() == millis) {
            return last.configuration();
        }
        AwsRequestOverrideConfiguration configuration = AwsRequestOverrideConfiguration.builder()
                .apiCallTimeout(Duration.ofMillis(millis)).build();
        lastWriteOverride = new WriteOverride(millis, configuration);
        return configuration;
    }

    private record WriteOverride(long timeoutMillis, AwsRequestOverrideConfiguration configuration) {
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
        return new Items(null).item(event);
    }

    /** The last event an {@link Items} built, with its values: immutable, so any later write may start from it. */
    private record Seed(StoredEvent event, AttributeValue sourceId, AttributeValue projectId, AttributeValue keyId,
                        AttributeValue requestId, AttributeValue receivedAt, AttributeValue purgeAt) {
    }

    /**
     * Builds the items of one write. The events of a request share their source, key, request and times, so an
     * attribute value equal to the previous event's is that same (immutable) value, not built and formatted again.
     */
    private static final class Items {
        private static final AttributeValue TRUE = AttributeValue.fromBool(true); // immutable, so shared

        private StoredEvent previous;
        private AttributeValue sourceId;
        private AttributeValue projectId;
        private AttributeValue keyId;
        private AttributeValue requestId;
        private AttributeValue receivedAt;
        private AttributeValue purgeAt;

        /** Starting from the values of an earlier write: the next request of a source has the same source and key. */
        Items(Seed seed) {
            if (seed != null) {
                previous = seed.event();
                sourceId = seed.sourceId();
                projectId = seed.projectId();
                keyId = seed.keyId();
                requestId = seed.requestId();
                receivedAt = seed.receivedAt();
                purgeAt = seed.purgeAt();
            }
        }

        Seed seed() {
            return previous == null ? null
                    : new Seed(previous, sourceId, projectId, keyId, requestId, receivedAt, purgeAt);
        }

        Map<String, AttributeValue> item(StoredEvent event) {
            StoredEvent last = previous;
            previous = event;
            Map<String, AttributeValue> item = new HashMap<>();
            item.put("event_key", s(event.itemKey()));
            item.put("source_id", sourceId = last != null && last.sourceId().equals(event.sourceId()) ? sourceId
                    : s(event.sourceId()));
            item.put("project_id", projectId = last != null && last.projectId().equals(event.projectId()) ? projectId
                    : s(event.projectId()));
            // The key's id, public in listings: not a secret that needs a constant-time comparison.
            item.put("key_id", keyId = last != null && Objects.equals(last.keyId(), event.keyId()) ? keyId
                    : s(event.keyId()));
            item.put("request_id", requestId = last != null && last.requestId().equals(event.requestId()) ? requestId
                    : s(event.requestId()));
            if (event.requestHead()) {
                item.put("request_head", TRUE);
            }
            item.put("message_id", s(event.messageId()));
            item.put("type", s(event.type()));
            item.put("received_at", receivedAt = last != null && last.receivedAt().equals(event.receivedAt())
                    ? receivedAt : time(event.receivedAt()));
            item.put("payload", s(event.payloadJson()));
            item.put(TableNames.EVENTS_TTL_ATTRIBUTE, purgeAt = last != null
                    && last.purgeAt().getEpochSecond() == event.purgeAt().getEpochSecond()
                    ? purgeAt : n(event.purgeAt().getEpochSecond()));
            return item;
        }
    }
}
