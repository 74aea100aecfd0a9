package dev.inlet.localaws;

import java.util.List;
import java.util.Objects;

/** A GSI; {@code nonKeyAttributes} only matters for projection type INCLUDE. */
public record GlobalSecondaryIndex(String indexName, KeySchema keySchema, String projectionType,
                                   List<String> nonKeyAttributes) {

    public GlobalSecondaryIndex {
        Objects.requireNonNull(indexName, "indexName");
        Objects.requireNonNull(keySchema, "keySchema");
        Objects.requireNonNull(projectionType, "projectionType");
        nonKeyAttributes = List.copyOf(nonKeyAttributes);
    }
}
