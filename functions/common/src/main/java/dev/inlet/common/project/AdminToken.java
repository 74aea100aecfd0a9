package dev.inlet.common.project;

import java.time.Instant;
import java.util.Optional;

/** A project-scoped admin token as stored: its HMAC, never the token. */
public record AdminToken(String id, String hash, String prefix, String projectId, String name, Instant createdAt,
                         Optional<Instant> revokedAt) {

    /** Token format, shared with write keys (see Secrets): prefix, random base62 characters, keyed checksum. */
    public static final String TOKEN_PREFIX = "inlet_pat_";

    public boolean isRevoked() {
        return revokedAt.isPresent();
    }
}
