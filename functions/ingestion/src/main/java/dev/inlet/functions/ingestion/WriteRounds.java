package dev.inlet.functions.ingestion;

import java.time.Duration;

/**
 * When a container may write a round of what refusals left pending (counts, debugger examples): at once when it
 * wrote none within the last {@link #EVERY}, so a lone refusal shows in its own request; otherwise (a flood) at the
 * first request after that, so the writes stay at one round per second however many requests are refused.
 * Not thread-safe: its owner calls it under its own lock.
 */
final class WriteRounds {

    static final Duration EVERY = Duration.ofSeconds(1);

    private boolean written;
    private long lastMillis;

    /** True, and the round counted as started at {@code nowMillis}, when a round may start now. */
    boolean start(long nowMillis) {
        if (written && nowMillis - lastMillis < EVERY.toMillis()) {
            return false;
        }
        written = true;
        lastMillis = nowMillis;
        return true;
    }
}
