package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.JsonNode;

import dev.inlet.common.http.Json;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 8, part 4: the soak. Starts the local runtime (in this JVM, HTTP over loopback) with random DynamoDB faults
 * on the ingestion path ({@link LocalRuntime.Options#withDynamoDbFaultRate}), then for the run's duration drives:
 * <ul>
 *   <li>{@code producers} steady producers, each on its own source, alternating single tracks and batches of 2–20
 *       events at {@code rate} requests per second, every event with a unique messageId;</li>
 *   <li>a rotation source whose key is rotated at a third of the run (grace 1 h): its producer then alternates the
 *       old and the new key, and both must be accepted;</li>
 *   <li>a revocation source revoked at half the run: once the key-cache bound (5 s, plus 2 s of margin) has passed,
 *       none of its requests may be accepted;</li>
 *   <li>a rate-limit storm on a third source (20 eps, burst 20): four threads send batches of 5 every 20 ms from
 *       60 % to 80 % of the run (about 1,000 events/s against 20), so most get 429.</li>
 * </ul>
 * Producers behave like SDKs: a 503 (or an I/O error) is retried with the same body, hence the same messageIds,
 * after {@code Retry-After}, at most 3 times. Then it reconciles against a consistent scan of the events table:
 * every acknowledged messageId (some attempt got 200) stored exactly once, nothing refused (every attempt a 4xx)
 * stored, nothing stored that was never sent; and prints the counts. A request refused (4xx) only on a retry, after
 * a 503 or an I/O error that may have stored its events, is neither: it is counted apart, with how many of its events
 * are stored, since an earlier attempt may have stored them. Exit status 0 when all hold, 1 otherwise.
 *
 * <p>Arguments: {@code --seconds N} (default 300), {@code --fault-rate R} (0.05), {@code --producers N} (4),
 * {@code --rate R} (requests per second per producer, 4).
 */
public final class SoakDriver {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final int MAX_RETRIES = 3;
    private static final Duration KEY_CACHE_BOUND = Duration.ofSeconds(5);
    private static final Duration REVOCATION_MARGIN = Duration.ofSeconds(2);

    /** The settings of one run. */
    public record Settings(int seconds, double faultRate, int producers, double rate) {

        static Settings parse(String[] args) {
            int seconds = 300;
            double faultRate = 0.05;
            int producers = 4;
            double rate = 4;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--seconds" -> seconds = Integer.parseInt(required(args[i], value));
                    case "--fault-rate" -> faultRate = Double.parseDouble(required(args[i], value));
                    case "--producers" -> producers = Integer.parseInt(required(args[i], value));
                    case "--rate" -> rate = Double.parseDouble(required(args[i], value));
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
                i++;
            }
            if (seconds < 10 || producers < 1 || rate <= 0 || faultRate < 0 || faultRate > 1) {
                throw new IllegalArgumentException("need --seconds >= 10, --producers >= 1, --rate > 0, "
                        + "--fault-rate from 0 to 1");
            }
            return new Settings(seconds, faultRate, producers, rate);
        }

        private static String required(String name, String value) {
            if (value == null) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return value;
        }
    }

    /** What became of each messageId sent. */
    enum Fate {
        /** Some attempt was answered 200. */
        ACKNOWLEDGED,
        /** Every attempt was refused with a 4xx: nothing of it may be stored. */
        REFUSED,
        /**
         * A 503 or an I/O error first, then a 4xx (a retry rate-limited, say): the earlier attempt may have stored
         * events, which the refusal of the retry does not undo. May or may not be stored (never twice).
         */
        REFUSED_AFTER_AMBIGUOUS_503,
        /** A 503 or an I/O error last, after the retries: it may or may not be stored (never twice). */
        UNRESOLVED
    }

    private final Settings settings;
    private final LocalRuntime runtime;
    private final long startNanos = System.nanoTime();
    private final Map<String, Fate> fates = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> finalAnswers = new ConcurrentHashMap<>(); // by status and code
    private final LongAdder requests = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder answers503 = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    private final LongAdder requestsRetried = new LongAdder();
    private final LongAdder requestsRefusedAfter503 = new LongAdder();
    private final LongAdder rotationOldKeyAccepted = new LongAdder();
    private final LongAdder rotationNewKeyAccepted = new LongAdder();
    private final LongAdder rotationOldKeyRefused = new LongAdder();
    private final LongAdder revokedAcceptedPastBound = new LongAdder();
    private final LongAdder revokedRefusedPastBound = new LongAdder();
    private final LongAdder stormRateLimited = new LongAdder();
    private final AtomicLong sequence = new AtomicLong();
    private volatile long revokedAtNanos = Long.MAX_VALUE;

    private SoakDriver(Settings settings, LocalRuntime runtime) {
        this.settings = settings;
        this.runtime = runtime;
    }

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage());
            System.exit(2);
            return;
        }
        // The report goes to stdout; the runtime's own output (logs, EMF metrics, warnings) to -Dsoak.log if given.
        PrintStream report = System.out;
        String log = System.getProperty("soak.log");
        if (log != null) {
            PrintStream file = new PrintStream(new java.io.FileOutputStream(log), true, UTF_8);
            System.setOut(file);
            System.setErr(file);
            report.println("soak: the runtime's output goes to " + log);
        }
        boolean ok;
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.forTests()
                .withDynamoDbFaultRate(settings.faultRate()))) {
            ok = new SoakDriver(settings, runtime).run(report);
        }
        System.exit(ok ? 0 : 1);
    }

    /** Runs the soak against {@code runtime} (started with the fault rate) and prints its report; true when it held. */
    static boolean run(Settings settings, LocalRuntime runtime, PrintStream out) throws InterruptedException {
        return new SoakDriver(settings, runtime).run(out);
    }

    private boolean run(PrintStream out) throws InterruptedException {
        out.printf("soak: %d s, %d producers at %.1f requests/s, DynamoDB fault rate %.3f, runtime %s%n",
                settings.seconds(), settings.producers(), settings.rate(), settings.faultRate(), runtime.baseUri());
        List<String[]> producerSources = new ArrayList<>();
        for (int i = 0; i < settings.producers(); i++) {
            producerSources.add(createSource("soak producer " + i, null));
        }
        String[] rotation = createSource("soak rotation", null);
        String[] revocation = createSource("soak revocation", null);
        String[] storm = createSource("soak storm", "\"rate_limit_eps\":20,\"rate_limit_burst\":20");

        long end = startNanos + Duration.ofSeconds(settings.seconds()).toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < producerSources.size(); i++) {
            String key = producerSources.get(i)[1];
            threads.add(Thread.ofPlatform().name("soak-producer-" + i).start(() -> steady(end, settings.rate(),
                    () -> key, Role.PLAIN)));
        }
        String[] newKey = {null};
        threads.add(Thread.ofPlatform().name("soak-rotation").start(() -> {
            boolean[] old = {false};
            steady(end, settings.rate(), () -> {
                if (newKey[0] == null) {
                    return rotation[1];
                }
                old[0] = !old[0];
                return old[0] ? rotation[1] : newKey[0];
            }, Role.ROTATION);
        }));
        threads.add(Thread.ofPlatform().name("soak-revocation").start(() -> steady(end, settings.rate(),
                () -> revocation[1], Role.REVOCATION)));
        threads.add(Thread.ofPlatform().name("soak-storm-steady").start(() -> steady(end, 2, () -> storm[1],
                Role.STORM)));
        long stormFrom = startNanos + (long) (Duration.ofSeconds(settings.seconds()).toNanos() * 0.6);
        long stormTo = startNanos + (long) (Duration.ofSeconds(settings.seconds()).toNanos() * 0.8);
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofPlatform().name("soak-storm-" + i).start(() -> {
                sleepUntil(stormFrom);
                while (System.nanoTime() < stormTo) {
                    send(storm[1], batch(5), Role.STORM);
                    sleepUntil(System.nanoTime() + Duration.ofMillis(20).toNanos()); // ~200 requests/s in all
                }
            }));
        }

        // The admin events, on this thread.
        sleepUntil(startNanos + Duration.ofSeconds(settings.seconds()).toNanos() / 3);
        JsonNode rotated = admin("POST", "/api/v1/events/write-keys/" + rotation[0] + "/rotate",
                "{\"grace_period_hours\":1}");
        newKey[0] = rotated.get("key").asText();
        out.printf("soak: %4.0f s  rotated %s (grace 1 h): both keys in use%n", elapsed(), rotation[0]);
        sleepUntil(startNanos + Duration.ofSeconds(settings.seconds()).toNanos() / 2);
        admin("POST", "/api/v1/events/write-keys/" + revocation[0] + "/revoke", null);
        revokedAtNanos = System.nanoTime();
        out.printf("soak: %4.0f s  revoked %s%n", elapsed(), revocation[0]);
        sleepUntil(stormFrom);
        out.printf("soak: %4.0f s  rate-limit storm on %s (20 eps) until %.0f s%n", elapsed(), storm[0],
                (stormTo - startNanos) / 1e9);
        for (Thread thread : threads) {
            thread.join();
        }
        out.printf("soak: %4.0f s  producers done; reconciling%n", elapsed());
        return reconcile(out);
    }

    private enum Role { PLAIN, ROTATION, REVOCATION, STORM }

    /** Sends at {@code rate} requests per second until {@code end}: tracks and batches of 2–20 events alternately. */
    private void steady(long end, double rate, java.util.function.Supplier<String> key, Role role) {
        long period = (long) (1e9 / rate);
        long next = System.nanoTime();
        boolean single = true;
        while (next < end) {
            sleepUntil(next);
            List<String> ids = single ? batch(1) : batch(ThreadLocalRandom.current().nextInt(2, 21));
            send(key.get(), ids, role);
            single = !single;
            next += period;
            long now = System.nanoTime();
            if (next < now - period * 10) {
                next = now; // fell far behind (a long outage): do not burst to catch up
            }
        }
    }

    private List<String> batch(int events) {
        List<String> ids = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            ids.add("soak-" + sequence.incrementAndGet());
        }
        return ids;
    }

    /** One request, retried like an SDK on 503 and I/O errors; records each messageId's fate. */
    private void send(String key, List<String> messageIds, Role role) {
        requests.increment();
        boolean single = messageIds.size() == 1;
        String body = single ? event(messageIds.get(0)).toString() : batchBody(messageIds);
        String path = single ? "/v1/track" : "/v1/batch";
        long sentAt = System.nanoTime();
        boolean uncertain = false;
        for (int attempt = 0; ; attempt++) {
            attempts.increment();
            int status;
            String code = null;
            long retryAfter = 2;
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(runtime.baseUri().resolve(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((key + ":")
                                .getBytes(UTF_8)))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                if (status != 200) {
                    code = Json.parse(response.body()).at("/error/code").asText("?");
                    retryAfter = response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(2L);
                }
            } catch (IOException e) {
                ioErrors.increment();
                status = -1;
                code = "io_error";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (status == 503) {
                answers503.increment();
            }
            boolean retryable = status == 503 || status == -1;
            if (retryable && attempt < MAX_RETRIES) {
                uncertain = true;
                if (attempt == 0) {
                    requestsRetried.increment();
                }
                sleepUntil(System.nanoTime() + Duration.ofSeconds(retryAfter).toNanos());
                continue;
            }
            Fate fate = fate(status, uncertain);
            if (fate == Fate.REFUSED_AFTER_AMBIGUOUS_503) {
                requestsRefusedAfter503.increment();
            }
            messageIds.forEach(id -> fates.put(id, fate));
            finalAnswers.computeIfAbsent(status == 200 ? "200" : (status == -1 ? "I/O error" : status + " " + code),
                    k -> new LongAdder()).increment();
            observe(role, key, status, code, sentAt);
            return;
        }
    }

    /**
     * A request's fate from its last answer ({@code -1}: an I/O error) and whether an earlier attempt was a 503 or
     * an I/O error, which may have stored its events.
     */
    static Fate fate(int lastStatus, boolean earlierAmbiguous) {
        if (lastStatus == 200) {
            return Fate.ACKNOWLEDGED;
        }
        if (lastStatus == 503 || lastStatus == -1 || lastStatus >= 500) {
            return Fate.UNRESOLVED;
        }
        return earlierAmbiguous ? Fate.REFUSED_AFTER_AMBIGUOUS_503 : Fate.REFUSED;
    }

    private void observe(Role role, String key, int status, String code, long sentAt) {
        switch (role) {
            case ROTATION -> {
                // Which key: the rotation thread alternates; the old key is the source's first key.
                boolean oldKey = key.equals(rotationKeys.get("old"));
                if (status == 200) {
                    (oldKey ? rotationOldKeyAccepted : rotationNewKeyAccepted).increment();
                } else if (oldKey && status == 401) {
                    rotationOldKeyRefused.increment();
                }
            }
            case REVOCATION -> {
                long revokedAt = revokedAtNanos;
                if (revokedAt != Long.MAX_VALUE
                        && sentAt - revokedAt > KEY_CACHE_BOUND.plus(REVOCATION_MARGIN).toNanos()) {
                    if (status == 200) {
                        revokedAcceptedPastBound.increment();
                    } else if (status == 401 && "key_revoked".equals(code)) {
                        revokedRefusedPastBound.increment();
                    }
                }
            }
            case STORM -> {
                if (status == 429) {
                    stormRateLimited.increment();
                }
            }
            default -> {
            }
        }
    }

    private final Map<String, String> rotationKeys = new ConcurrentHashMap<>();

    private static com.fasterxml.jackson.databind.node.ObjectNode event(String messageId) {
        return Json.object().put("type", "track").put("userId", "soak-user").put("event", "Soak Event")
                .put("messageId", messageId);
    }

    private static String batchBody(List<String> messageIds) {
        var body = Json.object();
        var batch = body.putArray("batch");
        messageIds.forEach(id -> batch.add(event(id)));
        return body.toString();
    }

    /** Scans the events table and checks the fates against it; prints the report. */
    private boolean reconcile(PrintStream out) {
        Map<String, Integer> storedCount = new HashMap<>();
        runtime.dynamoDb().scanPaginator(scan -> scan.tableName(runtime.tableName("EventsTable")).consistentRead(true)
                        .projectionExpression("message_id"))
                .items().forEach(item -> {
                    AttributeValue id = item.get("message_id");
                    storedCount.merge(id == null ? "?" : id.s(), 1, Integer::sum);
                });
        Map<Fate, Long> sent = new TreeMap<>();
        long missing = 0;
        long storedFromRefused = 0;
        long storedFromRefusedAfter503 = 0;
        long storedFromUnresolved = 0;
        for (Map.Entry<String, Fate> entry : fates.entrySet()) {
            sent.merge(entry.getValue(), 1L, Long::sum);
            int count = storedCount.getOrDefault(entry.getKey(), 0);
            switch (entry.getValue()) {
                case ACKNOWLEDGED -> missing += count == 0 ? 1 : 0;
                case REFUSED -> storedFromRefused += count > 0 ? 1 : 0;
                case REFUSED_AFTER_AMBIGUOUS_503 -> storedFromRefusedAfter503 += count > 0 ? 1 : 0;
                case UNRESOLVED -> storedFromUnresolved += count > 0 ? 1 : 0;
            }
        }
        long duplicates = storedCount.values().stream().filter(n -> n > 1).count();
        long strays = storedCount.keySet().stream().filter(id -> !fates.containsKey(id)).count();
        long stored = storedCount.values().stream().mapToLong(Integer::longValue).sum();
        Map<DynamoDbFaults.Kind, Long> injected = runtime.dynamoDbFaults().injected();
        long faults = injected.values().stream().mapToLong(Long::longValue).sum();

        out.println();
        out.printf(Locale.ROOT, "duration               : %d s, %d producers + rotation, revocation, storm sources%n",
                settings.seconds(), settings.producers());
        out.printf(Locale.ROOT, "requests               : %,d (%,d attempts; %,d first answered 503 or failed and "
                + "were retried with the same messageIds)%n", requests.sum(), attempts.sum(), requestsRetried.sum());
        out.printf(Locale.ROOT, "final answers          : %s%n", new TreeMap<>(sums(finalAnswers)));
        out.printf(Locale.ROOT, "503 answers            : %,d (all attempts); I/O errors: %,d%n", answers503.sum(),
                ioErrors.sum());
        out.printf(Locale.ROOT, "faults injected        : %,d %s%n", faults, labels(injected));
        out.printf(Locale.ROOT, "events sent            : %,d: acknowledged %,d, refused %,d, refused after a 503 "
                        + "%,d (%,d requests), unresolved %,d%n", fates.size(), sent.getOrDefault(Fate.ACKNOWLEDGED, 0L),
                sent.getOrDefault(Fate.REFUSED, 0L), sent.getOrDefault(Fate.REFUSED_AFTER_AMBIGUOUS_503, 0L),
                requestsRefusedAfter503.sum(), sent.getOrDefault(Fate.UNRESOLVED, 0L));
        out.printf(Locale.ROOT, "events stored          : %,d (of them from requests refused after a 503: %,d, from "
                + "unresolved requests: %,d)%n", stored, storedFromRefusedAfter503, storedFromUnresolved);
        out.printf(Locale.ROOT, "acknowledged, missing  : %,d%n", missing);
        out.printf(Locale.ROOT, "stored twice           : %,d%n", duplicates);
        out.printf(Locale.ROOT, "refused, yet stored    : %,d (events of requests whose every answer was a "
                + "refusal)%n", storedFromRefused);
        out.printf(Locale.ROOT, "stored, never sent     : %,d%n", strays);
        out.printf(Locale.ROOT, "rotation               : old key accepted %,d, new key accepted %,d, old key "
                + "refused %,d (in grace)%n", rotationOldKeyAccepted.sum(), rotationNewKeyAccepted.sum(),
                rotationOldKeyRefused.sum());
        out.printf(Locale.ROOT, "revocation             : past the 5 s key-cache bound (+2 s): %,d refused "
                + "key_revoked, %,d accepted%n", revokedRefusedPastBound.sum(), revokedAcceptedPastBound.sum());
        out.printf(Locale.ROOT, "rate-limit storm       : %,d requests answered 429%n", stormRateLimited.sum());

        List<String> failures = new ArrayList<>();
        check(failures, missing == 0, missing + " acknowledged events are not stored");
        check(failures, duplicates == 0, duplicates + " messageIds are stored more than once");
        check(failures, storedFromRefused == 0, storedFromRefused + " refused events are stored");
        check(failures, strays == 0, strays + " stored events were never sent");
        check(failures, revokedAcceptedPastBound.sum() == 0, "a revoked key was accepted past the key-cache bound");
        check(failures, revokedRefusedPastBound.sum() > 0, "no request of the revoked source was refused key_revoked");
        check(failures, rotationOldKeyAccepted.sum() > 0 && rotationNewKeyAccepted.sum() > 0,
                "the old and new keys were not both accepted during the grace period");
        check(failures, rotationOldKeyRefused.sum() == 0, "the old key was refused during its grace period");
        check(failures, stormRateLimited.sum() > 0, "the storm got no 429");
        check(failures, settings.faultRate() == 0 || faults > 0, "no fault was injected");
        check(failures, sent.getOrDefault(Fate.ACKNOWLEDGED, 0L) > 0, "nothing was acknowledged");
        out.println(failures.isEmpty() ? "soak: OK — every acknowledged event stored exactly once, nothing refused "
                + "stored" : "soak: FAILED — " + String.join("; ", failures));
        return failures.isEmpty();
    }

    private static void check(List<String> failures, boolean holds, String failure) {
        if (!holds) {
            failures.add(failure);
        }
    }

    private static Map<String, Long> sums(Map<String, LongAdder> adders) {
        Map<String, Long> sums = new TreeMap<>();
        adders.forEach((key, adder) -> sums.put(key, adder.sum()));
        return sums;
    }

    private static String labels(Map<DynamoDbFaults.Kind, Long> injected) {
        Map<String, Long> byLabel = new java.util.LinkedHashMap<>();
        injected.forEach((kind, n) -> byLabel.put(kind.label(), n));
        return byLabel.toString();
    }

    private String[] createSource(String name, String extra) {
        JsonNode created = admin("POST", "/api/v1/events/write-keys", "{\"name\":\"" + name + "\","
                + "\"source_type\":\"server\",\"environment\":\"production\""
                + (extra == null ? ",\"rate_limit_eps\":100000,\"rate_limit_burst\":100000" : "," + extra) + "}");
        String[] source = {created.get("id").asText(), created.get("key").asText()};
        if (name.equals("soak rotation")) {
            rotationKeys.put("old", source[1]);
        }
        return source;
    }

    private JsonNode admin(String method, String path, String json) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(runtime.baseUri().resolve(path))
                    .header("Authorization", "Bearer " + runtime.adminToken())
                    .header("Content-Type", "application/json")
                    .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return Json.parse(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void sleepUntil(long nanos) {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(Duration.ofNanos(wait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
