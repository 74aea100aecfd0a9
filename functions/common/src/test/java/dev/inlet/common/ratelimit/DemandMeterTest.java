package dev.inlet.common.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DemandMeterTest {

    private static final long MS = 1_000_000L;
    private static final long T0 = 1_795_000_000_000_000_000L;

    @Test
    void oneRequestCountsOverAtLeast100MsThenTheObservedSpan() {
        DemandMeter meter = new DemandMeter();
        meter.record(T0, 10);
        assertEquals(100, meter.eventsPerSecond(T0)); // 10 events over 100 ms
        meter.record(T0 + 10 * MS, 10);
        assertEquals(1000, meter.eventsPerSecond(T0 + 10 * MS)); // 20 events over (at least) 20 ms
        for (int ms = 20; ms <= 2050; ms += 10) {
            meter.record(T0 + ms * MS, 10);
        }
        assertEquals(1000, meter.eventsPerSecond(T0 + 2050 * MS), 20); // steady: the count over the last 0.95 s
    }

    @Test
    void aRequestNowAndThenIsSeenAsQuiet() {
        DemandMeter meter = new DemandMeter();
        for (int i = 0; i < 20; i++) {
            meter.record(T0 + i * 500 * MS, 1);
        }
        assertEquals(3, meter.eventsPerSecond(T0 + 19 * 500 * MS)); // two requests in the last 0.9 s
        meter.record(T0 + 60_000 * MS, 1); // after a long idle: a new burst of activity
        assertEquals(10, meter.eventsPerSecond(T0 + 60_000 * MS));
    }
}
