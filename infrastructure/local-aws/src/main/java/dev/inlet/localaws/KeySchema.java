package dev.inlet.localaws;

import java.util.Objects;
import java.util.Optional;

/** The key of a table or an index: a partition (HASH) attribute and an optional sort (RANGE) attribute. */
public record KeySchema(String hashKey, Optional<String> rangeKey) {

    public KeySchema {
        Objects.requireNonNull(hashKey, "hashKey");
        Objects.requireNonNull(rangeKey, "rangeKey");
    }
}
