package dev.inlet.common.source;

import java.time.Instant;
import java.util.Optional;

/**
 * A live write key of a source, as the source item lists it: never the key itself, only its HMAC (the key table's
 * partition key) and a display prefix. {@code expiresAt} is set on a key in its rotation grace period.
 */
public record SourceKey(String id, String hash, String prefix, Instant createdAt, Optional<Instant> expiresAt) {

    public boolean isLiveAt(Instant now) {
        return expiresAt.map(now::isBefore).orElse(true);
    }

    public SourceKey expiringAt(Instant when) {
        return new SourceKey(id, hash, prefix, createdAt, Optional.of(when));
    }
}
