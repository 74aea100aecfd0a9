package dev.inlet.common.ratelimit;

import java.util.OptionalLong;

/**
 * Where the shared buckets live (DynamoDB's RateLimitsTable in production: {@link RateLimitStore}). A bucket is one
 * number, {@code full_at} (epoch nanoseconds at which it is full again; see {@link TokenBucket}); no item means a
 * full bucket. The two operations are the two branches of {@code full_at = max(full_at, now) + cost}, each a single
 * conditional write, since DynamoDB's update expressions have {@code +} but no {@code max}:
 *
 * <ul>
 *   <li>{@link #takeFromPartial}: if {@code now < full_at ≤ latest} (tokens were taken in the last burst window),
 *       set {@code full_at = full_at + cost}; with no item at all, set {@code full_at = now + cost};</li>
 *   <li>{@link #takeFromFull}: if {@code full_at ≤ now} (the bucket is full) or there is no item, set
 *       {@code full_at = now + cost}.</li>
 * </ul>
 *
 * Both create a missing bucket, so containers that start together on a new source do not collide on the branch.
 * The conditions cover every state, so no write is ever lost or applied on a stale read: concurrent writers are
 * serialised by the store and each one's condition is checked against the current value. An attempt whose
 * condition fails changes nothing and reports the current {@code full_at}, so the caller can pick the other branch
 * or compute its wait without a read. Implementations throw a RuntimeException when the store itself fails.
 */
public interface SharedBucketStore {

    /** One conditional write: taken, with the bucket's new full_at; or not taken, with its current full_at. */
    record Attempt(boolean taken, OptionalLong fullAt) {

        public static Attempt taken(long newFullAt) {
            return new Attempt(true, OptionalLong.of(newFullAt));
        }

        public static Attempt notTaken(OptionalLong currentFullAt) {
            return new Attempt(false, currentFullAt);
        }
    }

    /** If the bucket is absent or full at {@code now}: full_at = now + cost. */
    Attempt takeFromFull(String bucketKey, long now, long cost, RateLimitPolicy policy, long purgeAtEpochSecond);

    /** If {@code now < full_at ≤ latest}: full_at = full_at + cost; if there is no bucket: full_at = now + cost. */
    Attempt takeFromPartial(String bucketKey, long now, long cost, long latest, RateLimitPolicy policy,
                            long purgeAtEpochSecond);
}
