package dev.inlet.common.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.CountingDynamoDb;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Eight containers (limiter instances, each with its own leases) on eight threads, sending above the limit against
 * DynamoDB Local. Time is virtual and moves in lock-step: in each 1 ms tick every container decides one request,
 * concurrently (their conditional writes race for real), then the clock moves on. That keeps the run fast and
 * exact on a loaded 2-core machine while the store sees true concurrency.
 */
class LeasedRateLimiterConcurrencyTest {

    private static final AdminFixture FIXTURE = new AdminFixture(LeasedRateLimiterConcurrencyTest.class);
    private static final int CONTAINERS = 8;
    private static final int TICKS = 12_000; // 12 s of 1 ms
    private static final int TICKS_PER_SECOND = 1000;

    @Test
    @Timeout(60)
    void containersAboveTheLimitShareItWithinTheBoundAndNoTokenIsCountedTwiceOrLost() throws Exception {
        RateLimitPolicy policy = RateLimitPolicy.perSecond(5000); // exactly 200,000 ns per token
        LeasedRateLimiter.Settings settings = LeasedRateLimiter.Settings.DEFAULTS
                .withBucketRetention(Duration.ofDays(3650)); // the fixture clock runs behind DynamoDB Local's TTL
        CountingDynamoDb counting = new CountingDynamoDb(FIXTURE.dynamo);
        RateLimitStore store = new RateLimitStore(counting.client(), FIXTURE.table("RateLimitsTable"));
        String source = "src_concurrent";
        long start = TokenBucket.epochNanos(FIXTURE.clock.instant());
        int shards = LeasedRateLimiter.shards(policy);
        assertEquals(10, shards); // ten keys of 500 eps: exactly 2,000,000 ns per token each
        // The source was at its limit until now: every shard is empty at the start, so every grant of the run takes
        // the partial branch (full_at + cost) and the shards' full_at must add up to exactly start + burst window
        // for each shard plus the sum of all costs.
        long fullAtBefore = 0;
        for (int k = 0; k < shards; k++) {
            long fullAt = start + LeasedRateLimiter.shardPolicy(policy, k).burstNanos();
            fullAtBefore += fullAt;
            String key = LeasedRateLimiter.bucketKey(source, k);
            FIXTURE.dynamo.putItem(b -> b.tableName(FIXTURE.table("RateLimitsTable")).item(Map.of(
                    "bucket_key", AttributeValue.fromS(key),
                    "full_at", AttributeValue.fromN(Long.toString(fullAt)),
                    "purge_at", AttributeValue.fromN("4102444800"))));
        }
        // Writes counted per shard key and per second of the run (the containers pass the virtual time).
        java.util.Map<String, AtomicLongArray> writesPerKey = new java.util.concurrent.ConcurrentHashMap<>();
        SharedBucketStore counted = new SharedBucketStore() {
            private void count(String key, long now) {
                int second = (int) Math.min(TICKS / TICKS_PER_SECOND - 1, (now - start) / 1_000_000_000L);
                writesPerKey.computeIfAbsent(key, k -> new AtomicLongArray(TICKS / TICKS_PER_SECOND))
                        .incrementAndGet(second);
            }

            @Override
            public Attempt takeFromFull(String key, long now, long cost, RateLimitPolicy p, long purgeAt) {
                count(key, now);
                return store.takeFromFull(key, now, cost, p, purgeAt);
            }

            @Override
            public Attempt takeFromPartial(String key, long now, long cost, long latest, RateLimitPolicy p,
                                           long purgeAt) {
                count(key, now);
                return store.takeFromPartial(key, now, cost, latest, p, purgeAt);
            }
        };

        List<LeasedRateLimiter> containers = new ArrayList<>();
        for (int i = 0; i < CONTAINERS; i++) {
            containers.add(new LeasedRateLimiter(counted, FIXTURE.clock, settings));
        }
        AtomicLongArray accepted = new AtomicLongArray(TICKS);
        AtomicLongArray asked = new AtomicLongArray(TICKS);
        long[] writesPerSecond = new long[TICKS / TICKS_PER_SECOND];
        Phaser lockStep = new Phaser(CONTAINERS) {
            private long writesBefore;

            @Override
            protected boolean onAdvance(int phase, int parties) { // runs while every container waits
                if ((phase + 1) % TICKS_PER_SECOND == 0) {
                    long writes = counting.calls("updateItem");
                    writesPerSecond[phase / TICKS_PER_SECOND] = writes - writesBefore;
                    writesBefore = writes;
                }
                FIXTURE.clock.advance(Duration.ofMillis(1));
                return phase + 1 >= TICKS;
            }
        };
        ExecutorService threads = Executors.newFixedThreadPool(CONTAINERS);
        List<Future<?>> runs = new ArrayList<>();
        for (int i = 0; i < CONTAINERS; i++) {
            LeasedRateLimiter container = containers.get(i);
            Random random = new Random(42 + i);
            runs.add(threads.submit(() -> {
                for (int tick = lockStep.getPhase(); tick >= 0; tick = lockStep.getPhase()) {
                    int events = 1 + random.nextInt(2); // 1.5 events/ms per container: 12,000 eps, 2.4x the limit
                    asked.addAndGet(tick, events);
                    RateLimitDecision decision = container.decide(source, policy, events);
                    if (decision.allowed()) {
                        accepted.addAndGet(tick, events);
                    } else if (decision.refused() != events || decision.retryAfterSeconds() < 1) {
                        throw new AssertionError("a refusal is whole and says when to retry: " + decision);
                    }
                    lockStep.arriveAndAwaitAdvance();
                }
                return null;
            }));
        }
        for (Future<?> run : runs) {
            run.get(50, TimeUnit.SECONDS);
        }
        threads.shutdown();

        // Accuracy: every window of W s holds at most rate×W + burst + slack (slack = rate × lease lifetime) ...
        long slack = settings.slack(policy);
        long[] prefix = prefixSums(accepted);
        for (int seconds : new int[] {1, 10}) {
            long most = maxWindow(prefix, seconds * TICKS_PER_SECOND);
            long bound = (long) policy.eventsPerSecond() * seconds + policy.burst() + slack;
            assertTrue(most <= bound, seconds + " s window: " + most + " > " + bound);
        }
        // ... and every 10 s window at least 95 % of rate×10, the demand being above the limit throughout.
        long least = minWindow(prefix, 10 * TICKS_PER_SECOND);
        assertTrue(least >= 0.95 * policy.eventsPerSecond() * 10, "worst 10 s window accepted only " + least);
        long totalAsked = prefixSums(asked)[TICKS];
        assertTrue(totalAsked > 2L * policy.eventsPerSecond() * TICKS / TICKS_PER_SECOND, "demand above the limit");

        // No token counted twice or lost: full_at moved by exactly the cost of every token any container leased,
        // and each container's leased tokens were accepted, expired, or are still held.
        long leased = 0;
        long acceptedByContainers = 0;
        long storeWrites = 0;
        for (LeasedRateLimiter container : containers) {
            LeasedRateLimiter.Stats stats = container.stats();
            assertEquals(stats.tokensLeased(), stats.tokensAccepted() + stats.tokensExpired() + stats.tokensHeld(),
                    stats.toString());
            assertEquals(0, stats.storeFailures());
            assertEquals(0, stats.fallbackDecisions());
            assertTrue(stats.tokensAccepted() > 0.05 * policy.eventsPerSecond() * 12, "each container gets a share");
            leased += stats.tokensLeased();
            acceptedByContainers += stats.tokensAccepted();
            storeWrites += stats.storeWrites();
        }
        assertEquals(prefix[TICKS], acceptedByContainers);
        long fullAtAfter = 0;
        for (int k = 0; k < shards; k++) {
            OptionalLong fullAt = store.fullAt(LeasedRateLimiter.bucketKey(source, k));
            assertTrue(fullAt.isPresent());
            fullAtAfter += fullAt.getAsLong();
        }
        assertEquals(fullAtBefore + 2_000_000L * leased, fullAtAfter);

        // Writes: at most 100 per second on any one shard key.
        assertEquals(storeWrites, counting.calls("updateItem"));
        for (var entry : writesPerKey.entrySet()) {
            for (int second = 0; second < entry.getValue().length(); second++) {
                assertTrue(entry.getValue().get(second) <= 100, entry.getKey() + ", second " + second + ": "
                        + entry.getValue().get(second) + " writes");
            }
        }
        System.out.printf("%d containers, %d eps: accepted %d of %d asked in %d s; 10 s windows %d..%d "
                        + "(bound %d..%d); writes per second %s; leased %d%n", CONTAINERS, policy.eventsPerSecond(),
                prefix[TICKS], totalAsked, TICKS / TICKS_PER_SECOND, least, maxWindow(prefix, 10 * TICKS_PER_SECOND),
                Math.round(0.95 * policy.eventsPerSecond() * 10),
                policy.eventsPerSecond() * 10L + policy.burst() + slack,
                java.util.Arrays.toString(writesPerSecond), leased);
    }

    private static long[] prefixSums(AtomicLongArray values) {
        long[] prefix = new long[values.length() + 1];
        for (int i = 0; i < values.length(); i++) {
            prefix[i + 1] = prefix[i] + values.get(i);
        }
        return prefix;
    }

    private static long maxWindow(long[] prefix, int width) {
        long most = 0;
        for (int from = 0; from + width < prefix.length; from++) {
            most = Math.max(most, prefix[from + width] - prefix[from]);
        }
        return most;
    }

    private static long minWindow(long[] prefix, int width) {
        long least = Long.MAX_VALUE;
        for (int from = 0; from + width < prefix.length; from++) {
            least = Math.min(least, prefix[from + width] - prefix[from]);
        }
        return least;
    }
}
