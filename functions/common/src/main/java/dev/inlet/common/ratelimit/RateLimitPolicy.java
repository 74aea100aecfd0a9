package dev.inlet.common.ratelimit;

import java.util.Map;
import java.util.Optional;

/**
 * A source's limit: {@code eventsPerSecond} refill rate and {@code burst} bucket capacity, both in events. Every
 * event of a request takes one token. A policy is plain data: limiters take it on each call, so a changed limit
 * applies as soon as the caller's copy of the source (its key cache) has it.
 *
 * <p>Time is counted in nanoseconds: {@code n} tokens cost {@link #nanosFor nanosFor(n)} = ceil(n × 10⁹ / rate) ns
 * of refill, rounded up so that rounding can only ever refuse (never admit) a fraction of a token.
 */
public record RateLimitPolicy(int eventsPerSecond, int burst) {

    public static final int MAX_EVENTS_PER_SECOND = 100_000;
    public static final int MAX_BURST = 1_000_000;
    /** The environment variables template.yaml sets on IngestFunction. */
    public static final String DEFAULT_EPS_VARIABLE = "DEFAULT_RATE_LIMIT_EPS";
    public static final String DEFAULT_BURST_VARIABLE = "DEFAULT_RATE_LIMIT_BURST";

    static final long NANOS_PER_SECOND = 1_000_000_000L;

    public RateLimitPolicy {
        if (eventsPerSecond < 1 || eventsPerSecond > MAX_EVENTS_PER_SECOND) {
            throw new IllegalArgumentException("eventsPerSecond must be 1.." + MAX_EVENTS_PER_SECOND + ", is "
                    + eventsPerSecond);
        }
        if (burst < 1 || burst > MAX_BURST) {
            throw new IllegalArgumentException("burst must be 1.." + MAX_BURST + ", is " + burst);
        }
    }

    /** A policy whose burst is {@code burstOrZero}, or one second of rate when that is 0. */
    public static RateLimitPolicy of(int eventsPerSecond, int burstOrZero) {
        return new RateLimitPolicy(eventsPerSecond, burstOrZero == 0 ? eventsPerSecond : burstOrZero);
    }

    /** One second of rate as burst. */
    public static RateLimitPolicy perSecond(int eventsPerSecond) {
        return of(eventsPerSecond, 0);
    }

    /** Nanoseconds of refill that {@code tokens} tokens cost: ceil(tokens × 10⁹ / rate). */
    public long nanosFor(long tokens) {
        return Math.ceilDiv(tokens * NANOS_PER_SECOND, eventsPerSecond);
    }

    /** The refill time of a full bucket: a bucket whose full-at lies this far ahead of now is empty. */
    public long burstNanos() {
        return nanosFor(burst);
    }

    /**
     * Whole tokens that {@code nanos} of refill buy, capped at the burst: the largest n ≤ burst with
     * nanosFor(n) ≤ nanos (0 for nanos ≤ 0).
     */
    public long tokensFor(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        if (nanos >= burstNanos()) {
            return burst;
        }
        return nanos * eventsPerSecond / NANOS_PER_SECOND; // nanos < burstNanos: at most ~10^15 × 1, no overflow
    }

    /** This policy scaled by {@code share} (0 < share ≤ 1), each value at least 1: the fallback's local limit. */
    public RateLimitPolicy scaled(double share) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("share must be in (0, 1], is " + share);
        }
        if (share == 1) {
            return this;
        }
        return new RateLimitPolicy(Math.max(1, (int) Math.floor(eventsPerSecond * share)),
                Math.max(1, (int) Math.floor(burst * share)));
    }

    /**
     * The plan's defaults, as template.yaml passes them to IngestFunction: {@code DEFAULT_RATE_LIMIT_EPS} for sources
     * whose {@code rate_limit_eps} is null, {@code DEFAULT_RATE_LIMIT_BURST} for sources without
     * {@code rate_limit_burst}, where 0 means one second of the source's (resolved) rate.
     */
    public record Defaults(int eventsPerSecond, int burstOrZero) {

        /** The template's own defaults (DefaultRateLimitEps 1000, DefaultRateLimitBurst 0). */
        public static final Defaults TEMPLATE = new Defaults(1000, 0);

        public Defaults {
            if (eventsPerSecond < 1 || eventsPerSecond > MAX_EVENTS_PER_SECOND) {
                throw new IllegalArgumentException(DEFAULT_EPS_VARIABLE + " must be 1.." + MAX_EVENTS_PER_SECOND
                        + ", is " + eventsPerSecond);
            }
            if (burstOrZero < 0 || burstOrZero > MAX_BURST) {
                throw new IllegalArgumentException(DEFAULT_BURST_VARIABLE + " must be 0.." + MAX_BURST + ", is "
                        + burstOrZero);
            }
        }

        /** Reads both variables; an unset one takes the template's default, a malformed one fails start-up. */
        public static Defaults fromEnvironment(Map<String, String> environment) {
            return new Defaults(
                    number(environment, DEFAULT_EPS_VARIABLE, TEMPLATE.eventsPerSecond()),
                    number(environment, DEFAULT_BURST_VARIABLE, TEMPLATE.burstOrZero()));
        }

        /** The policy of a source with these (optional) fields: per-source values win over the plan's. */
        public RateLimitPolicy policyFor(Optional<Integer> sourceEventsPerSecond, Optional<Integer> sourceBurst) {
            int eps = sourceEventsPerSecond.orElse(eventsPerSecond);
            return RateLimitPolicy.of(eps, sourceBurst.orElse(burstOrZero));
        }

        private static int number(Map<String, String> environment, String variable, int fallback) {
            String value = environment.get(variable);
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException("Environment variable " + variable + " is not a whole number: "
                        + value, e);
            }
        }
    }
}
