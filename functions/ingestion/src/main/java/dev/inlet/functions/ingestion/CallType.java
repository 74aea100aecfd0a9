package dev.inlet.functions.ingestion;

import dev.inlet.common.source.EventType;
import java.util.Map;
import java.util.Optional;

/**
 * The tracking-API call a route stands for. Each Segment call has a long path (/v1/track) and the one-letter path
 * analytics.js in browsers uses (/v1/t); /v1/batch, /v1/import and /v1/b carry a batch.
 */
enum CallType {
    TRACK, IDENTIFY, PAGE, SCREEN, GROUP, ALIAS, BATCH;

    private static final Map<String, CallType> BY_PATH = Map.ofEntries(
            Map.entry("/v1/track", TRACK), Map.entry("/v1/t", TRACK),
            Map.entry("/v1/identify", IDENTIFY), Map.entry("/v1/i", IDENTIFY),
            Map.entry("/v1/page", PAGE), Map.entry("/v1/p", PAGE),
            Map.entry("/v1/screen", SCREEN), Map.entry("/v1/s", SCREEN),
            Map.entry("/v1/group", GROUP), Map.entry("/v1/g", GROUP),
            Map.entry("/v1/alias", ALIAS), Map.entry("/v1/a", ALIAS),
            Map.entry("/v1/batch", BATCH), Map.entry("/v1/import", BATCH), Map.entry("/v1/b", BATCH));

    static Optional<CallType> forRouteKey(String routeKey) {
        if (!routeKey.startsWith("POST ")) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_PATH.get(routeKey.substring("POST ".length())));
    }

    /** The event type of a single call; empty for a batch, whose events name their own. */
    Optional<EventType> eventType() {
        return this == BATCH ? Optional.empty() : Optional.of(EventType.valueOf(name()));
    }
}
