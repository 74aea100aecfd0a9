package dev.inlet.common.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-container rate limiter: one instance per Lambda container (or per local runtime, where threads share it).
 * Thread-safe; requests of one source are decided one at a time, other sources' in parallel.
 *
 * <h2>How it decides</h2>
 * Each source has one shared bucket in DynamoDB ({@link SharedBucketStore}: a single number, {@code full_at}), split
 * into S = {@link #shards} keys when the rate allows: S = clamp(min(rate, burst) / 500, 1, 10), shard k holding
 * rate / S and burst / S ({@link #shardPolicy}; the shards add up to the policy exactly), under
 * {@code source#<id>} (shard 0) and {@code source#<id>#k}. A container does not write per request: it takes a
 * <em>lease</em> of k tokens from one shard with one conditional UpdateItem and serves requests from its leases until
 * they run out or expire ({@link Settings#leaseLifetime}, 2 s). A request that the leases cannot cover whole triggers
 * the next grant of k = min(burst, max(events, chunk)) tokens (a batch bigger than the chunk borrows exactly what it
 * needs, in one grant per shard-sized piece when it exceeds a shard's burst); the request is allowed only if the
 * leases then cover all of its events, otherwise it is refused whole and nothing of it is consumed.
 *
 * <p><b>Which shard.</b> Of two shards picked at random among those that may hold the grant now as far as this
 * container last saw (full_at only grows, so what it saw is a lower bound; a shard never seen counts as full), the
 * one seen fuller, asked for tokens usable now only (no reservation). If it has none (the failed condition tells its
 * full_at), a busy container (full chunks) tries up to three such shards, a thinner one none more; then it queues on
 * the shard seen least reserved (see Reservations). So writes spread evenly over the S keys, and no shard sits full,
 * wasting its refill, while containers queue on another.
 *
 * <p><b>Chunk size.</b> chunk = clamp(min(asked, ceil(demand × 0.5 s)), 1, c_max), c_max = min(burst / S,
 * ceil((rate + burst) / {@link Settings#maxGrantsPerSecond})) — (rate + burst) / 50 by default: 200 events at 5,000
 * eps with the default burst. "demand" is this container's own recent demand on the source (events asked per second,
 * accepted or not; {@code DemandMeter}) and "asked" the events it was asked in the last second, so a container that
 * just started never leases more than it has been asked for. A busy container takes c_max per write; the bucket hands
 * out at most rate × W + burst tokens in W seconds, so busy containers make at most (rate × W + burst) / c_max grants
 * in any W seconds (25 per second at the limit, 50 in a second that also drains a full bucket), each at most four
 * writes. A thinner container leases half a second of its own demand, well inside the 2 s lifetime, so it strands
 * almost nothing, and writes about twice per second (one or two more in its first second, plus at most one failed
 * probe per grant). Per key, writes per second are therefore about (2 to 4) × N / S for N thin containers and at most
 * 4 × 50 / S for busy ones: measured at 5,000 eps (S = 10), at most 88 per second on the hottest key for 200
 * containers starting together, 15 to 60 in steady state (README, "Rate limits"). A source spread over many more
 * containers at once needs more shards (a lower {@link #MIN_SHARD_RATE} or a higher {@link #MAX_SHARDS}).
 *
 * <p><b>Reservations instead of retries.</b> A grant may start in the future: when the shard is empty the write
 * still succeeds as long as the grant starts within {@link Settings#reservationHorizon} (1 s), and the lease becomes
 * usable at {@code full_at − burstNanos} (of the shard). Containers competing for empty shards therefore queue up
 * (each write moves {@code full_at} by its own cost) instead of failing and retrying in step — no herd of failed
 * conditional writes. A container holds at most one future lease per source; requests until it starts are refused
 * with a Retry-After from its start. Only past the horizon is a write refused (counted in {@link Stats#denials}); the
 * container then asks that shard no more until it could fit the grant.
 *
 * <p><b>Accuracy.</b> Each shard's grants, each placed at its start time, conform to a token bucket (rate / S,
 * burst / S), so all grants together conform to one of (rate, burst): the tokens of grants starting in any window of
 * W seconds add up to at most rate × W + burst. A token is used within the lease lifetime L after its grant's start,
 * so the events accepted in any W-second window are at most
 * <pre>  rate × W + burst + slack,   slack = rate × (L + δ)</pre>
 * where δ is how far one container's clock may run ahead of another's (milliseconds on Lambda; 0 in one process).
 * With the defaults (L = 2 s): rate × 12 s + burst over 10 s. The slack is also at most what the containers hold when
 * the window opens: per container less than one chunk plus one request. Leased tokens that expire unused (or a
 * reservation no request came for) are lost to everyone — the cost on the low side; leases of half a second of
 * demand in a 2 s lifetime make that rare, and with demand at or above the limit it stays within a few percent
 * (tests and benchmark: ≥ 95 % of rate × W).
 *
 * <p><b>When DynamoDB fails.</b> Any exception from the store (throttling, 5xx, timeout, even a malformed item) is
 * caught, counted ({@link #fallbacks}, {@link Stats#storeFailures}) and logged once per episode; for the next
 * {@link Settings#fallbackPeriod} (1 s) the source's requests not covered by a lease already held are decided by a
 * per-container local {@link TokenBucket} at {@link Settings#fallbackShare} of the policy (all of it by default), and
 * marked {@link RateLimitDecision#degraded}. This fails open onto a local limit: during an outage N containers may
 * admit up to N times the limit, chosen over refusing every producer because the limiter's own table is down (whether
 * events are stored is for the events table to decide). {@link #decide} never throws for a store failure.
 */
public final class LeasedRateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(LeasedRateLimiter.class);
    /** Above this many sources in one container, idle ones (no lease, unused for a minute) are forgotten. */
    static final int MAX_TRACKED_SOURCES = 10_000;
    private static final long IDLE_NANOS = Duration.ofMinutes(1).toNanos();
    private static final long EVICTION_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();
    private static final int MAX_ATTEMPTS = 3;
    /** A shard of a sharded bucket keeps at least this rate and burst. */
    static final int MIN_SHARD_RATE = 500;
    /** At most this many shards per source's bucket. */
    static final int MAX_SHARDS = 10;
    /** How many shards a busy container may ask for tokens usable now before it queues (reserves) on one. */
    private static final int BUSY_PROBES = 3;
    /** A thin container leases this much of its own demand (or half the lease lifetime, if shorter). */
    private static final long MAX_CHUNK_SPAN_NANOS = 500_000_000L;

    /**
     * @param leaseLifetime      how long leased tokens stay usable after their grant's start (the accuracy slack);
     *                           thin containers lease half of it, at most 0.5 s, of their demand
     * @param maxGrantsPerSecond grants that may drain a full bucket refilling for one second: c_max = (rate + burst)
     *                           / this
     * @param reservationHorizon how far ahead a grant may start when the bucket is empty
     * @param fallbackShare      the share (0, 1] of the policy the local fallback bucket allows
     * @param fallbackPeriod     how long the fallback decides after a store failure before the store is tried again
     * @param bucketRetention    how long after it can last be full a bucket item stays (its TTL, purge_at)
     */
    public record Settings(Duration leaseLifetime, int maxGrantsPerSecond, Duration reservationHorizon,
                           double fallbackShare, Duration fallbackPeriod, Duration bucketRetention) {

        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(2), 50, Duration.ofSeconds(1), 1.0,
                Duration.ofSeconds(1), Duration.ofHours(1));

        public Settings {
            if (leaseLifetime.isNegative() || leaseLifetime.isZero() || reservationHorizon.isNegative()
                    || fallbackPeriod.isNegative() || bucketRetention.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative, lifetime positive");
            }
            if (maxGrantsPerSecond < 1) {
                throw new IllegalArgumentException("maxGrantsPerSecond must be at least 1");
            }
            if (!(fallbackShare > 0 && fallbackShare <= 1)) {
                throw new IllegalArgumentException("fallbackShare must be in (0, 1]");
            }
        }

        public Settings withFallbackShare(double share) {
            return new Settings(leaseLifetime, maxGrantsPerSecond, reservationHorizon, share, fallbackPeriod,
                    bucketRetention);
        }

        /**
         * How long a bucket item outlives the last instant it can be full at (its TTL). Tests whose clock runs behind
         * the real one need a long one: DynamoDB Local's TTL sweeper deletes by the real clock.
         */
        public Settings withBucketRetention(Duration retention) {
            return new Settings(leaseLifetime, maxGrantsPerSecond, reservationHorizon, fallbackShare, fallbackPeriod,
                    retention);
        }

        public Settings withLeaseLifetime(Duration lifetime) {
            return new Settings(lifetime, maxGrantsPerSecond, reservationHorizon, fallbackShare, fallbackPeriod,
                    bucketRetention);
        }

        /** The largest chunk for {@code policy}: min(burst, ceil((rate + burst) / maxGrantsPerSecond)). */
        public long maxChunk(RateLimitPolicy policy) {
            long perDrain = Math.ceilDiv((long) policy.eventsPerSecond() + policy.burst(), maxGrantsPerSecond);
            return Math.min(policy.burst(), Math.max(1, perDrain));
        }

        /** The accuracy slack in events for {@code policy} (one process, δ = 0): rate × leaseLifetime, rounded up. */
        public long slack(RateLimitPolicy policy) {
            return Math.ceilDiv(policy.eventsPerSecond() * leaseLifetime.toNanos(), RateLimitPolicy.NANOS_PER_SECOND);
        }
    }

    /**
     * Counters since start. Every leased token ends up accepted, expired or still held:
     * {@code tokensLeased = tokensAccepted + tokensExpired + tokensHeld}.
     *
     * @param storeWrites       conditional UpdateItem calls made (taken or not)
     * @param grants            writes that took tokens
     * @param denials           writes refused because the bucket was reserved beyond the horizon
     * @param storeFailures     store calls that failed (each starts a fallback period)
     * @param fallbackDecisions decisions made by the local fallback bucket
     * @param fallbackAccepted  events the fallback bucket allowed
     */
    public record Stats(long storeWrites, long grants, long tokensLeased, long tokensAccepted, long tokensExpired,
                        long tokensHeld, long denials, long storeFailures, long fallbackDecisions,
                        long fallbackAccepted) {
    }

    private final SharedBucketStore store;
    private final Clock clock;
    private final Settings settings;
    private final ConcurrentMap<String, SourceState> states = new ConcurrentHashMap<>();
    private volatile long lastEviction = Long.MIN_VALUE / 2;

    private final LongAdder storeWrites = new LongAdder();
    private final LongAdder grants = new LongAdder();
    private final LongAdder tokensLeased = new LongAdder();
    private final LongAdder tokensAccepted = new LongAdder();
    private final LongAdder tokensExpired = new LongAdder();
    private final LongAdder denials = new LongAdder();
    private final LongAdder storeFailures = new LongAdder();
    private final LongAdder fallbackDecisions = new LongAdder();
    private final LongAdder fallbackAccepted = new LongAdder();

    public LeasedRateLimiter(SharedBucketStore store, Clock clock) {
        this(store, clock, Settings.DEFAULTS);
    }

    public LeasedRateLimiter(SharedBucketStore store, Clock clock, Settings settings) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** The key in RateLimitsTable of a source's bucket, or of its shard 0 when it is sharded. */
    public static String bucketKey(String sourceId) {
        return "source#" + sourceId;
    }

    /** The key of shard {@code shard} of a source's bucket: shard 0 is {@link #bucketKey(String)}. */
    public static String bucketKey(String sourceId, int shard) {
        return shard == 0 ? bucketKey(sourceId) : bucketKey(sourceId) + "#" + shard;
    }

    /**
     * How many shards (keys) a source's bucket is split into: S = clamp(min(rate, burst) / 500, 1, 10). Each shard
     * keeps at least 500 eps and 500 tokens of burst; 10 at 5,000 eps with the default burst.
     */
    public static int shards(RateLimitPolicy policy) {
        int byRate = Math.min(policy.eventsPerSecond(), policy.burst()) / MIN_SHARD_RATE;
        return Math.clamp(byRate, 1, MAX_SHARDS);
    }

    /**
     * Shard {@code shard}'s bucket: rate / S and burst / S, the remainders spread over the first shards, so the
     * shards' rates add up to the rate and their bursts to the burst exactly.
     */
    public static RateLimitPolicy shardPolicy(RateLimitPolicy policy, int shard) {
        int count = shards(policy);
        if (shard < 0 || shard >= count) {
            throw new IllegalArgumentException("shard " + shard + " of " + count);
        }
        if (count == 1) {
            return policy;
        }
        int rate = policy.eventsPerSecond() / count + (shard < policy.eventsPerSecond() % count ? 1 : 0);
        int burst = policy.burst() / count + (shard < policy.burst() % count ? 1 : 0);
        return new RateLimitPolicy(rate, burst);
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Decides a request of {@code events} events of {@code sourceId} under {@code policy}: allowed whole (its tokens
     * taken) or refused whole (nothing taken). Reads the clock once, under the source's lock; usually no conditional
     * write, else one or two (at most three per shard asked, and at most four shards asked per shard-sized piece).
     * Never throws for a store failure (see the class comment).
     */
    public RateLimitDecision decide(String sourceId, RateLimitPolicy policy, int events) {
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(policy, "policy");
        RateLimitDecision decision;
        long now;
        while (true) {
            SourceState state = states.computeIfAbsent(sourceId, SourceState::new);
            synchronized (state) {
                if (state.retired) {
                    continue; // evicted between lookup and lock: take the fresh one
                }
                // The clock is read under the lock: read before it, a request that waited for the lock would look
                // older than a lease another thread just took, and be refused as if that lease had not started.
                now = TokenBucket.epochNanos(clock.instant());
                decision = state.decide(policy, events, now);
                break;
            }
        }
        if (states.size() > MAX_TRACKED_SOURCES && now - lastEviction > EVICTION_INTERVAL_NANOS) {
            lastEviction = now;
            evictIdle(now);
        }
        return decision;
    }

    /**
     * Gives back the tokens of a request {@link #decide} allowed from leases (not {@link RateLimitDecision#degraded})
     * whose events were then not stored (a 503), so that the client's retry is not refused for its own failed
     * attempt. Tokens go back only to unexpired leases, and never more than each lease had given out, so the accuracy
     * bound holds; those of leases that expired meanwhile stay spent. Returns how many were given back.
     */
    public long refund(String sourceId, int events) {
        SourceState state = states.get(sourceId);
        if (state == null || events <= 0) {
            return 0;
        }
        synchronized (state) {
            return state.retired ? 0 : state.refund(events, TokenBucket.epochNanos(clock.instant()));
        }
    }

    /** Decisions made by the per-container fallback bucket because the shared bucket could not be reached. */
    public long fallbacks() {
        return fallbackDecisions.sum();
    }

    public Stats stats() {
        long held = 0;
        for (SourceState state : states.values()) {
            synchronized (state) {
                held += state.heldTokens();
            }
        }
        return new Stats(storeWrites.sum(), grants.sum(), tokensLeased.sum(), tokensAccepted.sum(),
                tokensExpired.sum(), held, denials.sum(), storeFailures.sum(), fallbackDecisions.sum(),
                fallbackAccepted.sum());
    }

    private void evictIdle(long now) {
        for (SourceState state : states.values()) {
            synchronized (state) {
                if (state.isIdle(now)) {
                    state.retired = true;
                    states.remove(state.sourceId, state);
                }
            }
        }
    }

    /**
     * Tokens leased to this container, usable from {@code from} (inclusive) to {@code until} (exclusive); {@code drawn}
     * of the grant have been consumed (a spent lease stays listed until it expires, so a refund can find it).
     */
    private static final class Lease {
        long tokens;
        long drawn;
        final long from;
        final long until;

        Lease(long tokens, long from, long until) {
            this.tokens = tokens;
            this.from = from;
            this.until = until;
        }
    }

    /** One source's leases and knowledge in this container. Guarded by its own monitor. */
    private final class SourceState {
        final String sourceId;
        final List<Lease> leases = new ArrayList<>(2); // in start order
        final DemandMeter demand = new DemandMeter();
        // Per shard of the bucket (index k), what this container last saw of it. Sized for the policy's shards.
        RateLimitPolicy shardedFor;
        RateLimitPolicy[] shardPolicies = new RateLimitPolicy[0];
        String[] keys = new String[0];
        boolean[] knowsFullAt = new boolean[0];
        long[] knownFullAt = new long[0];
        long[] noAskBefore = new long[0];
        long[] othersSeenAt = new long[0]; // when a write of another container last showed in the shard's full_at
        long fallbackUntil = Long.MIN_VALUE;
        TokenBucket fallback;
        long lastUsed;
        boolean retired;

        SourceState(String sourceId) {
            this.sourceId = sourceId;
        }

        /** Sizes the per-shard knowledge for {@code policy}; kept while the shard count stays the same. */
        private void shardFor(RateLimitPolicy policy) {
            if (policy.equals(shardedFor)) {
                return;
            }
            int count = shards(policy);
            if (count != keys.length) {
                keys = new String[count];
                knowsFullAt = new boolean[count];
                knownFullAt = new long[count];
                noAskBefore = new long[count];
                othersSeenAt = new long[count];
                for (int k = 0; k < count; k++) {
                    keys[k] = bucketKey(sourceId, k);
                    knownFullAt[k] = Long.MIN_VALUE;
                    noAskBefore[k] = Long.MIN_VALUE;
                    othersSeenAt[k] = Long.MIN_VALUE;
                }
            }
            shardPolicies = new RateLimitPolicy[count];
            for (int k = 0; k < count; k++) {
                shardPolicies[k] = shardPolicy(policy, k);
            }
            shardedFor = policy;
        }

        RateLimitDecision decide(RateLimitPolicy policy, int events, long now) {
            lastUsed = now;
            demand.record(now, events);
            shardFor(policy);
            dropExpired(now);
            long usable = usableTokens(now);
            if (events <= 0) {
                return RateLimitDecision.allow(policy, remaining(policy, usable, now), resetNanos(now), false);
            }
            if (events > policy.burst()) {
                return refuse(policy, events, usable, now, Math.max(resetNanos(now), 1));
            }
            if (usable >= events) {
                return consume(policy, events, now);
            }
            if (now < fallbackUntil) {
                return fallbackDecide(policy, events, now);
            }
            long pending = pendingTokens(now);
            if (pending > 0) {
                long wait = pendingFrom(now) - now;
                if (pending + usable < events) {
                    wait = Math.max(wait, sharedWait(policy, events, now));
                }
                return refuse(policy, events, usable, now, wait);
            }
            if (!anyAskable(now)) {
                return refuse(policy, events, usable, now, sharedWait(policy, events, now));
            }
            long chunk = chunk(policy, now);
            long tokens = Math.min(policy.burst(), Math.max(events, chunk));
            try {
                // A busy container (full chunks) makes few grants: it may probe up to three shards for tokens usable
                // now before it queues on one; a thinner one, one.
                take(tokens, events - usable, chunk >= maxChunk(policy) ? BUSY_PROBES : 1, now);
            } catch (RuntimeException failure) {
                storeFailures.increment();
                fallbackUntil = now + settings.fallbackPeriod().toNanos();
                LOG.warn("Rate-limit bucket {} unavailable ({}: {}); the next {} ms of its requests are decided by "
                                + "this container's local bucket at {} of the limit ({} eps); fallback decisions so "
                                + "far: {}", bucketKey(sourceId), failure.getClass().getSimpleName(),
                        failure.getMessage(), settings.fallbackPeriod().toMillis(), settings.fallbackShare(),
                        policy.scaled(settings.fallbackShare()).eventsPerSecond(), fallbackDecisions.sum());
                return fallbackDecide(policy, events, now);
            }
            usable = usableTokens(now);
            if (usable >= events) {
                return consume(policy, events, now);
            }
            pending = pendingTokens(now);
            if (pending > 0 && pending + usable >= events) {
                return refuse(policy, events, usable, now, pendingFrom(now) - now);
            }
            return refuse(policy, events, usable, now, sharedWait(policy, events, now));
        }

        /**
         * Leases {@code tokens} (at least {@code needed} of them to serve the request). One shard: one grant, which
         * may be a reservation. Several: the tokens are taken in shard-sized pieces (one piece unless a batch is
         * bigger than a shard's burst); for each, first a shard that may hold the piece now, as far as this
         * container knows (of two picked at random, the one seen fuller), asked for tokens usable now only; if it
         * has none, up to {@code probes} such shards, then the shard seen least reserved, where the grant may be a reservation. So no shard sits full,
         * wasting its refill, while another is queued on, and a piece costs at most two shards' writes. A store
         * failure propagates (the leases already granted stay held).
         */
        private void take(long tokens, long needed, int probes, long now) {
            if (keys.length == 1) {
                grant(0, tokens, now, true);
                return;
            }
            long left = tokens;
            long got = 0;
            while (got < needed && left > 0) {
                Lease lease = null;
                for (int probe = 0; probe < probes && lease == null; probe++) {
                    int k = pickShard(now, left);
                    if (k < 0) {
                        break;
                    }
                    lease = grant(k, Math.min(left, shardPolicies[k].burst()), now, false);
                }
                if (lease == null) {
                    int k = leastReserved(now);
                    if (k < 0) {
                        return;
                    }
                    lease = grant(k, Math.min(left, shardPolicies[k].burst()), now, true);
                    if (lease == null) {
                        return;
                    }
                }
                left -= lease.tokens;
                got += lease.tokens;
                if (lease.from > now) {
                    return; // a reservation: the request waits for it
                }
            }
        }

        /** Whether some shard may be asked now (none was found past the horizon, waiting for room). */
        private boolean anyAskable(long now) {
            for (long notBefore : noAskBefore) {
                if (notBefore <= now) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Of two shards picked at random among those that may hold {@code tokens} (capped at their burst) now, as
         * far as this container last saw (a shard never seen counts as full), the one seen fuller: grants spread
         * over the shards' keys and drain them evenly. -1 when none may.
         */
        private int pickShard(long now, long tokens) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int first = -1;
            int second = -1;
            int eligible = 0;
            for (int k = 0; k < keys.length; k++) {
                RateLimitPolicy shard = shardPolicies[k];
                long cost = shard.nanosFor(Math.min(tokens, shard.burst()));
                if (noAskBefore[k] > now || seenFullAt(k, now) > now + shard.burstNanos() - cost) {
                    continue;
                }
                eligible++;
                if (first < 0) {
                    first = k;
                } else if (second < 0) {
                    second = k;
                } else { // reservoir sampling of two distinct shards
                    int r = random.nextInt(eligible);
                    if (r == 0) {
                        first = k;
                    } else if (r == 1) {
                        second = k;
                    }
                }
            }
            if (second >= 0 && random.nextBoolean()) {
                int swap = first;
                first = second;
                second = swap;
            }
            if (second < 0) {
                return first;
            }
            return fill(second, now) < fill(first, now) ? second : first;
        }

        /** The shard that may be asked whose seen full_at is least ahead of its burst window; -1 if none. */
        private int leastReserved(long now) {
            int best = -1;
            long bestAhead = Long.MAX_VALUE;
            int offset = ThreadLocalRandom.current().nextInt(keys.length);
            for (int i = 0; i < keys.length; i++) {
                int k = (i + offset) % keys.length;
                if (noAskBefore[k] > now) {
                    continue;
                }
                long ahead = seenFullAt(k, now) - shardPolicies[k].burstNanos();
                if (ahead < bestAhead) {
                    bestAhead = ahead;
                    best = k;
                }
            }
            return best;
        }

        private long seenFullAt(int k, long now) {
            return knowsFullAt[k] ? Math.max(now, knownFullAt[k]) : now;
        }

        /** How far the shard is from full, as last seen, in its burst windows (0 full, 1 empty). */
        private double fill(int k, long now) {
            return (seenFullAt(k, now) - now) / (double) shardPolicies[k].burstNanos();
        }

        private long minShardBurst() {
            long least = Long.MAX_VALUE;
            for (RateLimitPolicy shard : shardPolicies) {
                least = Math.min(least, shard.burst());
            }
            return least;
        }

        /**
         * Takes {@code tokens} from shard {@code k}: the branch guessed from what this container last saw, and on
         * a failed condition the branch the returned full_at calls for. At most three writes (usually one): full_at
         * only grows, so once it is ahead of {@code now} it stays ahead. Returns the new lease, or null past the
         * horizon.
         */
        private Lease grant(int k, long tokens, long now, boolean mayReserve) {
            RateLimitPolicy policy = shardPolicies[k];
            String bucketKey = keys[k];
            long cost = policy.nanosFor(tokens);
            long window = policy.burstNanos();
            long horizon = mayReserve ? settings.reservationHorizon().toNanos() : 0;
            long latest = now + window + horizon - cost;
            long purgeAt = Math.ceilDiv(now + window + horizon, RateLimitPolicy.NANOS_PER_SECOND)
                    + settings.bucketRetention().toSeconds();
            // The branch is guessed from what this container last saw, a lower bound: others only push full_at
            // forward. So a full bucket is guessed only when full_at has passed and no other container was seen
            // writing within the last burst window (a source served by this container alone, or idle); otherwise a
            // partial one, which also creates a missing bucket, so containers starting together on a source do not
            // collide on the branch. A wrong guess costs one write, and its answer tells the right branch.
            boolean full = knowsFullAt[k] && knownFullAt[k] <= now && othersSeenAt[k] < now - window;
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                boolean knew = knowsFullAt[k];
                long before = knownFullAt[k];
                storeWrites.increment();
                SharedBucketStore.Attempt result = full
                        ? store.takeFromFull(bucketKey, now, cost, policy, purgeAt)
                        : store.takeFromPartial(bucketKey, now, cost, latest, policy, purgeAt);
                knowsFullAt[k] = result.fullAt().isPresent();
                knownFullAt[k] = result.fullAt().orElse(Long.MIN_VALUE);
                if (result.taken()) {
                    // full_at before this write, had this container been its only writer: what it knew, or now
                    long alone = full || !knew ? now : before;
                    if (knownFullAt[k] - cost != alone) {
                        othersSeenAt[k] = now;
                    }
                    long from = Math.max(now, knownFullAt[k] - window);
                    Lease lease = new Lease(tokens, from, from + settings.leaseLifetime().toNanos());
                    int at = leases.size();
                    while (at > 0 && leases.get(at - 1).from > from) {
                        at--;
                    }
                    leases.add(at, lease);
                    grants.increment();
                    tokensLeased.add(tokens);
                    return lease;
                }
                if (!knew || knowsFullAt[k] && knownFullAt[k] != before) {
                    othersSeenAt[k] = now;
                }
                if (!knowsFullAt[k] || knownFullAt[k] <= now) {
                    full = true;
                } else if (knownFullAt[k] > latest) {
                    if (!mayReserve) {
                        return null; // no tokens now: the caller turns to another shard
                    }
                    denials.increment();
                    noAskBefore[k] = knownFullAt[k] - (window + horizon - cost); // when this grant could fit again
                    return null;
                } else {
                    full = false;
                }
            }
            noAskBefore[k] = now; // unreachable in practice (see above); refuse this request, ask again next time
            return null;
        }

        private RateLimitDecision consume(RateLimitPolicy policy, int events, long now) {
            long left = events;
            for (Lease lease : leases) {
                if (left == 0) {
                    break;
                }
                if (lease.from <= now) {
                    long take = Math.min(left, lease.tokens);
                    lease.tokens -= take;
                    lease.drawn += take;
                    left -= take;
                }
            }
            if (left != 0) {
                throw new IllegalStateException("consume() without enough usable tokens");
            }
            tokensAccepted.add(events);
            return RateLimitDecision.allow(policy, remaining(policy, usableTokens(now), now), resetNanos(now), false);
        }

        private RateLimitDecision fallbackDecide(RateLimitPolicy policy, int events, long now) {
            RateLimitPolicy local = policy.scaled(settings.fallbackShare());
            if (fallback == null || !fallback.policy().equals(local)) {
                fallback = new TokenBucket(local, clock, now);
            }
            fallbackDecisions.increment();
            RateLimitDecision decision = fallback.tryConsume(events, now, true);
            if (decision.allowed()) {
                fallbackAccepted.add(events);
            }
            return decision;
        }

        private RateLimitDecision refuse(RateLimitPolicy policy, int events, long usable, long now, long wait) {
            return RateLimitDecision.refuse(policy, events, remaining(policy, usable, now), resetNanos(now), wait,
                    false);
        }

        /**
         * The shared bucket's wait for {@code events} tokens, as this container last saw it: with one shard its
         * wait; with several, the least wait of a shard whose burst holds them all, else the wait for the deficit
         * of all shards together at the full rate.
         */
        private long sharedWait(RateLimitPolicy policy, int events, long now) {
            if (keys.length == 1) {
                return knowsFullAt[0] ? TokenBucket.waitNanos(policy, knownFullAt[0], now, events) : 0;
            }
            long least = Long.MAX_VALUE;
            long available = 0;
            for (int k = 0; k < keys.length; k++) {
                RateLimitPolicy shard = shardPolicies[k];
                available += knowsFullAt[k] ? TokenBucket.available(shard, knownFullAt[k], now) : shard.burst();
                if (events <= shard.burst()) {
                    least = Math.min(least,
                            knowsFullAt[k] ? TokenBucket.waitNanos(shard, knownFullAt[k], now, events) : 0);
                }
            }
            return least != Long.MAX_VALUE ? least : policy.nanosFor(Math.max(0, events - available));
        }

        /** This container's usable tokens plus what the shared bucket's shards held when last seen. */
        private long remaining(RateLimitPolicy policy, long usable, long now) {
            long shared = 0;
            for (int k = 0; k < keys.length; k++) {
                RateLimitPolicy shard = shardPolicies[k];
                shared += knowsFullAt[k] ? TokenBucket.available(shard, knownFullAt[k], now) : shard.burst();
            }
            return Math.min(policy.burst(), usable + shared);
        }

        /** Until every shard last seen is full again. */
        private long resetNanos(long now) {
            long reset = 0;
            for (int k = 0; k < keys.length; k++) {
                if (knowsFullAt[k]) {
                    reset = Math.max(reset, knownFullAt[k] - now);
                }
            }
            return reset;
        }

        private long chunk(RateLimitPolicy policy, long now) {
            long span = Math.min(settings.leaseLifetime().toNanos() / 2, MAX_CHUNK_SPAN_NANOS);
            long perSpan = Math.min(demand.eventsLastSecond(now),
                    Math.ceilDiv(demand.eventsPerSecond(now) * span, RateLimitPolicy.NANOS_PER_SECOND));
            return Math.clamp(perSpan, 1, maxChunk(policy));
        }

        /** The largest chunk: {@link Settings#maxChunk}, and at most one shard's burst. */
        private long maxChunk(RateLimitPolicy policy) {
            return Math.min(settings.maxChunk(policy), minShardBurst());
        }

        private void dropExpired(long now) {
            Iterator<Lease> it = leases.iterator();
            while (it.hasNext()) {
                Lease lease = it.next();
                if (lease.until <= now) {
                    tokensExpired.add(lease.tokens);
                    it.remove();
                }
            }
        }

        private long usableTokens(long now) {
            long usable = 0;
            for (Lease lease : leases) {
                if (lease.from <= now) {
                    usable += lease.tokens;
                }
            }
            return usable;
        }

        /** Tokens of leases that start in the future (reservations). */
        private long pendingTokens(long now) {
            long pending = 0;
            for (Lease lease : leases) {
                if (lease.from > now) {
                    pending += lease.tokens;
                }
            }
            return pending;
        }

        /** When the last reservation starts. */
        private long pendingFrom(long now) {
            long from = now;
            for (Lease lease : leases) {
                from = Math.max(from, lease.from);
            }
            return from;
        }

        /** Gives back up to {@code events} drawn tokens to unexpired leases, earliest first; returns how many. */
        long refund(int events, long now) {
            long left = events;
            for (Lease lease : leases) {
                if (left == 0) {
                    break;
                }
                if (lease.until > now && lease.drawn > 0) {
                    long back = Math.min(left, lease.drawn);
                    lease.drawn -= back;
                    lease.tokens += back;
                    left -= back;
                }
            }
            tokensAccepted.add(-(events - left));
            return events - left;
        }

        long heldTokens() {
            long held = 0;
            for (Lease lease : leases) {
                held += lease.tokens;
            }
            return held;
        }

        boolean isIdle(long now) {
            return leases.isEmpty() && now >= fallbackUntil && now - lastUsed > IDLE_NANOS;
        }
    }
}
