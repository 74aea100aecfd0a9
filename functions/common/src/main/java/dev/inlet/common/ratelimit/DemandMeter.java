package dev.inlet.common.ratelimit;

import java.util.Arrays;

/**
 * Events per second one container is asked for, on one source: counts in ten 100 ms slots over the last second,
 * divided by the span actually observed since activity began (at most 1 s). The span is taken as at least 100 ms
 * for the first request of a burst of activity (one request says little about a rate) and at least 20 ms from the
 * second on, so a busy container's estimate is right within its first few requests instead of creeping up over a
 * second, while a container that sees one request now and then is never taken for a busy one. Not thread-safe: its
 * owner locks.
 */
final class DemandMeter {

    private static final long SLOT_NANOS = 100_000_000L;
    private static final int SLOTS = 10;
    private static final long FIRST_SPAN_NANOS = 100_000_000L;
    private static final long MIN_SPAN_NANOS = 20_000_000L;

    private final long[] counts = new long[SLOTS];
    private long lastSlot;
    private long activeSince;
    private long requestsSinceActive;
    private boolean started;

    void record(long now, long events) {
        advance(now);
        counts[index(lastSlot)] += Math.max(0, events);
        requestsSinceActive++;
    }

    /** Requested events over the last 0.9 to 1 s (since activity began, if later). */
    long eventsLastSecond(long now) {
        advance(now);
        long sum = 0;
        for (long count : counts) {
            sum += count;
        }
        return sum;
    }

    /** Requested events per second over the last 0.9 to 1 s (or since activity began, if later). */
    long eventsPerSecond(long now) {
        advance(now);
        long sum = 0;
        for (long count : counts) {
            sum += count;
        }
        long covered = (SLOTS - 1) * SLOT_NANOS + Math.floorMod(now, SLOT_NANOS); // nine slots and the current part
        long span = Math.clamp(now - activeSince, requestsSinceActive <= 1 ? FIRST_SPAN_NANOS : MIN_SPAN_NANOS,
                covered);
        return Math.ceilDiv(sum * RateLimitPolicy.NANOS_PER_SECOND, span);
    }

    private void advance(long now) {
        long slot = Math.floorDiv(now, SLOT_NANOS);
        if (!started || slot - lastSlot >= SLOTS) {
            Arrays.fill(counts, 0);
            activeSince = now; // idle for a whole window: a new burst of activity starts here
            requestsSinceActive = 0;
            lastSlot = slot;
            started = true;
            return;
        }
        for (long s = lastSlot + 1; s <= slot; s++) {
            counts[index(s)] = 0;
        }
        lastSlot = Math.max(lastSlot, slot);
    }

    private static int index(long slot) {
        return (int) Math.floorMod(slot, (long) SLOTS);
    }
}
