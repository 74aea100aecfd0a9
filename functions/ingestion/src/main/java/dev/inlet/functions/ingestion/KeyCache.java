package dev.inlet.functions.ingestion;

import dev.inlet.common.source.KeyGrant;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Write-key lookups remembered for at most {@link #MAX_TTL} per container: a warm container checks a known key with
 * no DynamoDB read, and a revoked, disabled or expired key stops working everywhere within that bound. Unknown keys
 * are remembered too, so a flood of made-up (but well-formed) keys is one read per key per TTL, not per request.
 */
final class KeyCache {

    /** The documented bound on how long a change to a key or its source can go unseen by a warm container. */
    static final Duration MAX_TTL = Duration.ofSeconds(5);
    static final int MAX_ENTRIES = 10_000;

    private record Entry(Optional<KeyGrant> grant, long loadedAtMillis) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Function<String, Optional<KeyGrant>> loader;
    private final Clock clock;
    private final long ttlMillis;

    KeyCache(Function<String, Optional<KeyGrant>> loader, Clock clock, Duration ttl) {
        if (ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("Key cache TTL must be from 0 to " + MAX_TTL.toSeconds() + " s");
        }
        this.loader = loader;
        this.clock = clock;
        this.ttlMillis = ttl.toMillis();
    }

    Optional<KeyGrant> get(String keyHash) {
        long now = clock.millis();
        Entry entry = entries.get(keyHash);
        if (entry != null && now - entry.loadedAtMillis() < ttlMillis) {
            return entry.grant();
        }
        Optional<KeyGrant> loaded = loader.apply(keyHash);
        if (entries.size() >= MAX_ENTRIES) {
            // Bounded memory under a flood of distinct keys: drop everything stale first, then everything.
            entries.values().removeIf(e -> now - e.loadedAtMillis() >= ttlMillis);
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        entries.put(keyHash, new Entry(loaded, now));
        return loaded;
    }
}
