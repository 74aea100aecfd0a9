package dev.inlet.common.logging;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Bounds how many lines a flood can write: at most one line per key (a source and error code, say) per second, and
 * at most {@link #MAX_PER_SECOND} in all, per container. A refused-request flood from a leaked browser key would
 * otherwise turn into a CloudWatch Logs bill. An admitted line reports how many of its key's lines were held back
 * since the previous one, so nothing is hidden, only summarised.
 */
public final class LogLimit {

    public static final int MAX_PER_SECOND = 50;
    private static final int MAX_KEYS = 10_000;

    private final Map<String, Long> heldBack = new HashMap<>();
    private final Map<String, Long> lastSecond = new HashMap<>();
    private long second = Long.MIN_VALUE;
    private int admittedThisSecond;

    /** The number of lines held back since this key's last admitted one, if this line is admitted; else empty. */
    public synchronized OptionalLong admit(String key, long nowMillis) {
        long now = Math.floorDiv(nowMillis, 1000);
        if (now != second) {
            second = now;
            admittedThisSecond = 0;
        }
        if (lastSecond.size() > MAX_KEYS) { // many distinct keys: forget the old ones rather than grow
            lastSecond.clear();
            heldBack.clear();
        }
        Long last = lastSecond.get(key);
        if ((last != null && last == now) || admittedThisSecond >= MAX_PER_SECOND) {
            heldBack.merge(key, 1L, Long::sum);
            return OptionalLong.empty();
        }
        lastSecond.put(key, now);
        admittedThisSecond++;
        Long held = heldBack.remove(key);
        return OptionalLong.of(held == null ? 0 : held);
    }
}
