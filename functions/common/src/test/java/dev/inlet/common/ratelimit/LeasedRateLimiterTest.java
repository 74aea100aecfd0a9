package dev.inlet.common.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.CountingDynamoDb;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/** One or two containers against DynamoDB Local, with a clock the test moves. */
class LeasedRateLimiterTest {

    private static final AdminFixture FIXTURE = new AdminFixture(LeasedRateLimiterTest.class);
    private static final LeasedRateLimiter.Settings SETTINGS = LeasedRateLimiter.Settings.DEFAULTS
            .withBucketRetention(Duration.ofDays(3650));

    private final CountingDynamoDb counting = new CountingDynamoDb(FIXTURE.dynamo);
    private final RateLimitStore store = new RateLimitStore(counting.client(), FIXTURE.table("RateLimitsTable"));
    private String source;

    @BeforeEach
    void newSource(org.junit.jupiter.api.TestInfo test) {
        source = "src_" + test.getTestMethod().orElseThrow().getName();
    }

    /**
     * A container. The fixture's clock runs hours behind the real one that DynamoDB Local's TTL sweeper reads, so
     * buckets are kept for ten years here; with the default hour the sweeper may delete a bucket mid-test.
     */
    private LeasedRateLimiter container() {
        return new LeasedRateLimiter(store, FIXTURE.clock, SETTINGS);
    }

    @Test
    void aBusyContainerWritesOncePerChunkOfRatePlusBurstOverFifty() {
        LeasedRateLimiter limiter = container();
        RateLimitPolicy policy = RateLimitPolicy.perSecond(5000);
        int allowed = 0;
        for (int i = 0; i < 1000; i++) { // 10 events every 2 ms for 2 s: 5,000 eps, at the limit
            if (limiter.decide(source, policy, 10).allowed()) {
                allowed++;
            }
            FIXTURE.clock.advance(Duration.ofMillis(2));
        }
        LeasedRateLimiter.Stats stats = limiter.stats();
        assertEquals(1000, allowed);
        assertEquals(200, LeasedRateLimiter.Settings.DEFAULTS.maxChunk(policy)); // (5,000 + 5,000) / 50
        assertEquals(stats.storeWrites(), counting.calls("updateItem"));
        assertEquals(stats.grants(), stats.storeWrites(), "no failed conditions with one writer");
        assertTrue(stats.grants() <= 2 * 25 + 4, "writes in 2 s: " + stats.grants()); // 10,000 tokens / 200
        assertTrue(stats.tokensLeased() <= stats.grants() * 200);
        assertEquals(stats.tokensLeased(), stats.tokensAccepted() + stats.tokensExpired() + stats.tokensHeld());
        assertEquals(0, counting.calls("getItem"));
    }

    @Test
    void aQuietContainerLeasesAboutHalfASecondOfItsDemandAndStrandsNothing() {
        LeasedRateLimiter limiter = container();
        RateLimitPolicy policy = RateLimitPolicy.perSecond(5000);
        for (int i = 0; i < 30; i++) { // one event every 100 ms: 10 eps
            assertTrue(limiter.decide(source, policy, 1).allowed());
            FIXTURE.clock.advance(Duration.ofMillis(100));
        }
        LeasedRateLimiter.Stats stats = limiter.stats();
        assertEquals(0, stats.tokensExpired());
        assertTrue(stats.tokensLeased() <= 30 + 5, "leased " + stats.tokensLeased());
        assertTrue(stats.grants() <= 7, "grants " + stats.grants());
    }

    @Test
    void unusedLeasedTokensExpireWithTheLeaseAndAreCounted() {
        LeasedRateLimiter limiter = container();
        RateLimitPolicy policy = RateLimitPolicy.perSecond(5000);
        for (int i = 0; i < 50; i++) {
            assertTrue(limiter.decide(source, policy, 10).allowed());
            FIXTURE.clock.advance(Duration.ofMillis(1));
        }
        LeasedRateLimiter.Stats busy = limiter.stats();
        assertTrue(busy.tokensHeld() > 0, "a lease is left over: " + busy);
        long writes = counting.calls("updateItem");

        FIXTURE.clock.advance(SETTINGS.leaseLifetime()); // past the lifetime (2 s) of every lease
        assertTrue(limiter.decide(source, policy, 1).allowed());
        LeasedRateLimiter.Stats after = limiter.stats();
        assertEquals(busy.tokensHeld(), after.tokensExpired(), "the leftover expired, not used");
        assertEquals(writes + 1, counting.calls("updateItem"), "an expired lease is not used: a new grant");
        assertEquals(after.tokensLeased(), after.tokensAccepted() + after.tokensExpired() + after.tokensHeld());
    }

    @Test
    void aRefundGivesBackTokensToUnexpiredLeasesOnlyAndNeverMoreThanTheyGaveOut() {
        RateLimitPolicy policy = new RateLimitPolicy(1, 2); // one lease of 2 tokens, then empty for a second
        LeasedRateLimiter limiter = container();
        assertTrue(limiter.decide(source, policy, 2).allowed());
        assertFalse(limiter.decide(source, policy, 2).allowed(), "spent");
        assertEquals(2, limiter.refund(source, 2), "the write failed: the tokens come back");
        assertTrue(limiter.decide(source, policy, 2).allowed(), "the retry fits in the same lease");
        assertEquals(2, limiter.refund(source, 5), "never more than the lease gave out");
        assertEquals(0, limiter.refund("another-source", 2), "nothing for a source never decided");
        assertTrue(limiter.decide(source, policy, 2).allowed());

        FIXTURE.clock.advance(SETTINGS.leaseLifetime()); // the lease expires: its tokens stay spent
        assertEquals(0, limiter.refund(source, 2));
        LeasedRateLimiter.Stats stats = limiter.stats();
        assertEquals(stats.tokensLeased(), stats.tokensAccepted() + stats.tokensExpired() + stats.tokensHeld(),
                "refunds keep the accounting identity: " + stats);
    }

    @Test
    void aRequestThatDoesNotFitIsRefusedWholeWithRetryAfterFromTheSharedDeficit() {
        RateLimitPolicy policy = new RateLimitPolicy(2, 10); // 500 ms per token
        LeasedRateLimiter first = container();
        LeasedRateLimiter second = container();
        assertTrue(first.decide(source, policy, 10).allowed()); // empties the shared bucket: full again in 5 s

        RateLimitDecision refused = second.decide(source, policy, 7);
        assertFalse(refused.allowed());
        assertEquals(7, refused.refused());
        assertEquals(4, refused.retryAfterSeconds()); // 7 tokens × 0.5 s = 3.5 s, rounded up
        assertEquals(0, refused.remaining());
        assertEquals(5, refused.resetSeconds());
        assertEquals("4", refused.headers().get("Retry-After"));
        assertEquals(0, second.stats().tokensLeased(), "nothing taken for a refused request");
        assertEquals(1, second.stats().denials());
        long writes = counting.calls("updateItem");

        FIXTURE.clock.advance(Duration.ofSeconds(1));
        RateLimitDecision stillShort = second.decide(source, policy, 7);
        assertEquals(3, stillShort.retryAfterSeconds()); // 2.5 s left
        assertEquals(writes, counting.calls("updateItem"), "no write while the grant cannot fit");

        FIXTURE.clock.advance(Duration.ofMillis(1500)); // the grant fits the horizon: reserved, starts in 1 s
        RateLimitDecision reserved = second.decide(source, policy, 7);
        assertFalse(reserved.allowed());
        assertEquals(1, reserved.retryAfterSeconds());
        assertEquals(7, second.stats().tokensLeased());

        FIXTURE.clock.advance(Duration.ofMillis(999));
        assertFalse(second.decide(source, policy, 7).allowed());
        FIXTURE.clock.advance(Duration.ofMillis(1));
        RateLimitDecision allowed = second.decide(source, policy, 7);
        assertTrue(allowed.allowed());
        assertEquals(0, allowed.retryAfterSeconds());
        assertEquals(0, allowed.remaining());
        assertEquals(7, second.stats().tokensAccepted());
        assertFalse(allowed.headers().containsKey("Retry-After"));
    }

    @Test
    void aBatchBiggerThanTheChunkBorrowsExactlyWhatItNeedsInOneWritePerShardItSpans() {
        LeasedRateLimiter limiter = container();
        RateLimitPolicy policy = RateLimitPolicy.perSecond(5000); // chunks of at most 200; 10 shards of 500
        assertTrue(limiter.decide(source, policy, 1).allowed());
        long leased = limiter.stats().tokensLeased();
        long held = limiter.stats().tokensHeld();
        long writes = counting.calls("updateItem");
        RateLimitDecision batch = limiter.decide(source, policy, 1000);
        assertTrue(batch.allowed());
        assertEquals(writes + 2, counting.calls("updateItem"), "1,000 tokens: two shards' bursts of 500");
        assertEquals(leased + 1000, limiter.stats().tokensLeased());
        assertEquals(held, limiter.stats().tokensHeld(), "the batch used its own grant whole, the lease is intact");
        assertEquals(5000 - 1000 - leased + held, batch.remaining()); // the shared bucket plus this lease
    }

    @Test
    void aBatchLargerThanTheBurstIsRefusedWithoutTouchingTheTable() {
        LeasedRateLimiter limiter = container();
        RateLimitDecision refused = limiter.decide(source, new RateLimitPolicy(10, 20), 21);
        assertFalse(refused.allowed());
        assertTrue(refused.exceedsBurst());
        assertTrue(refused.retryAfterSeconds() >= 1);
        assertEquals(0, counting.calls("updateItem"));
    }

    @Test
    void twoContainersShareOneLimitThroughTheTable() {
        RateLimitPolicy policy = new RateLimitPolicy(100, 100);
        LeasedRateLimiter a = container();
        LeasedRateLimiter b = container();
        long accepted = 0;
        for (int tick = 0; tick < 500; tick++) { // 5 s; each container asks 5 events every 10 ms: 10x the limit
            for (LeasedRateLimiter container : new LeasedRateLimiter[] {a, b}) {
                if (container.decide(source, policy, 5).allowed()) {
                    accepted += 5;
                }
            }
            FIXTURE.clock.advance(Duration.ofMillis(10));
        }
        long bound = 100 * 5 + 100 + LeasedRateLimiter.Settings.DEFAULTS.slack(policy); // rate×T + burst + slack
        assertTrue(accepted <= bound, "accepted " + accepted + " > " + bound);
        assertTrue(accepted >= 0.95 * 100 * 5, "accepted " + accepted);
        assertTrue(a.stats().tokensAccepted() > 100 && b.stats().tokensAccepted() > 100, "both get a share");
        assertEquals(accepted, a.stats().tokensAccepted() + b.stats().tokensAccepted());
    }

    @Test
    void decideFallsBackToAPerContainerBucket_withInjectedDynamoDbFault() {
        LeasedRateLimiter limiter = container();
        RateLimitPolicy policy = new RateLimitPolicy(100, 100);
        counting.failWith(ProvisionedThroughputExceededException.builder().message("Throughput exceeds the limit")
                .statusCode(400).build(), "updateItem");

        RateLimitDecision first = limiter.decide(source, policy, 60);
        assertTrue(first.allowed());
        assertTrue(first.degraded());
        RateLimitDecision second = limiter.decide(source, policy, 60); // the local bucket holds 40 now
        assertFalse(second.allowed());
        assertTrue(second.degraded());
        assertEquals(1, second.retryAfterSeconds()); // 20 tokens short at 100 eps
        assertEquals(60, second.refused());
        assertEquals(2, limiter.fallbacks());
        assertEquals(1, limiter.stats().storeFailures());
        assertEquals(1, counting.calls("updateItem"), "no call to a failing table within the fallback period");

        FIXTURE.clock.advance(Duration.ofSeconds(1)); // the period ends: the table is tried again, fails again
        counting.failWith(SdkClientException.create("Unable to execute HTTP request: Read timed out"), "updateItem");
        assertTrue(limiter.decide(source, policy, 30).degraded());
        assertEquals(2, limiter.stats().storeFailures());
        assertEquals(2, counting.calls("updateItem"));

        counting.heal();
        FIXTURE.clock.advance(Duration.ofSeconds(1));
        RateLimitDecision healed = limiter.decide(source, policy, 30);
        assertTrue(healed.allowed());
        assertFalse(healed.degraded());
        assertEquals(3, limiter.fallbacks(), "decisions from the shared bucket are not fallbacks");
        assertTrue(store.fullAt(LeasedRateLimiter.bucketKey(source)).isPresent());
    }

    @Test
    void aLeaseAlreadyHeldKeepsServingWhenTheTableFails() {
        LeasedRateLimiter limiter = container();
        RateLimitPolicy policy = RateLimitPolicy.perSecond(5000);
        for (int i = 0; i < 20; i++) { // busy enough for full chunks
            limiter.decide(source, policy, 10);
            FIXTURE.clock.advance(Duration.ofMillis(2));
        }
        long held = limiter.stats().tokensHeld();
        assertTrue(held >= 1, "holds a lease");
        counting.failWith(ProvisionedThroughputExceededException.builder().message("throttled").build(),
                "updateItem");
        RateLimitDecision fromLease = limiter.decide(source, policy, 1);
        assertTrue(fromLease.allowed());
        assertFalse(fromLease.degraded());
        assertEquals(0, limiter.fallbacks());
        counting.heal();
    }

    @Test
    void theBucketItemIsOnlyEverChangedByGrantsItsFullAtAddsUpExactly() {
        RateLimitPolicy policy = RateLimitPolicy.perSecond(400); // 2,500,000 ns per token, exactly; one shard
        LeasedRateLimiter limiter = container();
        long start = TokenBucket.epochNanos(FIXTURE.clock.instant());
        for (int i = 0; i < 100; i++) {
            limiter.decide(source, policy, 3);
            FIXTURE.clock.advance(Duration.ofNanos(100_000));
        }
        OptionalLong fullAt = store.fullAt(LeasedRateLimiter.bucketKey(source));
        assertEquals(1, LeasedRateLimiter.shards(policy));
        assertEquals(OptionalLong.of(start + 2_500_000 * limiter.stats().tokensLeased()), fullAt);
    }

    @Test
    void theShardCountIsBoundedFromTheRateAndTheShardsAddUpToThePolicyExactly() {
        assertEquals(1, LeasedRateLimiter.shards(RateLimitPolicy.perSecond(100)));
        assertEquals(1, LeasedRateLimiter.shards(RateLimitPolicy.perSecond(999)));
        assertEquals(2, LeasedRateLimiter.shards(RateLimitPolicy.perSecond(1000)));
        assertEquals(10, LeasedRateLimiter.shards(RateLimitPolicy.perSecond(5000)));
        assertEquals(10, LeasedRateLimiter.shards(RateLimitPolicy.perSecond(100_000)));
        assertEquals(1, LeasedRateLimiter.shards(new RateLimitPolicy(5000, 100)), "a small burst is not split");
        for (RateLimitPolicy policy : new RateLimitPolicy[] {RateLimitPolicy.perSecond(5000),
                new RateLimitPolicy(5003, 7001), new RateLimitPolicy(1999, 1000), RateLimitPolicy.perSecond(10)}) {
            int shards = LeasedRateLimiter.shards(policy);
            long rate = 0;
            long burst = 0;
            for (int k = 0; k < shards; k++) {
                RateLimitPolicy shard = LeasedRateLimiter.shardPolicy(policy, k);
                assertTrue(shard.eventsPerSecond() >= 500 || shards == 1, shard.toString());
                rate += shard.eventsPerSecond();
                burst += shard.burst();
            }
            assertEquals(policy.eventsPerSecond(), rate, policy.toString());
            assertEquals(policy.burst(), burst, policy.toString());
        }
        assertEquals("source#s", LeasedRateLimiter.bucketKey("s", 0));
        assertEquals("source#s#7", LeasedRateLimiter.bucketKey("s", 7));
    }

    @Test
    void aContainerTakesTokensFromAnotherShardBeforeQueueingOnAnEmptyOne() {
        RateLimitPolicy policy = RateLimitPolicy.perSecond(1000); // two shards of 500 eps, 500 burst
        assertEquals(2, LeasedRateLimiter.shards(policy));
        // Another container empties shard 0 and reserves it up to the horizon: 500 + 500 tokens.
        String emptied = LeasedRateLimiter.bucketKey(source, 0);
        long now = TokenBucket.epochNanos(FIXTURE.clock.instant());
        RateLimitPolicy shard = LeasedRateLimiter.shardPolicy(policy, 0);
        store.takeFromFull(emptied, now, shard.nanosFor(500), shard, 4102444800L);
        store.takeFromPartial(emptied, now, shard.nanosFor(500), now + 2 * shard.burstNanos(), shard, 4102444800L);
        OptionalLong reserved = store.fullAt(emptied);

        LeasedRateLimiter limiter = container();
        for (int i = 0; i < 20; i++) { // whichever shard it tries first, every request is served now
            RateLimitDecision decision = limiter.decide(source, policy, 10);
            assertTrue(decision.allowed(), "request " + i + ": " + decision);
            FIXTURE.clock.advance(Duration.ofMillis(10));
        }
        assertEquals(reserved, store.fullAt(emptied), "nothing queued on the empty shard");
        assertTrue(store.fullAt(LeasedRateLimiter.bucketKey(source, 1)).isPresent());
        assertEquals(0, limiter.stats().denials(), "no reservation asked of the empty shard");
    }

    @Test
    void twoHundredThinContainersSpreadTheirWritesOverTheShardKeys() {
        // 200 containers of one 5,000 eps source, each asked 40 eps (8,000 eps in all: 1.6x the limit), cold-starting
        // together. On one key this would be over 400 writes per second; on the source's ten shard keys, at most 100.
        RateLimitPolicy policy = RateLimitPolicy.perSecond(5000);
        KeyCountingStore counted = new KeyCountingStore(store);
        java.util.List<LeasedRateLimiter> containers = new java.util.ArrayList<>();
        for (int c = 0; c < 200; c++) {
            containers.add(new LeasedRateLimiter(counted, FIXTURE.clock, SETTINGS));
        }
        java.util.Random random = new java.util.Random(7);
        long accepted = 0;
        for (int tick = 0; tick < 300; tick++) { // 3 s of 10 ms ticks; each container asks 10 events every 250 ms
            for (int c = 0; c < containers.size(); c++) {
                if ((tick + c) % 25 == 0 && containers.get(c).decide(source, policy, 5 + random.nextInt(11))
                        .allowed()) {
                    accepted++;
                }
            }
            FIXTURE.clock.advance(Duration.ofMillis(10));
            counted.tick(TokenBucket.epochNanos(FIXTURE.clock.instant()));
        }
        assertEquals(10, counted.keys(), "every shard key is used");
        assertTrue(counted.maxPerKeyPerSecond() <= 100, "hottest key: " + counted.maxPerKeyPerSecond() + "/s");
        assertTrue(counted.total() > 300, "the writes are spread, not avoided: " + counted.total());
        assertTrue(accepted > 0);
    }

    /** Counts the store's writes per key and per (virtual) second. */
    private static final class KeyCountingStore implements SharedBucketStore {
        private final SharedBucketStore delegate;
        private final java.util.Map<String, Long> thisSecond = new java.util.HashMap<>();
        private final java.util.Set<String> keys = new java.util.HashSet<>();
        private long secondStart = Long.MIN_VALUE;
        private long max;
        private long total;

        KeyCountingStore(SharedBucketStore delegate) {
            this.delegate = delegate;
        }

        private void count(String key) {
            keys.add(key);
            total++;
            max = Math.max(max, thisSecond.merge(key, 1L, Long::sum));
        }

        void tick(long now) {
            if (secondStart == Long.MIN_VALUE) {
                secondStart = now;
            }
            if (now - secondStart >= 1_000_000_000L) {
                thisSecond.clear();
                secondStart = now;
            }
        }

        int keys() {
            return keys.size();
        }

        long maxPerKeyPerSecond() {
            return max;
        }

        long total() {
            return total;
        }

        @Override
        public Attempt takeFromFull(String bucketKey, long now, long cost, RateLimitPolicy policy, long purgeAt) {
            count(bucketKey);
            return delegate.takeFromFull(bucketKey, now, cost, policy, purgeAt);
        }

        @Override
        public Attempt takeFromPartial(String bucketKey, long now, long cost, long latest, RateLimitPolicy policy,
                                       long purgeAt) {
            count(bucketKey);
            return delegate.takeFromPartial(bucketKey, now, cost, latest, policy, purgeAt);
        }
    }

    @Test
    void threadsSharingOneLimiterFarBelowTheLimitAreNeverRefused() throws Exception {
        // The local runtime shares one container's limiter across request threads. A request that waited for the
        // source's lock must not look older than a lease another thread just took (a false 429).
        LeasedRateLimiter shared = new LeasedRateLimiter(store, java.time.Clock.systemUTC(), SETTINGS);
        RateLimitPolicy policy = RateLimitPolicy.of(1_000, 0);
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 25; i++) {
                    if (!shared.decide("src_shared_threads", policy, 1).allowed()) {
                        refused.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(0, refused.get(), "200 events in well under a second against a 1,000-event burst");
    }
}
