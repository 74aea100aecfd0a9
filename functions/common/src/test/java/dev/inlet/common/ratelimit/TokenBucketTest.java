package dev.inlet.common.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));

    @Test
    void startsFullAndAllowsTheWholeBurstThenRefuses() {
        TokenBucket bucket = new TokenBucket(new RateLimitPolicy(10, 25), clock);
        assertEquals(25, bucket.availableTokens());
        RateLimitDecision burst = bucket.tryConsume(25);
        assertTrue(burst.allowed());
        assertEquals(0, burst.remaining());
        assertFalse(bucket.tryConsume(1).allowed());
    }

    @Test
    void refillsAtTheRateToTheNanosecond() {
        TokenBucket bucket = new TokenBucket(RateLimitPolicy.perSecond(1000), clock); // one token per ms
        assertTrue(bucket.tryConsume(1000).allowed());
        clock.advance(Duration.ofNanos(999_999));
        assertEquals(0, bucket.availableTokens());
        assertFalse(bucket.tryConsume(1).allowed());
        clock.advance(Duration.ofNanos(1));
        assertEquals(1, bucket.availableTokens());
        clock.advance(Duration.ofMillis(41));
        assertEquals(42, bucket.availableTokens());
        assertTrue(bucket.tryConsume(42).allowed());
        assertFalse(bucket.tryConsume(1).allowed());
    }

    @Test
    void refillStopsAtTheBurst() {
        TokenBucket bucket = new TokenBucket(new RateLimitPolicy(100, 150), clock);
        assertTrue(bucket.tryConsume(150).allowed());
        clock.advance(Duration.ofHours(5));
        assertEquals(150, bucket.availableTokens());
        assertTrue(bucket.tryConsume(150).allowed());
        assertFalse(bucket.tryConsume(1).allowed());
    }

    @Test
    void retryAfterIsTheExactDeficitRoundedUpToWholeSecondsAndNeverZero() {
        TokenBucket bucket = new TokenBucket(new RateLimitPolicy(2, 10), clock); // 500 ms per token
        assertTrue(bucket.tryConsume(10).allowed());
        assertEquals(3_500_000_000L, bucket.nanosUntil(7)); // 7 tokens × 0.5 s
        RateLimitDecision refused = bucket.tryConsume(7);
        assertFalse(refused.allowed());
        assertEquals(4, refused.retryAfterSeconds());
        assertEquals(7, refused.refused());
        assertEquals(5, refused.resetSeconds()); // full again after 10 × 0.5 s

        clock.advance(Duration.ofMillis(3_499));
        assertEquals(1_000_000, bucket.nanosUntil(7));
        assertEquals(1, bucket.tryConsume(7).retryAfterSeconds()); // 1 ms short: still 1 s, never 0
        clock.advance(Duration.ofMillis(1));
        assertTrue(bucket.tryConsume(7).allowed());

        TokenBucket fast = new TokenBucket(RateLimitPolicy.perSecond(5000), clock);
        assertTrue(fast.tryConsume(5000).allowed());
        assertEquals(200_000, fast.nanosUntil(1)); // 0.2 ms deficit
        assertEquals(1, fast.tryConsume(1).retryAfterSeconds());
    }

    @Test
    void aBatchThatDoesNotFitIsRefusedWholeAndConsumesNothing() {
        TokenBucket bucket = new TokenBucket(new RateLimitPolicy(10, 100), clock);
        assertTrue(bucket.tryConsume(60).allowed());
        RateLimitDecision refused = bucket.tryConsume(41);
        assertFalse(refused.allowed());
        assertEquals(41, refused.refused());
        assertEquals(40, refused.remaining());
        assertEquals(1, refused.retryAfterSeconds()); // 1 token short at 10 eps: 100 ms
        assertEquals(40, bucket.availableTokens()); // nothing of the refused batch was taken
        assertTrue(bucket.tryConsume(40).allowed());
    }

    @Test
    void aBatchLargerThanTheBurstCanNeverFit() {
        TokenBucket bucket = new TokenBucket(new RateLimitPolicy(10, 20), clock);
        RateLimitDecision refused = bucket.tryConsume(21);
        assertFalse(refused.allowed());
        assertTrue(refused.exceedsBurst());
        assertEquals(21, refused.refused());
        assertEquals(1, refused.retryAfterSeconds());
        assertEquals(20, bucket.availableTokens());
        assertEquals(Long.MAX_VALUE, bucket.nanosUntil(21));
    }

    @Test
    void aRateThatDoesNotDivideASecondNeverAdmitsMoreThanRateTimesTimePlusBurst() {
        RateLimitPolicy policy = new RateLimitPolicy(3, 3); // 333,333,333.3 ns per token, rounded up
        TokenBucket bucket = new TokenBucket(policy, clock);
        long accepted = 0;
        for (int ms = 0; ms < 60_000; ms++) {
            if (bucket.tryConsume(1).allowed()) {
                accepted++;
            }
            clock.advance(Duration.ofMillis(1));
        }
        assertTrue(accepted <= 3 * 60 + 3, "accepted " + accepted);
        assertTrue(accepted >= 3 * 60 + 3 - 1, "accepted " + accepted);
    }

    @Test
    void headersOnBothAnswers() {
        TokenBucket bucket = new TokenBucket(new RateLimitPolicy(50, 100), clock);
        RateLimitDecision allowed = bucket.tryConsume(30);
        assertEquals(Map.of("RateLimit-Limit", "50", "RateLimit-Remaining", "70", "RateLimit-Reset", "1"),
                allowed.headers()); // 30 tokens at 50 eps: full again in 0.6 s
        RateLimitDecision refused = bucket.tryConsume(71);
        assertEquals(Map.of("RateLimit-Limit", "50", "RateLimit-Remaining", "70", "RateLimit-Reset", "1",
                "Retry-After", "1", "X-RateLimit-Reset", "1"), refused.headers()); // the last for analytics.js
        assertEquals(0, allowed.retryAfterSeconds());
    }

    @Test
    void policyDefaultsFollowTheTemplate() {
        assertEquals(new RateLimitPolicy(500, 500), RateLimitPolicy.perSecond(500));
        assertEquals(new RateLimitPolicy(500, 40), RateLimitPolicy.of(500, 40));
        RateLimitPolicy.Defaults plan = RateLimitPolicy.Defaults.fromEnvironment(Map.of(
                "DEFAULT_RATE_LIMIT_EPS", "1000", "DEFAULT_RATE_LIMIT_BURST", "0"));
        assertEquals(new RateLimitPolicy(1000, 1000), plan.policyFor(Optional.empty(), Optional.empty()));
        assertEquals(new RateLimitPolicy(5000, 5000), plan.policyFor(Optional.of(5000), Optional.empty()));
        assertEquals(new RateLimitPolicy(5000, 200), plan.policyFor(Optional.of(5000), Optional.of(200)));
        RateLimitPolicy.Defaults withBurst = RateLimitPolicy.Defaults.fromEnvironment(Map.of(
                "DEFAULT_RATE_LIMIT_EPS", "100", "DEFAULT_RATE_LIMIT_BURST", "300"));
        assertEquals(new RateLimitPolicy(100, 300), withBurst.policyFor(Optional.empty(), Optional.empty()));
        assertEquals(RateLimitPolicy.Defaults.TEMPLATE, RateLimitPolicy.Defaults.fromEnvironment(Map.of()));
        assertThrows(IllegalStateException.class, () -> RateLimitPolicy.Defaults.fromEnvironment(
                Map.of("DEFAULT_RATE_LIMIT_EPS", "lots")));
        assertThrows(IllegalArgumentException.class, () -> new RateLimitPolicy(0, 1));
        assertEquals(new RateLimitPolicy(2500, 2500), RateLimitPolicy.perSecond(5000).scaled(0.5));
    }

    @Test
    void policyArithmeticIsExactAndRoundsCostsUp() {
        RateLimitPolicy policy = new RateLimitPolicy(3, 10);
        assertEquals(333_333_334L, policy.nanosFor(1));
        assertEquals(1_000_000_000L, policy.nanosFor(3));
        assertEquals(0, policy.tokensFor(333_333_333L));
        assertEquals(1, policy.tokensFor(333_333_334L));
        assertEquals(10, policy.tokensFor(Long.MAX_VALUE / 2));
        RateLimitPolicy widest = new RateLimitPolicy(RateLimitPolicy.MAX_EVENTS_PER_SECOND, RateLimitPolicy.MAX_BURST);
        assertEquals(RateLimitPolicy.MAX_BURST, widest.tokensFor(widest.burstNanos()));
        assertEquals(RateLimitPolicy.MAX_BURST - 1, widest.tokensFor(widest.burstNanos() - 1));
    }
}
