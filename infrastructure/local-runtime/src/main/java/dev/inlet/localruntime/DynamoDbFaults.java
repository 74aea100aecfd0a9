package dev.inlet.localruntime;

import java.net.URI;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;

/**
 * The DynamoDB faults one local runtime injects into its functions' calls: what DynamoDB Local cannot be made to do
 * (throttle, fail with a 500, stall past a call's timeout, leave batch items unprocessed), done by
 * {@link DynamoDbFaultInjector} on every SDK client of the JVM whose endpoint is this runtime's DynamoDB. Empty (no
 * rule) unless a test adds rules or the runtime was started with a fault rate
 * ({@code --inject-dynamodb-faults RATE}, {@code INLET_INJECT_DYNAMODB_FAULTS}).
 *
 * <p>A rule is checked per attempt (the SDK's own retries each roll again) for {@link Kind#THROTTLING},
 * {@link Kind#INTERNAL_ERROR} and {@link Kind#TIMEOUT}, and per BatchWriteItem call for
 * {@link Kind#UNPROCESSED_ITEMS}. Thread-safe.
 */
public final class DynamoDbFaults {

    /** What DynamoDB does wrong. */
    public enum Kind {
        /** 400 {@code ProvisionedThroughputExceededException}; the request never reaches the table. */
        THROTTLING,
        /** 500 {@code InternalServerError} in place of the answer; the request did reach the table (as it may). */
        INTERNAL_ERROR,
        /** The answer is held back past the call's timeout; the request did reach the table (as it may). */
        TIMEOUT,
        /** BatchWriteItem leaves a random part of its items unwritten and returns them as UnprocessedItems. */
        UNPROCESSED_ITEMS;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One DynamoDB call as a rule sees it: the function making it (if any), the operation, the table. */
    public record Call(Optional<String> function, String operation, String table, DynamoDbRequest request) {
    }

    /** Faults {@code kind} with {@code probability} on the calls {@code applies} accepts, at most {@code limit} times. */
    public static final class Rule {
        private final Kind kind;
        private final double probability;
        private final Predicate<Call> applies;
        private final AtomicLong remaining;

        private Rule(Kind kind, double probability, Predicate<Call> applies, long limit) {
            if (!(probability >= 0 && probability <= 1)) {
                throw new IllegalArgumentException("a fault probability is from 0 to 1, not " + probability);
            }
            this.kind = Objects.requireNonNull(kind, "kind");
            this.probability = probability;
            this.applies = Objects.requireNonNull(applies, "applies");
            this.remaining = new AtomicLong(limit);
        }

        public Kind kind() {
            return kind;
        }

        boolean fires(Call call) {
            if (!applies.test(call) || (probability < 1 && ThreadLocalRandom.current().nextDouble() >= probability)) {
                return false;
            }
            return remaining.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0;
        }
    }

    /** Every call {@code applies} accepts. */
    public static Rule always(Kind kind, Predicate<Call> applies) {
        return new Rule(kind, 1, applies, Long.MAX_VALUE);
    }

    /** The first {@code times} calls {@code applies} accepts, then none: a transient fault. */
    public static Rule times(long times, Kind kind, Predicate<Call> applies) {
        return new Rule(kind, 1, applies, times);
    }

    /** Each call {@code applies} accepts with {@code probability}. */
    public static Rule randomly(double probability, Kind kind, Predicate<Call> applies) {
        return new Rule(kind, probability, applies, Long.MAX_VALUE);
    }

    private static final Map<String, DynamoDbFaults> BY_ENDPOINT = new ConcurrentHashMap<>();

    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<Kind, LongAdder> injected = new EnumMap<>(Kind.class);
    private final Map<String, LongAdder> injectedByOperation = new ConcurrentHashMap<>();

    public DynamoDbFaults() {
        for (Kind kind : Kind.values()) {
            injected.put(kind, new LongAdder());
        }
    }

    /**
     * The ingestion path's random faults, as {@code scripts/soak} and {@code INLET_INJECT_DYNAMODB_FAULTS} use them:
     * each attempt of a call by {@code function} on one of {@code tables} fails with probability {@code rate}
     * (throttling, a 500 or a timeout, evenly), and each of its BatchWriteItem calls leaves items unprocessed with
     * probability {@code rate}.
     */
    public DynamoDbFaults injectRandomly(double rate, String function, Set<String> tables) {
        Predicate<Call> ingestionPath = call -> call.function().filter(function::equals).isPresent()
                && tables.contains(call.table());
        add(randomly(rate / 3, Kind.THROTTLING, ingestionPath));
        add(randomly(rate / 3, Kind.INTERNAL_ERROR, ingestionPath));
        add(randomly(rate / 3, Kind.TIMEOUT, ingestionPath));
        add(randomly(rate, Kind.UNPROCESSED_ITEMS, ingestionPath));
        return this;
    }

    public Rule add(Rule rule) {
        rules.add(Objects.requireNonNull(rule, "rule"));
        return rule;
    }

    public void remove(Rule rule) {
        rules.remove(rule);
    }

    /** No more faults from now on (counts are kept). */
    public void clear() {
        rules.clear();
    }

    public boolean active() {
        return !rules.isEmpty();
    }

    /** Faults injected so far, by kind (every kind present). */
    public Map<Kind, Long> injected() {
        Map<Kind, Long> counts = new EnumMap<>(Kind.class);
        injected.forEach((kind, n) -> counts.put(kind, n.sum()));
        return counts;
    }

    public long injected(Kind kind) {
        return injected.get(kind).sum();
    }

    /** Faults injected so far by "Operation kind", e.g. {@code "PutItem throttling"}. */
    public Map<String, Long> injectedByOperation() {
        Map<String, Long> counts = new TreeMap<>();
        injectedByOperation.forEach((key, n) -> counts.put(key, n.sum()));
        return counts;
    }

    /** The first rule of one of {@code kinds} that fires for {@code call}, counted as injected. */
    Optional<Kind> pick(Call call, Set<Kind> kinds) {
        for (Rule rule : rules) {
            if (kinds.contains(rule.kind()) && rule.fires(call)) {
                injected.get(rule.kind()).increment();
                injectedByOperation.computeIfAbsent(call.operation() + " " + rule.kind().label(),
                        k -> new LongAdder()).increment();
                return Optional.of(rule.kind());
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------------------ registry

    /** Makes {@code faults} apply to every client whose endpoint is {@code endpoint}, until {@link #unregister}. */
    static void register(URI endpoint, DynamoDbFaults faults) {
        BY_ENDPOINT.put(key(endpoint), faults);
    }

    static void unregister(URI endpoint, DynamoDbFaults faults) {
        BY_ENDPOINT.remove(key(endpoint), faults);
    }

    static Optional<DynamoDbFaults> forEndpoint(URI endpoint) {
        if (endpoint == null || BY_ENDPOINT.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_ENDPOINT.get(key(endpoint))).filter(DynamoDbFaults::active);
    }

    private static String key(URI endpoint) {
        int port = endpoint.getPort() >= 0 ? endpoint.getPort() : "https".equals(endpoint.getScheme()) ? 443 : 80;
        String host = endpoint.getHost() == null ? "" : endpoint.getHost();
        if (host.equals("localhost") || host.equals("[::1]") || host.equals("::1")) {
            host = "127.0.0.1";
        }
        return host + ":" + port;
    }
}
