package dev.inlet.common.source;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An event source: a named producer inside a project, with the rules its write keys carry. {@code version} grows by
 * one with every change and guards conditional writes. {@code keys} are the live keys (at most two: the current one
 * and one in its rotation grace period), newest first.
 */
public record Source(
        String id,
        String projectId,
        String name,
        SourceType type,
        SourceEnvironment environment,
        Optional<String> description,
        Optional<Integer> rateLimitEps,
        Optional<Integer> rateLimitBurst,
        Set<EventType> allowedEventTypes,
        List<String> allowedOrigins,
        SourceStatus status,
        Instant createdAt,
        Instant updatedAt,
        Optional<Instant> lastEventAt,
        long version,
        List<SourceKey> keys) {

    public Source {
        allowedEventTypes = Set.copyOf(allowedEventTypes);
        allowedOrigins = List.copyOf(allowedOrigins);
        keys = List.copyOf(keys);
    }

    /** The newest key: the one handed out at creation or by the last rotation. */
    public Optional<SourceKey> currentKey() {
        return keys.stream().findFirst();
    }

    public Source withKeys(List<SourceKey> newKeys, Instant now) {
        return new Source(id, projectId, name, type, environment, description, rateLimitEps, rateLimitBurst,
                allowedEventTypes, allowedOrigins, status, createdAt, now, lastEventAt, version + 1, newKeys);
    }

    public Source withStatus(SourceStatus newStatus, Instant now) {
        return new Source(id, projectId, name, type, environment, description, rateLimitEps, rateLimitBurst,
                allowedEventTypes, allowedOrigins, newStatus, createdAt, now, lastEventAt, version + 1, keys);
    }
}
