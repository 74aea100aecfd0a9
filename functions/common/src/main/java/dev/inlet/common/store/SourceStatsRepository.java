package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Per-source counters in SourceStatsTable (source_id, slot), written by the stats aggregator with atomic ADDs and
 * read by the admin API. Slots:
 * <ul>
 *   <li>{@code 2026-11-22T10}: events accepted in that UTC hour (attribute {@code accepted});</li>
 *   <li>{@code key#<key id>#2026-11-22T10}: requests a key carried in that hour ({@code requests});</li>
 *   <li>{@code key#<key id>}: when the key last carried an accepted request ({@code last_used_at});</li>
 *   <li>{@code refused#2026-11-22T10}: refused requests in that hour, one attribute per reason.</li>
 * </ul>
 * Hour slots sort before "key#" and "refused#" ones ('2' &lt; 'k' &lt; 'r'), so a range of hours picks up neither.
 */
public final class SourceStatsRepository {

    /**
     * Kept 8 days: a day beyond the 7-day window the statistics endpoint is planned to show (the API reads 24 h
     * today). A key unused for 8 days loses its last_used_at too, and then reads as never used.
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

    /** Adds {@code accepted} events to the source's counter for {@code hour} (atomic, no read). */
    public void addAccepted(String sourceId, String hour, long accepted) {
        add(sourceId, hour, "accepted", accepted, hour);
    }

    /** Adds {@code requests} accepted requests to the key's counter for {@code hour}. */
    public void addKeyRequests(String sourceId, String keyId, String hour, long requests) {
        add(sourceId, "key#" + keyId + "#" + hour, "requests", requests, hour);
    }

    /** Adds refused requests by reason to the source's {@code refused#<hour>} slot, in one atomic UpdateItem. */
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

    /** One hour of a source's statistics: accepted events and refused requests by reason. */
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

    private void add(String sourceId, String slot, String counter, long amount, String hour) {
        Instant hourStart = Instant.parse(hour + ":00:00Z");
        dynamo.updateItem(b -> b.tableName(table)
                .key(Map.of("source_id", s(sourceId), "slot", s(slot)))
                .updateExpression("ADD #counter :n SET purge_at = :purge")
                .expressionAttributeNames(Map.of("#counter", counter))
                .expressionAttributeValues(Map.of(
                        ":n", n(amount),
                        ":purge", n(hourStart.plus(KEEP).getEpochSecond()))));
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
