package dev.inlet.common.ratelimit;

import dev.inlet.common.testing.AdminFixture;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The rate-limit benchmark (run by {@code scripts/bench-rate-limit}): one source configured at 5,000 eps, N simulated
 * Lambda containers (threads, each with its own {@link LeasedRateLimiter}, deciding one request at a time) offering
 * more than the limit, real time, DynamoDB Local in-process. Prints the configured rate, accepted and refused eps,
 * DynamoDB writes per second on the hottest rate-limit key, and the worst and best 10 s windows against the bound;
 * exits 1 if the bound or the 100 writes/s target fails.
 *
 * <p>Arguments (all optional): {@code --containers 8 --seconds 32 --eps 5000 --burst 0 --demand 1.6}
 * ({@code --demand}: offered load as a multiple of the rate; {@code --burst 0}: one second of rate).
 */
public final class RateLimitBenchmark {

    private static final long SLOT_NANOS = 10_000_000L; // 10 ms slots for the window analysis
    private static final int MAX_WRITES_PER_SECOND = 100;
    private static final int MIN_EVENTS = 1;
    private static final int MAX_EVENTS = 20;

    private RateLimitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int containers = 8;
        int seconds = 32;
        int eps = 5000;
        int burst = 0;
        double demand = 1.6;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--containers" -> containers = Integer.parseInt(value);
                case "--seconds" -> seconds = Integer.parseInt(value);
                case "--eps" -> eps = Integer.parseInt(value);
                case "--burst" -> burst = Integer.parseInt(value);
                case "--demand" -> demand = Double.parseDouble(value);
                default -> {
                    System.err.println("unknown argument " + args[i]
                            + "; use --containers N --seconds S --eps R --burst B --demand X");
                    System.exit(2);
                }
            }
            i++;
        }
        if (containers < 1 || seconds < 11 || demand <= 0) {
            System.err.println("need --containers >= 1, --seconds >= 11 (a 10 s window), --demand > 0");
            System.exit(2);
        }
        boolean passed = run(containers, seconds, RateLimitPolicy.of(eps, burst), demand);
        System.out.flush();
        System.exit(passed ? 0 : 1); // exec:java would otherwise wait for DynamoDB Local's threads
    }

    static boolean run(int containerCount, int seconds, RateLimitPolicy policy, double demandFactor)
            throws InterruptedException {
        AdminFixture fixture = new AdminFixture(RateLimitBenchmark.class); // DynamoDB Local, template's tables
        WriteCounter writes = new WriteCounter(fixture.dynamo);
        RateLimitStore store = new RateLimitStore(writes.client(), fixture.table("RateLimitsTable"));
        RecordingClock clock = new RecordingClock(Clock.systemUTC());
        LeasedRateLimiter.Settings settings = LeasedRateLimiter.Settings.DEFAULTS;
        String source = "src_bench";
        double perContainerEps = policy.eventsPerSecond() * demandFactor / containerCount;

        int slots = (int) (seconds * 1_000_000_000L / SLOT_NANOS);
        AtomicLongArray accepted = new AtomicLongArray(slots);
        AtomicLongArray refused = new AtomicLongArray(slots);
        AtomicLong requests = new AtomicLong();
        AtomicLong refusals = new AtomicLong();
        AtomicLong retryAfterMax = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<LeasedRateLimiter> limiters = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();

        long start = TokenBucket.epochNanos(clock.instant()) + 200_000_000L; // all threads start together
        writes.startAt(start);
        long end = start + seconds * 1_000_000_000L;
        for (int c = 0; c < containerCount; c++) {
            LeasedRateLimiter limiter = new LeasedRateLimiter(store, clock, settings);
            limiters.add(limiter);
            Random random = new Random(1000 + c);
            Thread thread = new Thread(() -> {
                try {
                    // Open loop: a request of n events every n / perContainerEps seconds, one at a time.
                    double next = start + random.nextDouble() * 10_000_000; // spread the containers' phases
                    while (true) {
                        long now = TokenBucket.epochNanos(clock.instant());
                        if (now >= end) {
                            return;
                        }
                        if (now < next) {
                            LockSupport.parkNanos((long) Math.min(next - now, 50_000_000));
                            continue;
                        }
                        if (now - next > 100_000_000) {
                            next = now; // do not make up for a long pause (GC, scheduling) in one burst
                        }
                        int events = MIN_EVENTS + random.nextInt(MAX_EVENTS - MIN_EVENTS + 1);
                        RateLimitDecision decision = limiter.decide(source, policy, events);
                        long decidedAt = clock.lastRead();
                        int slot = (int) Math.min(slots - 1, Math.max(0, (decidedAt - start) / SLOT_NANOS));
                        requests.incrementAndGet();
                        if (decision.allowed()) {
                            accepted.addAndGet(slot, events);
                        } else {
                            if (decision.refused() != events || decision.retryAfterSeconds() < 1
                                    || !decision.headers().containsKey("Retry-After")) {
                                throw new AssertionError("a refusal is whole and has a Retry-After: " + decision);
                            }
                            refused.addAndGet(slot, events);
                            refusals.incrementAndGet();
                            retryAfterMax.accumulateAndGet(decision.retryAfterSeconds(), Math::max);
                        }
                        next += events * 1e9 / perContainerEps;
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "container-" + c);
            threads.add(thread);
        }
        System.out.printf(Locale.ROOT, "Rate-limit benchmark: %d simulated containers (threads, one LeasedRateLimiter "
                        + "each, one request at a time), %d s, DynamoDB Local in-process%n", containerCount, seconds);
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join(Math.max(1, (end - TokenBucket.epochNanos(Instant.now())) / 1_000_000) + 30_000);
            if (thread.isAlive()) {
                throw new IllegalStateException(thread.getName() + " did not stop");
            }
        }
        if (failure.get() != null) {
            System.out.println("FAILED: " + failure.get());
            failure.get().printStackTrace(System.out);
            return false;
        }

        long[] acceptedPrefix = prefix(accepted);
        long[] refusedPrefix = prefix(refused);
        long acceptedTotal = acceptedPrefix[slots];
        long refusedTotal = refusedPrefix[slots];
        int window = (int) (10_000_000_000L / SLOT_NANOS);
        long worst = -1;
        int worstAt = 0;
        long best = Long.MAX_VALUE;
        int bestAt = 0;
        long rate = policy.eventsPerSecond();
        // The floor applies to demand above the limit (issue 4): in a window where the harness offered less than
        // rate x 10 (threads on a small machine fall behind at --demand 1.0), it is 95 % of what was offered.
        long worstShortfall = Long.MIN_VALUE;
        int shortAt = 0;
        long shortOffered = 0;
        for (int from = 0; from + window <= slots; from++) {
            long sum = acceptedPrefix[from + window] - acceptedPrefix[from];
            long offered = sum + refusedPrefix[from + window] - refusedPrefix[from];
            if (sum > worst) {
                worst = sum;
                worstAt = from;
            }
            if (sum < best) {
                best = sum;
                bestAt = from;
            }
            long shortfall = (long) Math.ceil(0.95 * Math.min(rate * 10, offered)) - sum;
            if (shortfall > worstShortfall) {
                worstShortfall = shortfall;
                shortAt = from;
                shortOffered = offered;
            }
        }
        long slack = settings.slack(policy);
        long upper = rate * 10 + policy.burst() + slack;
        long lower = (long) Math.ceil(0.95 * rate * 10);
        long shortAccepted = acceptedPrefix[shortAt + window] - acceptedPrefix[shortAt];

        WriteCounter.Hottest hottest = writes.hottest(seconds);
        LeasedRateLimiter.Stats total = limiters.stream().map(LeasedRateLimiter::stats).reduce(RateLimitBenchmark::sum)
                .orElseThrow();

        boolean boundHolds = worst <= upper && worstShortfall <= 0;
        boolean writesHold = hottest.maxPerSecond() <= MAX_WRITES_PER_SECOND;
        System.out.printf(Locale.ROOT, "configured rate        : %,d eps, burst %,d events; lease lifetime %d ms, "
                        + "chunk <= %d events ((rate + burst) / %d)%n", rate, policy.burst(), settings.leaseLifetime().toMillis(),
                settings.maxChunk(policy), settings.maxGrantsPerSecond());
        System.out.printf(Locale.ROOT, "offered demand         : %,.0f eps (%.1fx the rate): %,d requests of %d-%d "
                        + "events%n", (acceptedTotal + refusedTotal) / (double) seconds, demandFactor, requests.get(),
                MIN_EVENTS, MAX_EVENTS);
        System.out.printf(Locale.ROOT, "accepted               : %,.0f eps (%,d events in %d s)%n",
                acceptedTotal / (double) seconds, acceptedTotal, seconds);
        System.out.printf(Locale.ROOT, "refused                : %,.0f eps (%,d events in %,d refused requests, "
                        + "Retry-After <= %d s)%n", refusedTotal / (double) seconds, refusedTotal, refusals.get(),
                retryAfterMax.get());
        System.out.printf(Locale.ROOT, "DynamoDB writes        : hottest rate-limit key %s: max %d/s, mean %.1f/s "
                        + "(target <= %d/s) %s; %,d UpdateItem on %d key(s) in all%n", hottest.key(),
                hottest.maxPerSecond(), hottest.meanPerSecond(), MAX_WRITES_PER_SECOND, writesHold ? "ok" : "FAILED",
                writes.total(), writes.keys());
        System.out.println("writes per second      : " + hottest.perSecond());
        System.out.printf(Locale.ROOT, "worst 10 s window      : %,d events at +%.2f s <= bound %,d = rate x 10 + burst "
                        + "+ slack (slack = rate x lease lifetime = %,d) %s%n", worst, worstAt * SLOT_NANOS / 1e9,
                upper, slack, worst <= upper ? "ok" : "FAILED");
        System.out.printf(Locale.ROOT, "best 10 s window       : %,d events at +%.2f s %s %,d = 95 %% of rate x 10%s%n",
                best, bestAt * SLOT_NANOS / 1e9, best >= lower ? ">=" : "<", lower,
                best >= lower ? " ok" : " (offered less: see the next line)");
        System.out.printf(Locale.ROOT, "floor, 95 %% of min(rate x 10, offered): tightest window at +%.2f s: %,d "
                        + "accepted of %,d offered >= %,d %s%n", shortAt * SLOT_NANOS / 1e9, shortAccepted,
                shortOffered, shortAccepted + worstShortfall, worstShortfall <= 0 ? "ok" : "FAILED");
        System.out.printf(Locale.ROOT, "leases                 : %,d grants (%,d conditional writes, %,d denied past "
                        + "the horizon), %,d tokens leased, %,d expired unused (%.2f %%), %,d fallback decisions%n",
                total.grants(), total.storeWrites(), total.denials(), total.tokensLeased(), total.tokensExpired(),
                100.0 * total.tokensExpired() / Math.max(1, total.tokensLeased()), total.fallbackDecisions());
        System.out.println("result                 : " + (boundHolds && writesHold ? "PASS" : "FAIL"));
        return boundHolds && writesHold;
    }

    private static LeasedRateLimiter.Stats sum(LeasedRateLimiter.Stats a, LeasedRateLimiter.Stats b) {
        return new LeasedRateLimiter.Stats(a.storeWrites() + b.storeWrites(), a.grants() + b.grants(),
                a.tokensLeased() + b.tokensLeased(), a.tokensAccepted() + b.tokensAccepted(),
                a.tokensExpired() + b.tokensExpired(), a.tokensHeld() + b.tokensHeld(), a.denials() + b.denials(),
                a.storeFailures() + b.storeFailures(), a.fallbackDecisions() + b.fallbackDecisions(),
                a.fallbackAccepted() + b.fallbackAccepted());
    }

    private static long[] prefix(AtomicLongArray values) {
        long[] prefix = new long[values.length() + 1];
        for (int i = 0; i < values.length(); i++) {
            prefix[i + 1] = prefix[i] + values.get(i);
        }
        return prefix;
    }

    /** A clock that remembers, per thread, the instant it last returned (the limiter reads it once per decision). */
    static final class RecordingClock extends Clock {
        private final Clock delegate;
        private final ThreadLocal<long[]> last = ThreadLocal.withInitial(() -> new long[1]);

        RecordingClock(Clock delegate) {
            this.delegate = delegate;
        }

        @Override
        public Instant instant() {
            Instant now = delegate.instant();
            last.get()[0] = TokenBucket.epochNanos(now);
            return now;
        }

        long lastRead() {
            return last.get()[0];
        }

        @Override
        public ZoneId getZone() {
            return delegate.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** Counts the writes (UpdateItem, PutItem, DeleteItem) per bucket_key and per second of the run. */
    static final class WriteCounter {
        record Hottest(String key, long maxPerSecond, double meanPerSecond, List<Long> perSecond) {
        }

        private final Map<String, Map<Long, AtomicLong>> perKeyPerSecond = new ConcurrentHashMap<>();
        private final AtomicLong total = new AtomicLong();
        private final DynamoDbClient client;
        private volatile long start;

        WriteCounter(DynamoDbClient delegate) {
            this.client = (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                    new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
                        Object[] arguments = args;
                        if (method.getName().equals("updateItem") && args != null && args.length == 1) {
                            UpdateItemRequest request = args[0] instanceof UpdateItemRequest r ? r
                                    : build((Consumer<?>) args[0]);
                            count(request.key());
                            return delegate.updateItem(request);
                        }
                        if (method.getName().equals("putItem") || method.getName().equals("deleteItem")) {
                            throw new IllegalStateException("the limiter only ever uses UpdateItem");
                        }
                        try {
                            return method.invoke(delegate, arguments);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @SuppressWarnings("unchecked")
        private static UpdateItemRequest build(Consumer<?> consumer) {
            UpdateItemRequest.Builder builder = UpdateItemRequest.builder();
            ((Consumer<UpdateItemRequest.Builder>) consumer).accept(builder);
            return builder.build();
        }

        private void count(Map<String, AttributeValue> key) {
            long second = Math.floorDiv(TokenBucket.epochNanos(Instant.now()) - start, 1_000_000_000L);
            perKeyPerSecond.computeIfAbsent(key.get(RateLimitStore.KEY_ATTRIBUTE).s(), k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(second, s -> new AtomicLong()).incrementAndGet();
            total.incrementAndGet();
        }

        DynamoDbClient client() {
            return client;
        }

        void startAt(long startNanos) {
            start = startNanos;
        }

        long total() {
            return total.get();
        }

        int keys() {
            return perKeyPerSecond.size();
        }

        Hottest hottest(int seconds) {
            Hottest hottest = new Hottest("(none)", 0, 0, List.of());
            for (Map.Entry<String, Map<Long, AtomicLong>> entry : perKeyPerSecond.entrySet()) {
                long max = 0;
                long sum = 0;
                for (AtomicLong count : entry.getValue().values()) {
                    max = Math.max(max, count.get());
                    sum += count.get();
                }
                if (max > hottest.maxPerSecond()) {
                    List<Long> perSecond = new ArrayList<>();
                    for (long second = 0; second < seconds; second++) {
                        AtomicLong count = entry.getValue().get(second);
                        perSecond.add(count == null ? 0 : count.get());
                    }
                    hottest = new Hottest(entry.getKey(), max, sum / (double) seconds, perSecond);
                }
            }
            return hottest;
        }
    }
}
