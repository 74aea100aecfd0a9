package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;

import dev.inlet.common.http.Json;
import dev.inlet.common.source.AuditEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** A source's audit trail (AuditTable: source_id, entry = the source's version after the change), newest first. */
public final class AuditRepository {

    /** How long entries are kept: long after a source is revoked, for the record. */
    static final Duration KEEP = Duration.ofDays(400);

    private final DynamoDbClient dynamo;
    private final String table;

    public AuditRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** The write that records {@code entry}, to join the transaction of the change it records. */
    TransactWriteItem put(AuditEntry entry) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("source_id", s(entry.sourceId()));
        item.put("entry", s(String.format("%019d", entry.version())));
        item.put("version", n(entry.version()));
        item.put("at", Attributes.time(entry.at()));
        item.put("actor", s(entry.actor()));
        item.put("action", s(entry.action()));
        item.put("details", s(Json.write(entry.details())));
        item.put("purge_at", n(entry.at().plus(KEEP).getEpochSecond()));
        // Append-only: an entry is never overwritten (its key is the version the change produced).
        return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                .conditionExpression("attribute_not_exists(entry)").build()).build();
    }

    public Page<AuditEntry> list(String sourceId, int limit, Optional<Map<String, String>> after) {
        Map<String, AttributeValue> start = after.map(key -> Map.of("source_id", s(sourceId),
                "entry", s(key.getOrDefault("entry", "")))).orElse(null);
        QueryResponse response = dynamo.query(b -> b.tableName(table)
                .keyConditionExpression("source_id = :source")
                .expressionAttributeValues(Map.of(":source", s(sourceId)))
                .scanIndexForward(false)
                .consistentRead(true)
                .limit(limit)
                .exclusiveStartKey(start));
        List<AuditEntry> entries = new ArrayList<>();
        for (Map<String, AttributeValue> item : response.items()) {
            entries.add(new AuditEntry(sourceId, Attributes.number(item, "version"), Attributes.instant(item, "at"),
                    Attributes.string(item, "actor"),
                    Attributes.string(item, "action"),
                    (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(Attributes.string(item, "details"))));
        }
        Optional<Map<String, String>> next = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                ? Optional.of(Map.of("source_id", sourceId, "entry", response.lastEvaluatedKey().get("entry").s()))
                : Optional.empty();
        return new Page<>(entries, next);
    }
}
