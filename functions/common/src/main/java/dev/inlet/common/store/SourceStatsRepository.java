package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Per-source counters in SourceStatsTable (source_id, slot), written by the stats aggregator with atomic ADDs and
 * read by the admin API. Slots:
 * <ul>
 *   <li>{@code 2026-11-22T10}: events accepted in that UTC hour (attribute {@code accepted});</li>
 *   <li>{@code key#<key id>#2026-11-22T10}: requests a key carried in that hour ({@code requests});</li>
 *   <li>{@code key#<key id>}: when the key last carried an accepted request ({@code last_used_at});</li>
 *   <li>{@code refused#2026-11-22T10}: refused events in that hour, one attribute per reason.</li>
 * </ul>
 * Hour slots sort before "key#" and "refused#" ones ('2' &lt; 'k' &lt; 'r'), so a range of hours picks up neither.
 * Apart from those, the aggregator's ledger of applied stream records ({@link #addOnce}): one item per chunk of
 * records, under the pseudo-source {@code _applied#<first record's id>}, which no source ever reads.
 */
public final class SourceStatsRepository {

    /**
     * Kept 8 days: a day beyond the longest window the statistics endpoint shows ({@code hours} up to 168). A key
     * unused for 8 days loses its last_used_at too, and then reads as never used.
     */
    static final Duration KEEP = Duration.ofDays(8);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH")
            .withZone(ZoneOffset.UTC);

    private final DynamoDbClient dynamo;
    private final String table;

    public SourceStatsRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    public static String hourOf(Instant instant) {
        return HOUR.format(instant);
    }

    /** Adds {@code accepted} events to the source's counter for {@code hour} (atomic, no read; not idempotent). */
    public void addAccepted(String sourceId, String hour, long accepted) {
        add(Increment.accepted(sourceId, hour, accepted));
    }

    /** Adds {@code requests} accepted requests to the key's counter for {@code hour} (not idempotent). */
    public void addKeyRequests(String sourceId, String keyId, String hour, long requests) {
        add(Increment.keyRequests(sourceId, keyId, hour, requests));
    }

    /** An amount to add to one counter of one slot (an hour's {@code accepted}, a key-hour's {@code requests}). */
    public record Increment(String sourceId, String slot, String counter, long amount, String hour) {

        public static Increment accepted(String sourceId, String hour, long accepted) {
            return new Increment(sourceId, hour, "accepted", accepted, hour);
        }

        public static Increment keyRequests(String sourceId, String keyId, String hour, long requests) {
            return new Increment(sourceId, "key#" + keyId + "#" + hour, "requests", requests, hour);
        }
    }

    /** Increments one {@link #addOnce} may carry: a transaction holds 100 actions, and one is the ledger item. */
    public static final int MAX_INCREMENTS = 99;
    /** Longer than a stream record can be re-delivered: the stream keeps records 24 h. */
    static final Duration LEDGER_KEEP = Duration.ofDays(2);
    private static final String LEDGER_PREFIX = "_applied#";
    /**
     * How long a transaction cancelled by a conflict or throttling is retried before the chunk is reported failed:
     * aggregators of other shards add to the same hot source's items, and every reported failure spends one of the
     * stream mapping's retries, after which the records are dead-lettered uncounted. Well inside the 15 s timeout.
     */
    private static final long TRANSIENT_RETRY_NANOS = Duration.ofSeconds(5).toNanos();
    private static final long MAX_PAUSE_MILLIS = 500;

    /**
     * Applies {@code increments}, the effect of the stream records {@code recordIds} (in stream order), exactly once:
     * one TransactWriteItems holds them and a ledger item keyed by the first record id, which it creates only if
     * absent, so the increments and the ledger are written together or not at all. Returns empty when this call
     * applied them. When the ledger already holds an item for that first record (an earlier delivery applied a chunk
     * starting there, possibly cut differently), applies nothing and returns the record ids that chunk covered.
     * A transaction cancelled by a conflicting write or throttling is retried here (nothing was applied); any other
     * failure is thrown, and whether the chunk was applied is then for the ledger to tell on the next delivery.
     */
    public Optional<List<String>> addOnce(List<String> recordIds, List<Increment> increments, Instant now) {
        if (recordIds.isEmpty() || increments.size() > MAX_INCREMENTS) {
            throw new IllegalArgumentException("1.." + MAX_INCREMENTS + " increments for at least one record");
        }
        List<TransactWriteItem> actions = new ArrayList<>();
        actions.add(TransactWriteItem.builder().update(u -> u.tableName(table)
                .key(ledgerKey(recordIds.get(0)))
                .updateExpression("SET #records = :records, purge_at = :purge")
                .conditionExpression("attribute_not_exists(#records)")
                .expressionAttributeNames(Map.of("#records", "records"))
                .expressionAttributeValues(Map.of(":records", encode(recordIds),
                        ":purge", n(now.plus(LEDGER_KEEP).getEpochSecond())))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).build());
        for (Increment increment : increments) {
            actions.add(TransactWriteItem.builder().update(u -> u.tableName(table)
                    .key(Map.of("source_id", s(increment.sourceId()), "slot", s(increment.slot())))
                    .updateExpression("ADD #counter :n SET purge_at = :purge")
                    .expressionAttributeNames(Map.of("#counter", increment.counter()))
                    .expressionAttributeValues(incrementValues(increment))).build());
        }
        long started = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                dynamo.transactWriteItems(b -> b.transactItems(actions));
                return Optional.empty();
            } catch (TransactionCanceledException cancelled) {
                List<CancellationReason> reasons = cancelled.cancellationReasons();
                if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) {
                    Map<String, AttributeValue> ledger = reasons.get(0).item();
                    if (ledger == null || !ledger.containsKey("records")) {
                        throw new IllegalStateException("The ledger item's records were not returned", cancelled);
                    }
                    return Optional.of(decode(ledger.get("records")));
                }
                boolean transientCause = reasons.stream().map(CancellationReason::code).anyMatch(code ->
                        "TransactionConflict".equals(code) || "ThrottlingError".equals(code)
                                || "ProvisionedThroughputExceeded".equals(code));
                if (!transientCause || System.nanoTime() - started > TRANSIENT_RETRY_NANOS) {
                    throw cancelled;
                }
                pause(attempt);
            }
        }
    }

    /**
     * Records {@code recordIds} (in stream order) as applied, keyed by the first: for the rest of a chunk that an
     * earlier, longer delivery applied, when this delivery ends inside it (Lambda bisected the batch), so that the
     * delivery starting there finds them applied. Idempotent.
     */
    public void markApplied(List<String> recordIds, Instant now) {
        try {
            dynamo.updateItem(b -> b.tableName(table)
                    .key(ledgerKey(recordIds.get(0)))
                    .updateExpression("SET #records = :records, purge_at = :purge")
                    .conditionExpression("attribute_not_exists(#records)")
                    .expressionAttributeNames(Map.of("#records", "records"))
                    .expressionAttributeValues(Map.of(":records", encode(recordIds),
                            ":purge", n(now.plus(LEDGER_KEEP).getEpochSecond()))));
        } catch (ConditionalCheckFailedException alreadyMarked) {
            // Marked by an earlier delivery.
        }
    }

    private static Map<String, AttributeValue> ledgerKey(String firstRecordId) {
        return Map.of("source_id", s(LEDGER_PREFIX + firstRecordId), "slot", s("records"));
    }

    /** Record ids, newline-joined and deflated: about 20 bytes per 32-hex-digit eventID, ~20 KB for 1,000. */
    private static AttributeValue encode(List<String> recordIds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(out)) {
            deflate.write(String.join("\n", recordIds).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return AttributeValue.fromB(SdkBytes.fromByteArray(out.toByteArray()));
    }

    private static List<String> decode(AttributeValue records) {
        try (InflaterInputStream inflate = new InflaterInputStream(records.b().asInputStream())) {
            return List.of(new String(inflate.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause(int attempt) {
        try {
            // Jittered, so that aggregators conflicting on one item do not retry in step.
            long ceiling = Math.min(MAX_PAUSE_MILLIS, 20L << Math.min(attempt, 10));
            Thread.sleep(ceiling / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds refused events by reason to the source's {@code refused#<hour>} slot, in one atomic UpdateItem. */
    static final java.time.Duration REFUSALS_WRITE_TIMEOUT = java.time.Duration.ofMillis(300);

    public void addRefusals(String sourceId, String hour, Map<String, Long> byReason) {
        if (byReason.isEmpty()) {
            return;
        }
        java.util.List<String> adds = new java.util.ArrayList<>();
        Map<String, String> names = new java.util.HashMap<>();
        Map<String, AttributeValue> values = new java.util.HashMap<>();
        int i = 0;
        for (Map.Entry<String, Long> entry : byReason.entrySet()) {
            names.put("#r" + i, entry.getKey());
            values.put(":n" + i, n(entry.getValue()));
            adds.add("#r" + i + " :n" + i);
            i++;
        }
        values.put(":purge", n(Instant.parse(hour + ":00:00Z").plus(KEEP).getEpochSecond()));
        dynamo.updateItem(b -> b.tableName(table)
                .key(Map.of("source_id", s(sourceId), "slot", s("refused#" + hour)))
                .updateExpression("ADD " + String.join(", ", adds) + " SET purge_at = :purge")
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                // Written on a live request's path (ingestion's refusal-count flush): bounded, never a stall.
                .overrideConfiguration(o -> o.apiCallTimeout(REFUSALS_WRITE_TIMEOUT)));
    }

    /** One hour of a source's statistics: accepted events and refused events by reason. */
    public record HourStats(String hour, long accepted, Map<String, Long> refused) {
    }

    /** The source's hours from {@code fromHour} to {@code toHour} (inclusive, "yyyy-MM-ddTHH"), with counts. */
    public java.util.List<HourStats> hours(String sourceId, String fromHour, String toHour) {
        Map<String, Long> accepted = new java.util.HashMap<>();
        for (Map<String, AttributeValue> item : query(sourceId, fromHour, toHour)) {
            accepted.put(Attributes.string(item, "slot"), Attributes.optionalNumber(item, "accepted").orElse(0L));
        }
        Map<String, Map<String, Long>> refused = new java.util.HashMap<>();
        for (Map<String, AttributeValue> item : query(sourceId, "refused#" + fromHour, "refused#" + toHour)) {
            Map<String, Long> reasons = new java.util.TreeMap<>();
            item.forEach((name, value) -> {
                if (value.n() != null && !name.equals("purge_at")) {
                    reasons.put(name, Long.parseLong(value.n()));
                }
            });
            refused.put(Attributes.string(item, "slot").substring("refused#".length()), reasons);
        }
        java.util.List<HourStats> out = new java.util.ArrayList<>();
        for (Instant at = Instant.parse(fromHour + ":00:00Z"); !at.isAfter(Instant.parse(toHour + ":00:00Z"));
             at = at.plus(Duration.ofHours(1))) {
            String hour = hourOf(at);
            out.add(new HourStats(hour, accepted.getOrDefault(hour, 0L), refused.getOrDefault(hour, Map.of())));
        }
        return out;
    }

    private Iterable<Map<String, AttributeValue>> query(String sourceId, String fromSlot, String toSlot) {
        return dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("source_id = :source AND slot BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":source", s(sourceId), ":from", s(fromSlot), ":to", s(toSlot))))
                .items();
    }

    /** Moves the key's last_used_at forward to {@code at}, never back. */
    public void recordKeyUse(String sourceId, String keyId, Instant at) {
        try {
            dynamo.updateItem(b -> b.tableName(table)
                    .key(Map.of("source_id", s(sourceId), "slot", s("key#" + keyId)))
                    .updateExpression("SET last_used_at = :at, purge_at = :purge")
                    .conditionExpression("attribute_not_exists(last_used_at) OR last_used_at < :at")
                    .expressionAttributeValues(Map.of(":at", Attributes.time(at),
                            ":purge", n(at.plus(KEEP).getEpochSecond()))));
        } catch (ConditionalCheckFailedException alreadyLater) {
            // A later use was recorded first.
        }
    }

    /** Accepted events in the current hour and the 23 before it: the "last 24 hours" at hour granularity. */
    public long acceptedInLast24Hours(String sourceId, Instant now) {
        return sum(sourceId, fromHour(now), hourOf(now), "accepted");
    }

    public long keyRequestsInLast24Hours(String sourceId, String keyId, Instant now) {
        String prefix = "key#" + keyId + "#";
        return sum(sourceId, prefix + fromHour(now), prefix + hourOf(now), "requests");
    }

    public Optional<Instant> lastUsedAt(String sourceId, String keyId) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                .key(Map.of("source_id", s(sourceId), "slot", s("key#" + keyId)))).item();
        return item == null ? Optional.empty() : Attributes.optionalInstant(item, "last_used_at");
    }

    private void add(Increment increment) {
        dynamo.updateItem(b -> b.tableName(table)
                .key(Map.of("source_id", s(increment.sourceId()), "slot", s(increment.slot())))
                .updateExpression("ADD #counter :n SET purge_at = :purge")
                .expressionAttributeNames(Map.of("#counter", increment.counter()))
                .expressionAttributeValues(incrementValues(increment)));
    }

    private static Map<String, AttributeValue> incrementValues(Increment increment) {
        Instant hourStart = Instant.parse(increment.hour() + ":00:00Z");
        return Map.of(":n", n(increment.amount()), ":purge", n(hourStart.plus(KEEP).getEpochSecond()));
    }

    private long sum(String sourceId, String fromSlot, String toSlot, String counter) {
        long total = 0;
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("source_id = :source AND slot BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":source", s(sourceId), ":from", s(fromSlot), ":to", s(toSlot))))
                .items()) {
            total += Attributes.optionalNumber(item, counter).orElse(0L);
        }
        return total;
    }

    private static String fromHour(Instant now) {
        return hourOf(now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(23)));
    }
}
