package dev.inlet.functions.ingestion;

import dev.inlet.common.store.SourceStatsRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused requests per source, reason and hour, counted in memory and added to the statistics table at most every
 * {@link #FLUSH_EVERY} per container, at the end of the request that finds them due (each write bounded at 300 ms):
 * under a flood the cost is one write per source and hour per flush, not one per request. The price, stated: what a container counted since
 * its last flush (at most {@link #FLUSH_EVERY} of refusals) waits for its next request, and is lost if the container
 * is reaped first. Refusals that name no known key (made-up or malformed keys) are counted globally, under the
 * pseudo-source {@link #UNATTRIBUTED}.
 */
final class RefusalCounts {

    /**
     * Short enough that refusals made by hand (a walkthrough, a developer debugging a client) show at once, since
     * each is the first of its window; long enough that a flood costs one write per source and hour per second.
     */
    static final Duration FLUSH_EVERY = Duration.ofSeconds(1);
    static final String UNATTRIBUTED = "_unattributed";
    /** Writes one flush makes at most; the rest wait for the next (refusals spread over many sources). */
    static final int MAX_WRITES_PER_FLUSH = 10;

    private static final Logger LOG = LoggerFactory.getLogger(RefusalCounts.class);

    private record Slot(String sourceId, String hour, String reason) {
    }

    private final Map<Slot, LongAdder> counts = new ConcurrentHashMap<>();
    private final Optional<SourceStatsRepository> stats;
    private final Clock clock;
    private volatile long lastFlushMillis;

    RefusalCounts(Optional<SourceStatsRepository> stats, Clock clock) {
        this.stats = stats;
        this.clock = clock;
        this.lastFlushMillis = clock.millis();
    }

    /** The reasons the statistics report, from an error code. */
    static String reason(String code) {
        return switch (code) {
            case "unauthorized", "key_revoked" -> "unauthorized";
            case "key_expired", "source_disabled", "event_type_not_allowed", "origin_not_allowed", "rate_limited",
                 "payload_too_large" -> code;
            case "batch_exceeds_burst" -> "payload_too_large";
            default -> "invalid_payload"; // invalid_json, invalid_event, invalid_encoding, unsupported_media_type, …
        };
    }

    void count(Optional<String> sourceId, String code) {
        Slot slot = new Slot(sourceId.orElse(UNATTRIBUTED), SourceStatsRepository.hourOf(clock.instant()),
                reason(code));
        counts.computeIfAbsent(slot, s -> new LongAdder()).increment();
    }

    /** Writes what was counted if the last flush is {@link #FLUSH_EVERY} old; never throws. */
    void flushIfDue() {
        if (stats.isEmpty() || counts.isEmpty() || clock.millis() - lastFlushMillis < FLUSH_EVERY.toMillis()) {
            return;
        }
        flush();
    }

    synchronized void flush() {
        lastFlushMillis = clock.millis();
        Map<Slot, Long> taken = new HashMap<>();
        for (Slot slot : counts.keySet()) {
            LongAdder adder = counts.remove(slot);
            if (adder != null && adder.sum() > 0) {
                taken.merge(slot, adder.sum(), Long::sum);
            }
        }
        Map<String, Map<String, Long>> bySourceHour = new HashMap<>();
        taken.forEach((slot, n) -> bySourceHour.computeIfAbsent(slot.sourceId() + "\n" + slot.hour(),
                k -> new HashMap<>()).merge(slot.reason(), n, Long::sum));
        int writes = 0;
        for (Map.Entry<String, Map<String, Long>> entry : bySourceHour.entrySet()) {
            String[] parts = entry.getKey().split("\n", 2);
            if (writes++ >= MAX_WRITES_PER_FLUSH) {
                putBack(parts[0], parts[1], entry.getValue()); // one request pays for a few writes at most
                continue;
            }
            try {
                stats.orElseThrow().addRefusals(parts[0], parts[1], entry.getValue());
            } catch (RuntimeException e) {
                // Kept for the next flush rather than lost: the statistics only lag.
                LOG.warn("Could not add refusal counts of {} for {}; retrying at the next flush", parts[0], parts[1], e);
                putBack(parts[0], parts[1], entry.getValue());
            }
        }
    }

    private void putBack(String sourceId, String hour, Map<String, Long> reasons) {
        reasons.forEach((reason, n) -> counts.computeIfAbsent(new Slot(sourceId, hour, reason), s -> new LongAdder())
                .add(n));
    }
}
