package dev.inlet.common.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One page of a listing and, when more may follow, the key to continue after (encoded as a cursor by the caller). */
public record Page<T>(List<T> items, Optional<Map<String, String>> next) {

    public Page {
        items = List.copyOf(items);
        next = next.map(Map::copyOf);
    }
}
