package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Per-source hourly counters (SourceStatsTable: source_id, hour "2026-11-22T10" UTC). Written by the stats aggregator
 * with one atomic ADD per source and hour per stream batch; read by the admin API for volume_24h.
 */
public final class SourceStatsRepository {

    /** Hours are kept a day longer than the longest window the API shows (168 h). */
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
        Instant hourStart = Instant.parse(hour + ":00:00Z");
        dynamo.updateItem(b -> b.tableName(table)
                .key(Map.of("source_id", s(sourceId), "hour", s(hour)))
                .updateExpression("ADD accepted :n SET purge_at = :purge")
                .expressionAttributeValues(Map.of(
                        ":n", n(accepted),
                        ":purge", n(hourStart.plus(KEEP).getEpochSecond()))));
    }

    /** Accepted events in the current hour and the 23 before it: the "last 24 hours" at hour granularity. */
    public long acceptedInLast24Hours(String sourceId, Instant now) {
        String from = hourOf(now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(23)));
        long total = 0;
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("source_id = :source AND #hour >= :from")
                .expressionAttributeNames(Map.of("#hour", "hour"))
                .expressionAttributeValues(Map.of(":source", s(sourceId), ":from", s(from)))).items()) {
            total += Attributes.optionalNumber(item, "accepted").orElse(0L);
        }
        return total;
    }
}
