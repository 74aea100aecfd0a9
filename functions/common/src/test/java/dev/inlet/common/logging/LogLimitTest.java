package dev.inlet.common.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LogLimitTest {

    @Test
    void oneLinePerKeyAndSecondReportingWhatWasHeldBack() {
        LogLimit limit = new LogLimit();
        assertEquals(OptionalLong.of(0), limit.admit("wk_a\nrate_limited", 10_000));
        for (int i = 0; i < 99; i++) {
            assertTrue(limit.admit("wk_a\nrate_limited", 10_000 + i).isEmpty());
        }
        assertEquals(OptionalLong.of(0), limit.admit("wk_b\nrate_limited", 10_500), "another key has its own line");
        assertEquals(OptionalLong.of(99), limit.admit("wk_a\nrate_limited", 11_000), "the next second says how many");
        assertEquals(OptionalLong.of(0), limit.admit("wk_a\nrate_limited", 12_000));
    }

    @Test
    void atMostFiftyLinesASecondInAll() {
        LogLimit limit = new LogLimit();
        int admitted = 0;
        for (int i = 0; i < 1_000; i++) {
            admitted += limit.admit("source-" + i + "\nunauthorized", 5_000).isPresent() ? 1 : 0;
        }
        assertEquals(LogLimit.MAX_PER_SECOND, admitted);
        assertEquals(OptionalLong.of(1), limit.admit("source-999\nunauthorized", 6_000));
    }
}
