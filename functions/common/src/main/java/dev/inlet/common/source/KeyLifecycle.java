package dev.inlet.common.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.Ids;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.Json;
import dev.inlet.common.store.SourceRepository;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.store.VersionConflict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * A source's keys and status over time: rotation with a grace period, ending a grace early, revocation, disabling
 * and enabling. Each change is one conditional transaction with its audit entry, retried on a concurrent change.
 */
public final class KeyLifecycle {

    public static final int DEFAULT_GRACE_HOURS = 24;
    public static final int MAX_GRACE_HOURS = 168;
    private static final int ATTEMPTS = 3;
    /** Revocation is the emergency brake: it retries harder than anything it races with. */
    private static final int REVOKE_ATTEMPTS = 10;

    private final SourceRepository sources;
    private final SourceAccess access;
    private final Optional<SourceStatsRepository> stats;
    private final SecretHasher hasher;
    private final Clock clock;

    public KeyLifecycle(SourceRepository sources, Optional<SourceStatsRepository> stats, SecretHasher hasher,
                        Clock clock) {
        this.sources = sources;
        this.access = new SourceAccess(sources);
        this.stats = stats;
        this.hasher = hasher;
        this.clock = clock;
    }

    /** A rotation's outcome: the new key (shown once), the previous key in grace, and keys ended at once. */
    public record Rotated(Source source, String key, Optional<SourceKey> previous, List<SourceKey> ended) {
        @Override
        public String toString() {
            return "Rotated[" + source.id() + "]";
        }
    }

    /** A live key with its use: when it last carried an accepted request and how many it carried in 24 hours. */
    public record KeyUsage(SourceKey key, boolean current, Optional<Instant> lastUsedAt, long requests24h) {
    }

    private record Change(Source next, String action, ObjectNode details, boolean revokeDroppedKeys) {
    }

    /**
     * Issues a new key and keeps the current one alive for {@code graceHours} (0 ends it now). A key still in an
     * earlier grace period ends at once: a source has at most two live keys.
     */
    public Rotated rotate(Principal principal, String id, int graceHours) {
        if (graceHours < 0 || graceHours > MAX_GRACE_HOURS) {
            throw ApiError.invalidValue("grace_period_hours",
                    "Field 'grace_period_hours' must be from 0 to " + MAX_GRACE_HOURS);
        }
        WriteKeys.NewKey[] issued = new WriteKeys.NewKey[1];
        Source[] before = new Source[1];
        Source after = change(principal, id, ATTEMPTS, current -> {
            refuseIfRevoked(current);
            Instant now = clock.instant();
            WriteKeys.NewKey key = WriteKeys.generate(current.environment(), current.type(), hasher);
            issued[0] = key;
            before[0] = current;
            List<SourceKey> keys = new ArrayList<>();
            SourceKey fresh = new SourceKey(Ids.newId(Ids.KEY), hasher.hash(key.key()), key.prefix(), now,
                    Optional.empty());
            keys.add(fresh);
            if (graceHours > 0) {
                current.keys().stream().filter(k -> k.isLiveAt(now) && k.expiresAt().isEmpty()).findFirst()
                        .ifPresent(k -> keys.add(k.expiringAt(now.plus(Duration.ofHours(graceHours)))));
            }
            Source next = current.withKeys(keys, now);
            ObjectNode details = Json.object().put("key_id", fresh.id()).put("key_prefix", fresh.prefix())
                    .put("grace_period_hours", graceHours);
            details.set("ended_key_ids", Json.MAPPER.valueToTree(current.keys().stream()
                    .filter(k -> k.isLiveAt(now) && keys.stream().noneMatch(kept -> kept.id().equals(k.id())))
                    .map(SourceKey::id).toList()));
            return new Change(next, "key_rotated", details, false);
        });
        Instant now = after.updatedAt();
        List<String> kept = after.keys().stream().map(SourceKey::id).toList();
        Optional<SourceKey> previous = after.keys().stream().skip(1).findFirst();
        List<SourceKey> ended = before[0].keys().stream()
                .filter(k -> k.isLiveAt(now) && !kept.contains(k.id()))
                .map(k -> k.expiringAt(now)).toList();
        return new Rotated(after, issued[0].key(), previous, ended);
    }

    /** Ends a key's grace period now. The current key cannot be ended this way: rotate instead. */
    public Source expireKey(Principal principal, String id, String keyId) {
        return change(principal, id, ATTEMPTS, current -> {
            refuseIfRevoked(current);
            Instant now = clock.instant();
            SourceKey key = current.keys().stream().filter(k -> k.id().equals(keyId) && k.isLiveAt(now))
                    .findFirst().orElseThrow(() -> ApiError.notFound("Live key " + SourceRules.printable(keyId)));
            if (current.currentKey().map(k -> k.id().equals(keyId)).orElse(false)) {
                throw ApiError.conflict("current_key", "This is the source's current key; rotate to replace it, "
                        + "then end the old key's grace period");
            }
            List<SourceKey> keys = current.keys().stream().filter(k -> !k.id().equals(keyId)).toList();
            return new Change(current.withKeys(keys, now), "key_expired",
                    Json.object().put("key_id", keyId), false);
        });
    }

    /** Revokes the source and all its keys, immediately and for good. Revoking again changes nothing. */
    public Source revoke(Principal principal, String id) {
        if (access.visible(principal, id).status() != SourceStatus.REVOKED) {
            sources.markRevoking(id, clock.instant()); // from here on, no other change can win against it
        }
        return change(principal, id, REVOKE_ATTEMPTS, current -> current.status() == SourceStatus.REVOKED
                ? null
                : new Change(current.withStatus(SourceStatus.REVOKED, clock.instant()), "revoked", Json.object(),
                false));
    }

    /**
     * Stops ingestion (403 source_disabled). With {@code revokeKeys}, every key is invalidated as well (401
     * key_revoked), so producing again needs enabling and a rotation for a new key.
     */
    public Source disable(Principal principal, String id, boolean revokeKeys) {
        return change(principal, id, ATTEMPTS, current -> {
            refuseIfRevoked(current);
            boolean keysToRevoke = revokeKeys && !current.keys().isEmpty();
            if (current.status() == SourceStatus.DISABLED && !keysToRevoke) {
                return null;
            }
            Instant now = clock.instant();
            Source next = current.withStatus(SourceStatus.DISABLED, now);
            if (keysToRevoke) {
                next = next.withKeys(List.of(), now);
            }
            return new Change(next, "disabled", Json.object().put("revoke_keys", revokeKeys), keysToRevoke);
        });
    }

    /** Lets a disabled source ingest again (409 when revoked). Enabling an active source changes nothing. */
    public Source enable(Principal principal, String id) {
        return change(principal, id, ATTEMPTS, current -> {
            refuseIfRevoked(current);
            if (current.status() == SourceStatus.ACTIVE) {
                return null;
            }
            return new Change(current.withStatus(SourceStatus.ACTIVE, clock.instant()), "enabled",
                    Json.object().put("live_keys", current.keys().stream()
                            .filter(k -> k.isLiveAt(clock.instant())).count()), false);
        });
    }

    /** The source's live keys, current first, with their use. */
    public List<KeyUsage> keys(Principal principal, String id) {
        Source source = access.visible(principal, id);
        Instant now = clock.instant();
        List<KeyUsage> usage = new ArrayList<>();
        for (SourceKey key : source.keys()) {
            if (!key.isLiveAt(now) || source.status() == SourceStatus.REVOKED) {
                continue;
            }
            boolean current = source.currentKey().map(k -> k.id().equals(key.id())).orElse(false);
            Optional<Instant> lastUsed = stats.flatMap(s -> s.lastUsedAt(source.id(), key.id()));
            long requests = stats.map(s -> s.keyRequestsInLast24Hours(source.id(), key.id(), now)).orElse(0L);
            usage.add(new KeyUsage(key, current, lastUsed, requests));
        }
        return usage;
    }

    /** Reads, changes and writes conditionally, re-reading after a concurrent change (bounded, with jitter). */
    private Source change(Principal principal, String id, int attempts, Function<Source, Change> change) {
        for (int attempt = 1; ; attempt++) {
            Source current = access.visible(principal, id);
            Change next = change.apply(current);
            if (next == null) {
                return current; // nothing to change
            }
            Instant now = next.next().updatedAt(); // the change's own time, for the source and its audit entry
            try {
                sources.save(current, next.next(), now,
                        new AuditEntry(id, next.next().version(), now, principal.actor(), next.action(),
                                next.details()),
                        next.revokeDroppedKeys());
                return next.next();
            } catch (VersionConflict e) {
                if (attempt == attempts) {
                    throw ApiError.conflict("version_conflict", "The source is being changed by other requests; retry");
                }
                pause(attempt);
            }
        }
    }

    private static void refuseIfRevoked(Source source) {
        if (source.status() == SourceStatus.REVOKED) {
            throw SourceAccess.revoked();
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.conflict("version_conflict", "Interrupted while retrying; retry");
        }
    }
}
