package dev.inlet.common.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to one request of {@code events} events: allowed whole, or refused whole ({@code refused} = all its
 * events, nothing consumed). The numbers are those of the {@code RateLimit-*} headers, which both answers carry:
 *
 * <ul>
 *   <li>{@code limit}: the source's rate, events per second ({@code RateLimit-Limit});</li>
 *   <li>{@code remaining}: whole events a request could still send right now ({@code RateLimit-Remaining});</li>
 *   <li>{@code resetSeconds}: whole seconds until the bucket is full again, as far as this container knows
 *       ({@code RateLimit-Reset}; 0 when full);</li>
 *   <li>{@code retryAfterSeconds}: 0 when allowed; when refused, the real deficit of this request turned into
 *       whole seconds, rounded up and at least 1 ({@code Retry-After});</li>
 *   <li>{@code exceedsBurst}: the request has more events than the burst, so it can never fit: it must be split;</li>
 *   <li>{@code degraded}: the shared bucket could not be reached and a per-container local bucket decided.</li>
 * </ul>
 */
public record RateLimitDecision(
        boolean allowed,
        int limit,
        long remaining,
        long resetSeconds,
        long retryAfterSeconds,
        int refused,
        boolean exceedsBurst,
        boolean degraded) {

    public static final String LIMIT_HEADER = "RateLimit-Limit";
    public static final String REMAINING_HEADER = "RateLimit-Remaining";
    public static final String RESET_HEADER = "RateLimit-Reset";
    public static final String RETRY_AFTER_HEADER = "Retry-After";

    public RateLimitDecision {
        if (allowed && (retryAfterSeconds != 0 || refused != 0)) {
            throw new IllegalArgumentException("An allowed decision has no Retry-After and refuses nothing");
        }
        if (!allowed && retryAfterSeconds < 1) {
            throw new IllegalArgumentException("A refusal's Retry-After is at least 1 s, is " + retryAfterSeconds);
        }
        if (remaining < 0 || resetSeconds < 0) {
            throw new IllegalArgumentException("remaining and resetSeconds are never negative");
        }
    }

    static RateLimitDecision allow(RateLimitPolicy policy, long remaining, long resetNanos, boolean degraded) {
        return new RateLimitDecision(true, policy.eventsPerSecond(), clamp(remaining, policy.burst()),
                wholeSeconds(resetNanos), 0, 0, false, degraded);
    }

    static RateLimitDecision refuse(RateLimitPolicy policy, int events, long remaining, long resetNanos,
                                    long waitNanos, boolean degraded) {
        long retryAfter = Math.max(1, wholeSeconds(waitNanos));
        return new RateLimitDecision(false, policy.eventsPerSecond(), clamp(remaining, policy.burst()),
                Math.max(retryAfter, wholeSeconds(resetNanos)), retryAfter, events, events > policy.burst(),
                degraded);
    }

    /** The headers of both answers: RateLimit-Limit, -Remaining, -Reset, and Retry-After on a refusal. */
    public Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(LIMIT_HEADER, Integer.toString(limit));
        headers.put(REMAINING_HEADER, Long.toString(remaining));
        headers.put(RESET_HEADER, Long.toString(resetSeconds));
        if (!allowed) {
            headers.put(RETRY_AFTER_HEADER, Long.toString(retryAfterSeconds));
            // analytics.js (browsers) reads this one on a 429 to schedule its retry, in seconds.
            headers.put("X-RateLimit-Reset", Long.toString(retryAfterSeconds));
        }
        return headers;
    }

    /** Nanoseconds rounded up to whole seconds; 0 for nothing to wait. */
    static long wholeSeconds(long nanos) {
        return nanos <= 0 ? 0 : Math.ceilDiv(nanos, RateLimitPolicy.NANOS_PER_SECOND);
    }

    private static long clamp(long remaining, int burst) {
        return Math.max(0, Math.min(burst, remaining));
    }
}
