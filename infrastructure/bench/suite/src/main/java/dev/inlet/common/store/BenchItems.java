package dev.inlet.common.store;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The events table's item for an event, exactly as {@link EventStore} writes it (its mapper is package-private). */
public final class BenchItems {

    private BenchItems() {
    }

    public static Map<String, AttributeValue> item(StoredEvent event) {
        return EventStore.item(event);
    }
}
