package dev.inlet.common.source;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a write key permits, as its key item states it: the source it belongs to and the rules ingestion enforces.
 * {@code keyRevoked} marks a key invalidated on its own (a source disabled with revoke_keys).
 * Read with one GetItem and cached briefly by ingestion.
 */
public record KeyGrant(
        String keyId,
        String keyPrefix,
        String sourceId,
        String projectId,
        SourceType sourceType,
        SourceStatus sourceStatus,
        Optional<Integer> rateLimitEps,
        Optional<Integer> rateLimitBurst,
        Set<EventType> allowedEventTypes,
        List<String> allowedOrigins,
        Optional<Instant> expiresAt,
        boolean keyRevoked) {

    public KeyGrant {
        allowedEventTypes = Set.copyOf(allowedEventTypes);
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    public boolean isExpiredAt(Instant now) {
        return expiresAt.map(at -> !now.isBefore(at)).orElse(false);
    }
}
