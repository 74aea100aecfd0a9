package dev.inlet.common.ratelimit;

import java.time.Clock;
import java.time.Instant;

/**
 * A token bucket of one policy, in one process: it holds at most {@code burst} tokens, refills at
 * {@code eventsPerSecond}, and a request of n events takes n tokens or nothing. Thread-safe.
 *
 * <p>The state is one number, {@code fullAt}: the instant (epoch nanoseconds) at which the bucket is full again —
 * the "theoretical arrival time" of the generic cell rate algorithm. At time {@code now} the bucket holds
 * {@code tokensFor(burstNanos − max(0, fullAt − now))} tokens; taking n of them moves {@code fullAt} to
 * {@code max(fullAt, now) + nanosFor(n)}, allowed when that is at most {@code now + burstNanos}. A request that
 * does not fit waits exactly {@code max(fullAt, now) + nanosFor(n) − burstNanos − now}. No refill loop, no
 * floating point: the same arithmetic runs on the shared bucket in DynamoDB ({@link LeasedRateLimiter}), where it
 * needs only addition and comparison.
 */
public final class TokenBucket {

    private final RateLimitPolicy policy;
    private final Clock clock;
    private long fullAt;

    /** A full bucket. */
    public TokenBucket(RateLimitPolicy policy, Clock clock) {
        this(policy, clock, epochNanos(clock.instant()));
    }

    /** A bucket that is full at {@code fullAt} (epoch nanoseconds). */
    TokenBucket(RateLimitPolicy policy, Clock clock, long fullAt) {
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        this.fullAt = fullAt;
    }

    public RateLimitPolicy policy() {
        return policy;
    }

    /** Takes {@code events} tokens now, or none. */
    public RateLimitDecision tryConsume(int events) {
        return tryConsume(events, clock.instant());
    }

    /** Takes {@code events} tokens at {@code at} (the caller's single clock reading), or none. */
    public RateLimitDecision tryConsume(int events, Instant at) {
        return tryConsume(events, epochNanos(at), false);
    }

    synchronized RateLimitDecision tryConsume(int events, long now, boolean degraded) {
        if (events <= 0) {
            return RateLimitDecision.allow(policy, available(policy, fullAt, now), fullAt - now, degraded);
        }
        if (events > policy.burst()) {
            return RateLimitDecision.refuse(policy, events, available(policy, fullAt, now), fullAt - now,
                    fullAt - now, degraded);
        }
        long wait = waitNanos(policy, fullAt, now, events);
        if (wait > 0) {
            return RateLimitDecision.refuse(policy, events, available(policy, fullAt, now), fullAt - now, wait,
                    degraded);
        }
        fullAt = Math.max(fullAt, now) + policy.nanosFor(events);
        return RateLimitDecision.allow(policy, available(policy, fullAt, now), fullAt - now, degraded);
    }

    /** Whole tokens in the bucket now. */
    public synchronized long availableTokens() {
        return available(policy, fullAt, epochNanos(clock.instant()));
    }

    /** Nanoseconds until {@code events} tokens are in the bucket: 0 if now, Long.MAX_VALUE if never (> burst). */
    public synchronized long nanosUntil(int events) {
        if (events > policy.burst()) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, waitNanos(policy, fullAt, epochNanos(clock.instant()), events));
    }

    /** Whole tokens in a bucket of {@code policy} that is full at {@code fullAt}, at {@code now}. */
    static long available(RateLimitPolicy policy, long fullAt, long now) {
        return policy.tokensFor(policy.burstNanos() - Math.max(0, fullAt - now));
    }

    /** How long until {@code events} tokens fit (≤ 0: they fit now). */
    static long waitNanos(RateLimitPolicy policy, long fullAt, long now, long events) {
        return Math.max(fullAt, now) + policy.nanosFor(events) - policy.burstNanos() - now;
    }

    static long epochNanos(Instant at) {
        return Math.addExact(Math.multiplyExact(at.getEpochSecond(), RateLimitPolicy.NANOS_PER_SECOND), at.getNano());
    }
}
