/**
 * Per-source rate limits (issue 4): token buckets in events per second, shared by every Lambda container through
 * DynamoDB's RateLimitsTable, without a hot partition.
 *
 * <ul>
 *   <li>{@link dev.inlet.common.ratelimit.RateLimitPolicy}: rate and burst of a source (plan defaults from
 *       {@code DEFAULT_RATE_LIMIT_EPS} / {@code DEFAULT_RATE_LIMIT_BURST}; burst 0 = one second of rate).</li>
 *   <li>{@link dev.inlet.common.ratelimit.TokenBucket}: the bucket arithmetic (one number, the instant the bucket is
 *       full again), in one process: used as the fallback and as the reference in tests.</li>
 *   <li>{@link dev.inlet.common.ratelimit.LeasedRateLimiter}: what ingestion calls, once per request,
 *       {@code decide(sourceId, policy, events)}; leases chunks of tokens from the shared bucket (split over up to ten
 *       keys, its shards, at high rates), one conditional
 *       UpdateItem per chunk. Its class comment states the chunk sizing, the accuracy bound and the failure mode.</li>
 *   <li>{@link dev.inlet.common.ratelimit.RateLimitDecision}: allowed or refused whole, with the values of the
 *       {@code RateLimit-Limit}, {@code RateLimit-Remaining}, {@code RateLimit-Reset} and {@code Retry-After}
 *       headers.</li>
 *   <li>{@link dev.inlet.common.ratelimit.SharedBucketStore} and its DynamoDB implementation
 *       {@link dev.inlet.common.ratelimit.RateLimitStore}: the only place that knows about AWS types.</li>
 * </ul>
 */
package dev.inlet.common.ratelimit;
