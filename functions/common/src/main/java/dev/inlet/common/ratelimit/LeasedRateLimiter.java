package dev.inlet.common.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-container rate limiter: one instance per Lambda container (or per local runtime, where threads share it).
 * Thread-safe; requests of one source are decided one at a time, other sources' in parallel.
 *
 * <h2>How it decides</h2>
 * Each source has one shared bucket in DynamoDB ({@link SharedBucketStore}: a single number, {@code full_at}). A
 * container does not write it per request: it takes a <em>lease</em> of k tokens with one conditional UpdateItem
 * and serves requests from the lease until it runs out or expires ({@link Settings#leaseLifetime}, 1 s). A request
 * that the lease cannot cover whole triggers the next grant of k = min(burst, max(events, chunk)) tokens (a batch
 * bigger than the chunk borrows exactly what it needs); the request is allowed only if the leases then cover all of
 * its events, otherwise it is refused whole and nothing of it is consumed.
 *
 * <p><b>Chunk size.</b> chunk = clamp(ceil(demand × lifetime / 2), 1, c_max), c_max = min(burst,
 * ceil((rate + burst) / {@link Settings#maxGrantsPerSecond})) — (rate + burst) / 50 by default: 200 events at 5,000
 * eps with the default burst. "demand" is this container's own recent demand on the source (events asked per second,
 * accepted or not; {@code DemandMeter}). A busy container takes c_max per write; the bucket hands out at most
 * rate × W + burst tokens in W seconds, so busy containers make at most (rate × W + burst) / c_max grants in any W
 * seconds: 25 per second at the limit, 50 in a second that also drains a full bucket. A thinner container leases half
 * a lifetime of its own demand, so it strands almost nothing, and writes at most twice per lifetime. Per key, writes
 * per second are therefore about max(rate / c_max, 2 × N × min(1, rate / demand)) for N containers sharing the
 * source, plus one or two per container in the second it starts: at most 100 for any number of busy containers
 * (demand ≥ 2 × c_max eps each) and for up to about 50 thin ones (about 80 when demand is 1.6 × the limit). A source
 * spread over more containers at once needs a longer lease lifetime (the slack grows with it) or a sharded key.
 *
 * <p><b>Reservations instead of retries.</b> A grant may start in the future: when the bucket is empty the write
 * still succeeds as long as the grant starts within {@link Settings#reservationHorizon} (1 s), and the lease becomes
 * usable at {@code full_at − burstNanos}. Containers competing for an empty bucket therefore queue up (each write
 * moves {@code full_at} by its own cost) instead of failing and retrying in step — no herd of failed conditional
 * writes. A container holds at most one future lease per source; requests until it starts are refused with a
 * Retry-After from its start. Only past the horizon is a write refused (counted in {@link Stats#denials}); the
 * container then asks no more until the bucket could fit it.
 *
 * <p><b>Accuracy.</b> The grants, each placed at its start time, conform to a token bucket (rate, burst): the
 * tokens of grants starting in any window of W seconds add up to at most rate × W + burst. A token is used within
 * the lease lifetime L after its grant's start, so the events accepted in any W-second window are at most
 * <pre>  rate × W + burst + slack,   slack = rate × (L + δ)</pre>
 * where δ is how far one container's clock may run ahead of another's (milliseconds on Lambda; 0 in one process).
 * With the defaults: rate × 11 s + burst over 10 s. The slack is also at most what the containers hold when the
 * window opens: per container less than one chunk plus one request. Leased tokens that expire unused (or a
 * reservation no request came for) are lost to everyone — the cost on the low side, at most one lease per container
 * and lifetime; with demand above the limit it stays within a few percent (tests and benchmark: ≥ 95 % of rate × W).
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

    /**
     * @param leaseLifetime      how long leased tokens stay usable after their grant's start (the accuracy slack)
     * @param maxGrantsPerSecond grants that may drain a full bucket refilling for one second: c_max = (rate + burst)
     *                           / this
     * @param reservationHorizon how far ahead a grant may start when the bucket is empty
     * @param fallbackShare      the share (0, 1] of the policy the local fallback bucket allows
     * @param fallbackPeriod     how long the fallback decides after a store failure before the store is tried again
     * @param bucketRetention    how long after it can last be full a bucket item stays (its TTL, purge_at)
     */
    public record Settings(Duration leaseLifetime, int maxGrantsPerSecond, Duration reservationHorizon,
                           double fallbackShare, Duration fallbackPeriod, Duration bucketRetention) {

        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(1), 50, Duration.ofSeconds(1), 1.0,
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

    /** The shared bucket's key in RateLimitsTable for a source. */
    public static String bucketKey(String sourceId) {
        return "source#" + sourceId;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Decides a request of {@code events} events of {@code sourceId} under {@code policy}: allowed whole (its tokens
     * taken) or refused whole (nothing taken). Reads the clock once, under the source's lock; at most three conditional
     * writes, usually none.
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

    /** Tokens leased to this container, usable from {@code from} (inclusive) to {@code until} (exclusive). */
    private static final class Lease {
        long tokens;
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
        final String bucketKey;
        final List<Lease> leases = new ArrayList<>(2); // in start order; at most one starts in the future
        final DemandMeter demand = new DemandMeter();
        boolean knowsFullAt;
        long knownFullAt;
        long noAskBefore = Long.MIN_VALUE;
        long othersSeenAt = Long.MIN_VALUE; // when a write of another container last showed in full_at
        long fallbackUntil = Long.MIN_VALUE;
        TokenBucket fallback;
        long lastUsed;
        boolean retired;

        SourceState(String sourceId) {
            this.sourceId = sourceId;
            this.bucketKey = bucketKey(sourceId);
        }

        RateLimitDecision decide(RateLimitPolicy policy, int events, long now) {
            lastUsed = now;
            demand.record(now, events);
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
            Lease pending = pendingLease(now);
            if (pending != null) {
                long wait = pending.from - now;
                if (pending.tokens + usable < events) {
                    wait = Math.max(wait, sharedWait(policy, events, now));
                }
                return refuse(policy, events, usable, now, wait);
            }
            if (now < noAskBefore) {
                return refuse(policy, events, usable, now, sharedWait(policy, events, now));
            }
            long chunk = chunk(policy, now);
            long tokens = Math.min(policy.burst(), Math.max(events, chunk));
            Lease granted;
            try {
                granted = grant(policy, tokens, now);
            } catch (RuntimeException failure) {
                storeFailures.increment();
                fallbackUntil = now + settings.fallbackPeriod().toNanos();
                LOG.warn("Rate-limit bucket {} unavailable ({}: {}); the next {} ms of its requests are decided by "
                                + "this container's local bucket at {} of the limit ({} eps); fallback decisions so "
                                + "far: {}", bucketKey, failure.getClass().getSimpleName(), failure.getMessage(),
                        settings.fallbackPeriod().toMillis(), settings.fallbackShare(),
                        policy.scaled(settings.fallbackShare()).eventsPerSecond(), fallbackDecisions.sum());
                return fallbackDecide(policy, events, now);
            }
            if (granted == null) {
                return refuse(policy, events, usable, now, sharedWait(policy, events, now));
            }
            if (granted.from > now) {
                return refuse(policy, events, usable, now, granted.from - now);
            }
            return consume(policy, events, now);
        }

        /**
         * Takes {@code tokens} from the shared bucket: the branch guessed from what this container last saw, and on
         * a failed condition the branch the returned full_at calls for. At most three writes (usually one): full_at
         * only grows, so once it is ahead of {@code now} it stays ahead. Returns the new lease, or null past the
         * horizon.
         */
        private Lease grant(RateLimitPolicy policy, long tokens, long now) {
            long cost = policy.nanosFor(tokens);
            long window = policy.burstNanos();
            long horizon = settings.reservationHorizon().toNanos();
            long latest = now + window + horizon - cost;
            long purgeAt = Math.ceilDiv(now + window + horizon, RateLimitPolicy.NANOS_PER_SECOND)
                    + settings.bucketRetention().toSeconds();
            // The branch is guessed from what this container last saw, a lower bound: others only push full_at
            // forward. So a full bucket is guessed only when full_at has passed and no other container was seen
            // writing within the last burst window (a source served by this container alone, or idle); otherwise a
            // partial one, which also creates a missing bucket, so containers starting together on a source do not
            // collide on the branch. A wrong guess costs one write, and its answer tells the right branch.
            boolean full = knowsFullAt && knownFullAt <= now && othersSeenAt < now - window;
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                boolean knew = knowsFullAt;
                long before = knownFullAt;
                storeWrites.increment();
                SharedBucketStore.Attempt result = full
                        ? store.takeFromFull(bucketKey, now, cost, policy, purgeAt)
                        : store.takeFromPartial(bucketKey, now, cost, latest, policy, purgeAt);
                knowsFullAt = result.fullAt().isPresent();
                knownFullAt = result.fullAt().orElse(Long.MIN_VALUE);
                if (result.taken()) {
                    // full_at before this write, had this container been its only writer: what it knew, or now
                    long alone = full || !knew ? now : before;
                    if (knownFullAt - cost != alone) {
                        othersSeenAt = now;
                    }
                    long from = Math.max(now, knownFullAt - window);
                    Lease lease = new Lease(tokens, from, from + settings.leaseLifetime().toNanos());
                    leases.add(lease);
                    grants.increment();
                    tokensLeased.add(tokens);
                    return lease;
                }
                if (!knew || knowsFullAt && knownFullAt != before) {
                    othersSeenAt = now;
                }
                if (!knowsFullAt || knownFullAt <= now) {
                    full = true;
                } else if (knownFullAt > latest) {
                    denials.increment();
                    noAskBefore = knownFullAt - (window + horizon - cost); // when this grant could fit again
                    return null;
                } else {
                    full = false;
                }
            }
            noAskBefore = now; // unreachable in practice (see above); refuse this request, ask again next time
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
                    left -= take;
                }
            }
            if (left != 0) {
                throw new IllegalStateException("consume() without enough usable tokens");
            }
            tokensAccepted.add(events);
            leases.removeIf(lease -> lease.tokens == 0);
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

        /** The shared bucket's wait for {@code events} tokens, as this container last saw it. */
        private long sharedWait(RateLimitPolicy policy, int events, long now) {
            return knowsFullAt ? TokenBucket.waitNanos(policy, knownFullAt, now, events) : 0;
        }

        /** This container's usable tokens plus what the shared bucket held when last seen. */
        private long remaining(RateLimitPolicy policy, long usable, long now) {
            long shared = knowsFullAt ? TokenBucket.available(policy, knownFullAt, now) : policy.burst();
            return Math.min(policy.burst(), usable + shared);
        }

        private long resetNanos(long now) {
            return knowsFullAt ? knownFullAt - now : 0;
        }

        private long chunk(RateLimitPolicy policy, long now) {
            long perHalfLifetime = Math.ceilDiv(demand.eventsPerSecond(now) * (settings.leaseLifetime().toNanos() / 2),
                    RateLimitPolicy.NANOS_PER_SECOND);
            return Math.clamp(perHalfLifetime, 1, settings.maxChunk(policy));
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

        private Lease pendingLease(long now) {
            for (Lease lease : leases) {
                if (lease.from > now) {
                    return lease;
                }
            }
            return null;
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
