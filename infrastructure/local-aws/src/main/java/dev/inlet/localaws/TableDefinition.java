package dev.inlet.localaws;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@code AWS::DynamoDB::Table} of the template. {@code ttlAttribute} is present only when the template enables TTL;
 * {@code attributeDefinitions} maps attribute name to its type (S, N or B), in template order.
 */
public record TableDefinition(String logicalId,
                              Map<String, String> attributeDefinitions,
                              KeySchema keySchema,
                              List<GlobalSecondaryIndex> globalSecondaryIndexes,
                              Optional<String> ttlAttribute,
                              Optional<String> streamViewType) {

    public TableDefinition {
        Objects.requireNonNull(logicalId, "logicalId");
        attributeDefinitions = Collections.unmodifiableMap(new LinkedHashMap<>(attributeDefinitions));
        Objects.requireNonNull(keySchema, "keySchema");
        globalSecondaryIndexes = List.copyOf(globalSecondaryIndexes);
        Objects.requireNonNull(ttlAttribute, "ttlAttribute");
        Objects.requireNonNull(streamViewType, "streamViewType");
    }

    public Optional<GlobalSecondaryIndex> index(String indexName) {
        return globalSecondaryIndexes.stream().filter(index -> index.indexName().equals(indexName)).findFirst();
    }
}
