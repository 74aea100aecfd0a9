package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;
import static dev.inlet.common.store.Attributes.time;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The event debugger's entries (DebuggerTable: source_id, sample_key = zero-padded epoch millis, outcome and id, so a
 * source's partition reads newest first). Entries expire after {@link #RETENTION}; the TTL sweep may lag, so reads
 * filter out what has expired but is not yet deleted.
 */
public final class DebugSampleRepository {

    /** How long debugger entries are kept. */
    public static final Duration RETENTION = Duration.ofHours(24);
    /** Items a listing evaluates at most per call, whatever its filters: bounds the cost of a sparse filter. */
    static final int MAX_EVALUATED = 1_000;

    private static final int QUERY_PAGE = 200;
    private static final int UNPROCESSED_RETRIES = 3;

    private final DynamoDbClient dynamo;
    private final String table;

    public DebugSampleRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Writes one entry within {@code timeout}; a failure is the caller's to ignore (the debugger is best effort). */
    public void put(DebugSample sample, Duration timeout) {
        dynamo.putItem(b -> b.tableName(table).item(item(sample))
                .overrideConfiguration(o -> o.apiCallTimeout(timeout)));
    }

    /** Writes entries in batches of 25, retrying unprocessed ones briefly; returns how many could not be written. */
    public int putAll(List<? extends DebugSample> samples) {
        int unwritten = 0;
        for (int from = 0; from < samples.size(); from += EventStore.BATCH_WRITE_LIMIT) {
            List<WriteRequest> pending = new ArrayList<>();
            for (DebugSample sample : samples.subList(from, Math.min(samples.size(),
                    from + EventStore.BATCH_WRITE_LIMIT))) {
                pending.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item(sample)).build())
                        .build());
            }
            for (int attempt = 0; !pending.isEmpty() && attempt <= UNPROCESSED_RETRIES; attempt++) {
                if (attempt > 0) {
                    pause(25L << attempt); // unprocessed items mean throttling: an immediate retry would be too
                }
                List<WriteRequest> batch = pending;
                BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, batch)));
                pending = response.hasUnprocessedItems()
                        ? response.unprocessedItems().getOrDefault(table, List.of()) : List.of();
            }
            unwritten += pending.size();
        }
        return unwritten;
    }

    private static void pause(long maxMillis) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(maxMillis / 2, maxMillis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A source's entries, newest first, at most {@code limit}, optionally only one outcome ({@code accepted} or
     * {@code refused}) or those involving one event type. A page may hold fewer than {@code limit} entries and still
     * have a next position when a sparse filter met {@link #MAX_EVALUATED} items.
     */
    public Page<DebugSample> recent(String sourceId, Optional<String> outcome, Optional<String> type, int limit,
                                    Optional<Map<String, String>> after, Instant now) {
        Map<String, String> names = new HashMap<>(Map.of("#purge", TableNames.DEBUGGER_TTL_ATTRIBUTE));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":source", s(sourceId),
                ":now", n(now.getEpochSecond())));
        StringBuilder filter = new StringBuilder("#purge > :now");
        outcome.ifPresent(value -> {
            names.put("#outcome", "outcome");
            values.put(":outcome", s(value));
            filter.append(" AND #outcome = :outcome");
        });
        type.ifPresent(value -> {
            names.put("#types", "types");
            values.put(":type", s(value));
            filter.append(" AND contains(#types, :type)");
        });
        Map<String, AttributeValue> start = after.filter(position -> sourceId.equals(position.get("source_id")))
                .map(position -> Map.of("source_id", s(sourceId), "sample_key", s(position.get("sample_key"))))
                .orElse(null);
        List<DebugSample> found = new ArrayList<>();
        int evaluated = 0;
        while (true) {
            Map<String, AttributeValue> from = start;
            QueryResponse response = dynamo.query(b -> b.tableName(table)
                    .keyConditionExpression("source_id = :source")
                    .filterExpression(filter.toString())
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .scanIndexForward(false)
                    .limit(QUERY_PAGE)
                    .exclusiveStartKey(from));
            evaluated += response.scannedCount();
            List<Map<String, AttributeValue>> items = response.items();
            for (int i = 0; i < items.size(); i++) {
                found.add(sample(items.get(i)));
                if (found.size() == limit) {
                    boolean more = i < items.size() - 1 || hasKey(response);
                    return new Page<>(found, more ? Optional.of(position(sourceId, items.get(i))) : Optional.empty());
                }
            }
            if (!hasKey(response)) {
                return new Page<>(found, Optional.empty());
            }
            start = response.lastEvaluatedKey();
            if (evaluated >= MAX_EVALUATED) {
                return new Page<>(found, Optional.of(position(sourceId, start)));
            }
        }
    }

    private static boolean hasKey(QueryResponse response) {
        return response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty();
    }

    private static Map<String, String> position(String sourceId, Map<String, AttributeValue> key) {
        return Map.of("source_id", sourceId, "sample_key", key.get("sample_key").s());
    }

    /** Millis first (zero-padded: string order is time order), then the outcome and id to keep entries distinct. */
    static String sampleKey(DebugSample sample) {
        String outcome = sample instanceof DebugSample.Accepted ? "accepted" : "refused";
        return String.format("%013d#%s#%s", sample.at().toEpochMilli(), outcome, sample.id());
    }

    static Map<String, AttributeValue> item(DebugSample sample) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("source_id", s(sample.sourceId()));
        item.put("sample_key", s(sampleKey(sample)));
        item.put("at", time(sample.at()));
        item.put("types", Attributes.strings(sample.types()));
        item.put(TableNames.DEBUGGER_TTL_ATTRIBUTE, n(sample.at().plus(RETENTION).getEpochSecond()));
        switch (sample) {
            case DebugSample.Accepted accepted -> {
                item.put("outcome", s("accepted"));
                item.put("message_id", s(accepted.messageId()));
                item.put("key_id", s(accepted.keyId()));
                item.put("request_id", s(accepted.requestId()));
                item.put("payload", s(accepted.payloadJson()));
            }
            case DebugSample.Refused refused -> {
                item.put("outcome", s("refused"));
                item.put("request_id", s(refused.requestId()));
                item.put("status", n(refused.status()));
                item.put("code", s(refused.code()));
                item.put("reason", s(refused.reason()));
                item.put("message", s(refused.message()));
                refused.detailsJson().ifPresent(details -> item.put("details", s(details)));
                item.put("key_prefix", s(refused.keyPrefix()));
                refused.origin().ifPresent(origin -> item.put("origin", s(origin)));
                refused.eventCount().ifPresent(count -> item.put("event_count", n(count)));
                item.put("body_bytes", n(refused.bodyBytes()));
                item.put("body_excerpt", s(refused.bodyExcerpt()));
            }
        }
        return item;
    }

    static DebugSample sample(Map<String, AttributeValue> item) {
        String sourceId = Attributes.string(item, "source_id");
        Instant at = Attributes.instant(item, "at");
        if ("accepted".equals(Attributes.string(item, "outcome"))) {
            List<String> types = Attributes.stringList(item, "types");
            return new DebugSample.Accepted(sourceId, at, Attributes.string(item, "message_id"),
                    types.isEmpty() ? "" : types.get(0), Attributes.string(item, "key_id"),
                    Attributes.string(item, "request_id"), Attributes.string(item, "payload"));
        }
        return new DebugSample.Refused(sourceId, at, Attributes.string(item, "request_id"),
                (int) Attributes.number(item, "status"), Attributes.string(item, "code"),
                Attributes.string(item, "reason"), Attributes.string(item, "message"),
                Attributes.optionalString(item, "details"), Attributes.string(item, "key_prefix"),
                Attributes.optionalString(item, "origin"), Attributes.stringList(item, "types"),
                Attributes.optionalNumber(item, "event_count").map(Long::intValue),
                Attributes.number(item, "body_bytes"), Attributes.string(item, "body_excerpt"));
    }
}
