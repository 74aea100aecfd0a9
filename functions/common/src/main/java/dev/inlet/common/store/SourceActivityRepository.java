package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.s;

import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * A source's activity (last_event_at) on its item in SourcesTable. Written by the stats aggregator, apart from the
 * admin-owned attributes: it does not change the version, so activity never fails a concurrent admin change.
 */
public final class SourceActivityRepository {

    private final DynamoDbClient dynamo;
    private final String sourcesTable;

    public SourceActivityRepository(DynamoDbClient dynamo, String sourcesTable) {
        this.dynamo = dynamo;
        this.sourcesTable = sourcesTable;
    }

    /** Moves last_event_at forward to {@code at}, never back: stream batches of different shards interleave. */
    public void recordLastEvent(String sourceId, Instant at) {
        try {
            dynamo.updateItem(b -> b.tableName(sourcesTable)
                    .key(Map.of("id", s(sourceId)))
                    .updateExpression("SET last_event_at = :at")
                    .conditionExpression("attribute_exists(id) AND "
                            + "(attribute_not_exists(last_event_at) OR last_event_at < :at)")
                    .expressionAttributeValues(Map.of(":at", Attributes.time(at))));
        } catch (ConditionalCheckFailedException alreadyLater) {
            // A later event was recorded first, or the source is gone: nothing to do.
        }
    }
}
