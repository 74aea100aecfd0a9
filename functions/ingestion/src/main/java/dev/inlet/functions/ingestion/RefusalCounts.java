package dev.inlet.functions.ingestion;

import dev.inlet.common.store.SourceStatsRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused events per source, reason and hour, added to the statistics table with a bounded number of writes. A
 * container that has written no refusal counts within the last {@link #FLUSH_EVERY} writes at once, at the end of the
 * refused request itself: a refusal made by hand (a walkthrough, a developer debugging a client) counts before its
 * answer goes out. Otherwise (a flood) the counts are summed in memory and written by the first request after the
 * second has passed: at most {@link #MAX_WRITES_PER_FLUSH} UpdateItems (one per source and hour, each bounded at
 * 300 ms) per container per second, however many requests are refused.
 *
 * <p>The price, stated: under a flood, what a container counted since its last write waits for its next request
 * after the second; with more than {@link #MAX_WRITES_PER_FLUSH} sources pending, the oldest are written first and
 * the others wait one more second per {@link #MAX_WRITES_PER_FLUSH}. If no further request comes, the counts wait
 * for the container's next one, and are lost if Lambda reaps the container first: at most the refusals of the
 * container's last second of traffic (plus that backlog). Refusals that name no known key (made-up or malformed
 * keys) are counted globally, under the pseudo-source {@link #UNATTRIBUTED}.
 */
final class RefusalCounts {

    /** At most one write round per container per this period. */
    static final Duration FLUSH_EVERY = WriteRounds.EVERY;
    /** A round starts no new write after this long (each write is bounded at 300 ms besides). */
    static final Duration FLUSH_BUDGET = Duration.ofMillis(500);
    static final String UNATTRIBUTED = "_unattributed";
    /** Writes one round makes at most; the rest wait for the next (refusals spread over many sources). */
    static final int MAX_WRITES_PER_FLUSH = 10;

    private static final Logger LOG = LoggerFactory.getLogger(RefusalCounts.class);

    private record SourceHour(String sourceId, String hour) {
    }

    /** Insertion order is the order counts started waiting: the oldest are written first. */
    private final LinkedHashMap<SourceHour, Map<String, Long>> pending = new LinkedHashMap<>();
    private final Optional<SourceStatsRepository> stats;
    private final Clock clock;
    private final WriteRounds rounds = new WriteRounds();

    RefusalCounts(Optional<SourceStatsRepository> stats, Clock clock) {
        this.stats = stats;
        this.clock = clock;
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

    /** Counts a refused request's {@code events} (1 when its events could not be read) under its code's reason. */
    synchronized void count(Optional<String> sourceId, String code, int events) {
        if (stats.isEmpty()) {
            return;
        }
        pending.computeIfAbsent(new SourceHour(sourceId.orElse(UNATTRIBUTED),
                        SourceStatsRepository.hourOf(clock.instant())), k -> new HashMap<>())
                .merge(reason(code), (long) Math.max(1, events), Long::sum);
    }

    /** Forgets the counts that wait to be written: SnapStart priming's refusal is not a producer's. */
    synchronized void discardPending() {
        pending.clear();
    }

    /**
     * Writes the oldest pending counts unless this container wrote some within the last {@link #FLUSH_EVERY};
     * never throws. Called at the end of every request, refused or not.
     */
    void flushIfDue() {
        List<Map.Entry<SourceHour, Map<String, Long>>> taken = new ArrayList<>();
        synchronized (this) {
            long now = clock.millis();
            if (pending.isEmpty() || !rounds.start(now)) {
                return;
            }
            Iterator<Map.Entry<SourceHour, Map<String, Long>>> oldest = pending.entrySet().iterator();
            while (oldest.hasNext() && taken.size() < MAX_WRITES_PER_FLUSH) {
                Map.Entry<SourceHour, Map<String, Long>> next = oldest.next();
                taken.add(Map.entry(next.getKey(), next.getValue()));
                oldest.remove();
            }
        }
        long started = System.nanoTime();
        for (Map.Entry<SourceHour, Map<String, Long>> entry : taken) {
            SourceHour slot = entry.getKey();
            // A round that met slow writes starts no new one past its budget: it is paid on a request's time.
            boolean overBudget = System.nanoTime() - started > FLUSH_BUDGET.toNanos();
            try {
                if (overBudget) {
                    putBack(slot, entry.getValue());
                    continue;
                }
                stats.orElseThrow().addRefusals(slot.sourceId(), slot.hour(), entry.getValue());
            } catch (RuntimeException e) {
                // Kept for the next round rather than lost: the statistics only lag.
                LOG.warn("Could not add refusal counts of {} for {}; retrying at the next flush", slot.sourceId(),
                        slot.hour(), e);
                putBack(slot, entry.getValue());
            }
        }
    }

    private synchronized void putBack(SourceHour slot, Map<String, Long> counts) {
        Map<String, Long> back = pending.computeIfAbsent(slot, k -> new HashMap<>());
        counts.forEach((reason, n) -> back.merge(reason, n, Long::sum));
    }
}
