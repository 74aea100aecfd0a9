package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import dev.inlet.common.http.Json;
import dev.inlet.localaws.HttpRoute;
import dev.inlet.localruntime.HostileRequests.Hostility;
import dev.inlet.localruntime.HostileRequests.Request;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 8, part 1: hostile input. Generated requests of every class of hostility (broken JSON, depth bombs, huge
 * numbers and strings, invalid UTF-8, duplicate keys, wrong types at every field, oversized and gzip-bomb bodies,
 * odd and repeated headers, odd methods and paths, garbage credentials) go to every function of template.yaml, the
 * tracking API and the admin API — in-process through the local runtime's routing and payload-v2 mapping (no
 * socket, so ten thousand take seconds), plus a sample over real HTTP.
 *
 * <p>For every answer: no 5xx; API Gateway's own 404/413 when no route takes it; otherwise a 2xx, or a 4xx in the
 * shared error shape with a code from the documented set. A refusal writes no event (nor, on the admin API,
 * anything); every event an accepted request wrote is in the table, and the table holds nothing else. Each request's
 * allocation stays under a bound (the parsing limits at work). A tracking request with an unpaired surrogate in
 * what it would store is never accepted, and at the end no item of any table holds one (DynamoDB may refuse such
 * text, so storing it is a latent 500; an admin request with one in a name or description must be refused). The figures are written to
 * {@code target/fuzz-report.txt} and printed by the last property to finish, so that they are in its surefire report
 * too (README, Security and reliability).
 */
class HostileInputFuzzTest {

    static final int TRACKING_TRIES = 6_000;
    static final int ADMIN_TRIES = 4_000;
    static final int HTTP_TRIES = 200;
    static final int REQUIRED_REQUESTS = 10_000;

    /** Per request, everything the handler and the check allocate; a 3 MB body costs far less than this. */
    static final long MAX_ALLOCATED_BYTES = 256L * 1024 * 1024;

    /** Every code README's error tables document for a 4xx. */
    static final Set<String> KNOWN_CODES = Set.of("invalid_json", "unknown_field", "read_only_field", "invalid_type",
            "invalid_parameter", "invalid_header", "unauthorized", "forbidden", "not_found", "route_not_found",
            "version_conflict", "source_revoked", "current_key", "precondition_failed", "unsupported_media_type",
            "missing_field", "invalid_value", "invalid_event", "invalid_encoding", "key_expired", "key_revoked",
            "source_disabled", "event_type_not_allowed", "origin_not_allowed", "rate_limited", "batch_exceeds_burst",
            "payload_too_large");

    private static final String INGEST = "IngestFunction";

    private static final java.io.PrintStream STDOUT = System.out;
    private static final java.io.PrintStream STDERR = System.err;
    private static final java.io.PrintStream QUIET = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());

    private static LocalRuntime runtime;
    private static InProcessGateway gateway;
    private static HostileRequests requests;
    private static final Figures FIGURES = new Figures();
    private static final Set<String> ACCEPTED_EVENT_KEYS = ConcurrentHashMap.newKeySet();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** The three properties below; the last to finish reports. */
    private static final int PROPERTIES = 3;
    private static final AtomicInteger PROPERTIES_DONE = new AtomicInteger();
    private static final AtomicBoolean FINISHED = new AtomicBoolean();
    private static final AtomicLong STARTED = new AtomicLong();
    /** In the module's target/ (surefire runs in the module's directory and sets basedir). */
    static final Path REPORT = Path.of(System.getProperty("basedir", "."), "target", "fuzz-report.txt");

    @BeforeContainer
    static void start() throws Exception {
        STARTED.set(System.nanoTime());
        runtime = LocalRuntime.start(LocalRuntime.Options.forTests());
        gateway = new InProcessGateway(runtime);
        requests = new HostileRequests(adminRoutes(), targets());
        WriteLog.start();
        // Ten thousand requests print ten thousand EMF lines and twice as many library notes: the build log would
        // drown, and piping them costs more than the requests. A crash still fails its request (no 5xx passes).
        System.setOut(QUIET);
        System.setErr(QUIET);
    }

    /** After each property; the last of the three reconciles and reports while surefire still records its output. */
    @AfterProperty
    void afterEachProperty() {
        if (PROPERTIES_DONE.incrementAndGet() == PROPERTIES) {
            finish();
        }
    }

    /** When not every property ran (one chosen with -Dtest=…#name), the reconciliation still happens. */
    @AfterContainer
    static void afterAll() {
        System.setOut(STDOUT);
        System.setErr(STDERR);
        try {
            if (!FINISHED.get()) {
                finish();
            }
        } finally {
            DynamoDbCallRecorder.clear(); // the fuzz's thousands of calls are not for the policy test to read
            runtime.close();
        }
    }

    private static void finish() {
        if (!FINISHED.compareAndSet(false, true)) {
            return;
        }
        System.setOut(STDOUT);
        System.setErr(STDERR);
        WriteLog.stop();
        Set<String> stored = new HashSet<>();
        runtime.dynamoDb().scanPaginator(scan -> scan.tableName(runtime.tableName("EventsTable"))
                .consistentRead(true).projectionExpression("event_key"))
                .items().forEach(item -> stored.add(item.get("event_key").s()));
        Set<String> notAcknowledged = new HashSet<>(stored);
        notAcknowledged.removeAll(ACCEPTED_EVENT_KEYS);
        Set<String> lost = new HashSet<>(ACCEPTED_EVENT_KEYS);
        lost.removeAll(stored);
        FIGURES.storedEvents.set(stored.size());
        FIGURES.storedFromRefused.add(notAcknowledged.size());
        List<String> withSurrogates = itemsWithUnpairedSurrogates();
        FIGURES.seconds = (System.nanoTime() - STARTED.get()) / 1_000_000_000.0;
        String report = FIGURES.report();
        try {
            Files.writeString(REPORT, report + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + REPORT, e);
        }
        System.out.println(report);
        System.out.println("(written to " + REPORT.toAbsolutePath() + ")");
        check(notAcknowledged.isEmpty(), "events in the table that no accepted request wrote: " + notAcknowledged);
        check(lost.isEmpty(), "events an accepted request wrote but the table lacks: " + lost);
        check(withSurrogates.isEmpty(), withSurrogates.size() + " stored items hold an unpaired surrogate, e.g. "
                + withSurrogates.subList(0, Math.min(5, withSurrogates.size())));
        check(FIGURES.requests.sum() >= REQUIRED_REQUESTS, "only " + FIGURES.requests.sum() + " requests tried");
        check(FIGURES.failures.isEmpty(), "failures: " + FIGURES.failures);
    }

    // ------------------------------------------------------------------------------------------------ properties

    @Property(tries = TRACKING_TRIES, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void theTrackingApiAnswersEveryHostileRequestHonestly(@ForAll("trackingRequests") Request request)
            throws Exception {
        Statistics.collect(request.hostility());
        sendInProcess(request);
    }

    @Property(tries = ADMIN_TRIES, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void theAdminApiAnswersEveryHostileRequestHonestly(@ForAll("adminRequests") Request request) throws Exception {
        Statistics.collect(request.hostility());
        sendInProcess(request);
    }

    /** The same generators through the real HTTP front: what a socket adds (header folding, body reading). */
    @Property(tries = HTTP_TRIES, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void overHttpTooAHostileRequestIsAnsweredHonestly(@ForAll("anyRequests") Request request) throws Exception {
        Statistics.collect(request.hostility());
        sendOverHttp(request);
    }

    @Provide
    Arbitrary<Request> trackingRequests() {
        return Combinators.combine(Arbitraries.of(Hostility.class), Arbitraries.longs())
                .as((hostility, seed) -> requests.tracking(hostility, seed));
    }

    @Provide
    Arbitrary<Request> adminRequests() {
        return Combinators.combine(Arbitraries.of(Hostility.class), Arbitraries.longs())
                .as((hostility, seed) -> requests.admin(hostility, seed));
    }

    @Provide
    Arbitrary<Request> anyRequests() {
        return Arbitraries.oneOf(trackingRequests(), adminRequests());
    }

    // ------------------------------------------------------------------------------------------------ sending

    private static void sendInProcess(Request request) throws Exception {
        WriteLog.drain();
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        long started = System.nanoTime();
        InProcessGateway.Response response;
        try {
            response = gateway.send(request.method(), request.path(), request.query(), request.headers(),
                    request.body());
        } catch (Exception | StackOverflowError | OutOfMemoryError crash) {
            FIGURES.fail("the function threw (API Gateway answers 500): " + crash + " for " + request);
            throw new AssertionError("crash for " + request, crash);
        }
        long nanos = System.nanoTime() - started;
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        verify(request, response.status(), response.body(), response.fromGateway(),
                response.function().orElse(""), WriteLog.drain(), allocated, nanos);
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static void sendOverHttp(Request request) throws Exception {
        HttpRequest.Builder builder;
        try {
            builder = HttpRequest.newBuilder(URI.create(runtime.baseUri() + request.path()
                            + (request.query().isEmpty() ? "" : "?" + request.query())))
                    .timeout(Duration.ofSeconds(30))
                    .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
            request.headers().forEach((name, values) -> values.forEach(value -> builder.header(name, value)));
        } catch (IllegalArgumentException unsendable) { // a method, path or header a client cannot put on the wire
            FIGURES.notSendable.increment();
            return;
        }
        WriteLog.drain();
        long started = System.nanoTime();
        HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        long nanos = System.nanoTime() - started;
        // The function ran on a worker thread of the front; its writes are in the log by now.
        String function = gateway.functionFor(request.method(), request.path()).orElse("");
        verify(request, response.statusCode(), response.body(), function.isEmpty(), function, WriteLog.drain(), 0,
                nanos);
        FIGURES.overHttp.increment();
    }

    // ------------------------------------------------------------------------------------------------ the oracle

    private static void verify(Request request, int status, String body, boolean fromGateway, String function,
                               List<WriteLog.Write> allWrites, long allocated, long nanos) {
        FIGURES.count(request, status, allocated, nanos);
        // The stream-triggered aggregator writes whenever its poller delivers: not this request's doing.
        List<WriteLog.Write> writes = allWrites.stream().filter(write -> write.function().isPresent()
                && !write.function().get().equals("StatsAggregatorFunction")).toList();
        List<WriteLog.Write> eventWrites = writes.stream()
                .filter(write -> write.table().equals(runtime.tableName("EventsTable"))).toList();
        String what = " for " + request + " -> " + status + " " + abbreviate(body);
        if (status >= 500) {
            FIGURES.serverErrors.increment();
            FIGURES.fail("5xx" + what);
            throw new AssertionError("5xx" + what);
        }
        if (fromGateway) {
            expect(status == 404 || status == 413, "API Gateway answers only 404 or 413 itself" + what);
            expect(eventWrites.isEmpty() && writes.isEmpty(), "no function ran, yet writes: " + writes + what);
            FIGURES.codes.computeIfAbsent("(gateway " + status + ")", k -> new LongAdder()).increment();
            return;
        }
        if (status >= 200 && status < 300) {
            if (function.equals(INGEST) && request.hostility() == Hostility.LONE_SURROGATE) {
                FIGURES.loneSurrogatesAccepted.increment();
                expect(false, "a tracking call with an unpaired surrogate in its events was accepted" + what);
            }
            if (!function.equals(INGEST) && request.hostility() == Hostility.LONE_SURROGATE) {
                // Not a failure in itself (a route may ignore its body): the table scan at the end is the oracle.
                FIGURES.loneSurrogatesAnsweredByAdmin.computeIfAbsent("(" + status + ")", k -> new LongAdder())
                        .increment();
            }
            if (function.equals(INGEST) && status == 200) {
                expect(Json.parse(body).equals(Json.parse("{\"success\":true}")), "200 is {\"success\":true}" + what);
                expect(!eventWrites.isEmpty(), "an accepted call wrote no event" + what);
                eventWrites.forEach(write -> ACCEPTED_EVENT_KEYS.add(write.hashKey()));
                FIGURES.acceptedTrackingRequests.increment();
            } else {
                expect(eventWrites.isEmpty(), "only an accepted tracking call writes events" + what);
            }
            FIGURES.codes.computeIfAbsent("(" + status + ")", k -> new LongAdder()).increment();
            return;
        }
        expect(status >= 400, "a status that is neither 2xx nor 4xx" + what);
        FIGURES.refused.increment();
        JsonNode error;
        try {
            error = Json.MAPPER.readTree(body).path("error");
        } catch (Exception notJson) {
            FIGURES.fail("a refusal that is not JSON" + what);
            throw new AssertionError("a refusal that is not JSON" + what);
        }
        String code = error.path("code").asText("");
        expect(KNOWN_CODES.contains(code), "error.code '" + code + "' is not a documented code" + what);
        expect(error.path("message").isTextual() && !error.path("message").asText().isBlank(),
                "a refusal explains itself" + what);
        FIGURES.codes.computeIfAbsent(code, k -> new LongAdder()).increment();
        if (request.hostility() == Hostility.LONE_SURROGATE) {
            (function.equals(INGEST) ? FIGURES.loneSurrogatesRefused : FIGURES.loneSurrogatesAnsweredByAdmin)
                    .computeIfAbsent(code, k -> new LongAdder()).increment();
        }
        if (!eventWrites.isEmpty()) {
            FIGURES.storedFromRefused.add(eventWrites.size());
        }
        expect(eventWrites.isEmpty(), "a refused request wrote events " + eventWrites + what);
        if (!function.equals(INGEST)) {
            expect(writes.isEmpty(), "a refused admin request wrote " + writes + what);
        }
        expect(allocated <= MAX_ALLOCATED_BYTES, "allocated " + allocated / (1024 * 1024) + " MB" + what);
    }

    private static void expect(boolean condition, String message) {
        if (!condition) {
            FIGURES.fail(message);
            throw new AssertionError(message);
        }
    }

    /**
     * Every item of every table, scanned whole (strings in lists, maps and sets, and map keys): those holding text
     * that is not valid Unicode, as table and abbreviated item. Counts the items scanned for the report.
     */
    private static List<String> itemsWithUnpairedSurrogates() {
        List<String> found = new ArrayList<>();
        for (String table : new java.util.TreeSet<>(runtime.tableNames().values())) {
            for (Map<String, AttributeValue> item : runtime.dynamoDb().scanPaginator(scan -> scan.tableName(table)
                    .consistentRead(true)).items()) {
                FIGURES.itemsScanned.increment();
                if (holdsUnpairedSurrogate(AttributeValue.fromM(item))) {
                    found.add(table + ": " + abbreviate(item.toString()));
                }
            }
        }
        FIGURES.itemsWithUnpairedSurrogate.set(found.size());
        return found;
    }

    private static boolean holdsUnpairedSurrogate(AttributeValue value) {
        if (value.s() != null) {
            return notUnicode(value.s());
        }
        if (value.hasSs()) {
            return value.ss().stream().anyMatch(HostileInputFuzzTest::notUnicode);
        }
        if (value.hasL()) {
            return value.l().stream().anyMatch(HostileInputFuzzTest::holdsUnpairedSurrogate);
        }
        if (value.hasM()) {
            return value.m().entrySet().stream().anyMatch(entry -> notUnicode(entry.getKey())
                    || holdsUnpairedSurrogate(entry.getValue()));
        }
        return false;
    }

    /** Independent of the code under test: a lone surrogate does not survive a UTF-8 round trip (it becomes '?'). */
    private static boolean notUnicode(String text) {
        return !text.equals(new String(text.getBytes(UTF_8), UTF_8));
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }

    // ------------------------------------------------------------------------------------------------ set-up

    /**
     * What the generators aim at. Tracking: live keys (all types; browser source with origins and two types; a
     * source limited to 1 event/s, burst 2) and refused ones (disabled, revoked, expired by rotation, malformed).
     * Admin: a project with its token and a revoked one, and sources of its own, so that the admin fuzz (which
     * rotates, disables and revokes) never touches the tracking fuzz's sources.
     */
    private static HostileRequests.Targets targets() throws Exception {
        String root = runtime.adminToken();
        List<String> live = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        live.add(setUp("POST", "/api/v1/events/write-keys", root,
                "{\"name\":\"fuzz server\",\"source_type\":\"server\"}").get("key").asText());
        live.add(setUp("POST", "/api/v1/events/write-keys", root, "{\"name\":\"fuzz web\",\"source_type\":\"web\","
                + "\"allowed_event_types\":[\"track\",\"page\"],\"allowed_origins\":[\"https://app.example.com\"]}")
                .get("key").asText());
        live.add(setUp("POST", "/api/v1/events/write-keys", root, "{\"name\":\"fuzz limited\",\"source_type\":"
                + "\"server\",\"rate_limit_eps\":1,\"rate_limit_burst\":2}").get("key").asText());
        JsonNode disabled = setUp("POST", "/api/v1/events/write-keys", root,
                "{\"name\":\"fuzz disabled\",\"source_type\":\"server\"}");
        setUp("POST", "/api/v1/events/write-keys/" + disabled.get("id").asText() + "/disable", root, null);
        refused.add(disabled.get("key").asText());
        JsonNode revoked = setUp("POST", "/api/v1/events/write-keys", root,
                "{\"name\":\"fuzz revoked\",\"source_type\":\"mobile\"}");
        setUp("POST", "/api/v1/events/write-keys/" + revoked.get("id").asText() + "/revoke", root, null);
        refused.add(revoked.get("key").asText());
        JsonNode rotated = setUp("POST", "/api/v1/events/write-keys", root,
                "{\"name\":\"fuzz rotated\",\"source_type\":\"server\"}");
        live.add(setUp("POST", "/api/v1/events/write-keys/" + rotated.get("id").asText() + "/rotate", root,
                "{\"grace_period_hours\":0}").get("key").asText());
        refused.add(rotated.get("key").asText());
        String made = live.getFirst();
        refused.add("inlet_live_sk_" + "A".repeat(45)); // well-shaped, checksum wrong
        refused.add(made.substring(0, made.length() - 6) + "AAAAAA");
        refused.add("inlet_live_sk_x");
        refused.add("");

        JsonNode project = setUp("POST", "/api/v1/projects", root, "{\"name\":\"fuzz admin\"}");
        String projectId = project.get("id").asText();
        String projectToken = setUp("POST", "/api/v1/projects/" + projectId + "/tokens", root,
                "{\"name\":\"fuzz\"}").get("token").asText();
        JsonNode revokedToken = setUp("POST", "/api/v1/projects/" + projectId + "/tokens", root,
                "{\"name\":\"revoked\"}");
        setUp("DELETE", "/api/v1/projects/" + projectId + "/tokens/" + revokedToken.get("id").asText(), root, null);
        List<String> sourceIds = new ArrayList<>(List.of("wk_00000000000000000000", "x", "wk_☃",
                live.getFirst().substring(0, 20)));
        List<String> keyIds = new ArrayList<>(List.of("key_00000000000000000000", "k", "key_%2F"));
        for (int i = 0; i < 6; i++) {
            JsonNode source = setUp("POST", "/api/v1/events/write-keys", i % 2 == 0 ? projectToken : root,
                    "{\"name\":\"fuzz admin " + i + "\",\"source_type\":\"web\"}");
            sourceIds.add(source.get("id").asText());
            JsonNode rotation = setUp("POST", "/api/v1/events/write-keys/" + source.get("id").asText() + "/rotate",
                    root, "{\"grace_period_hours\":24}");
            keyIds.add(rotation.get("key_id").asText());
            keyIds.add(rotation.get("previous_key").get("id").asText());
        }
        return new HostileRequests.Targets(live, refused, root, projectToken,
                revokedToken.get("token").asText(), sourceIds, keyIds,
                List.of(projectId, "default", "prj_00000000000000000000", "p", "prj_%00"),
                List.of(revokedToken.get("id").asText(), "tok_00000000000000000000", "t"));
    }

    private static JsonNode setUp(String method, String path, String token, String json) throws Exception {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Authorization", List.of("Bearer " + token));
        if (json != null) {
            headers.put("Content-Type", List.of("application/json"));
        }
        InProcessGateway.Response response = gateway.send(method, path, "", headers,
                json == null ? new byte[0] : json.getBytes(UTF_8));
        check(response.status() / 100 == 2, method + " " + path + ": " + response.status() + " " + response.body());
        return response.body().isEmpty() ? Json.object() : Json.parse(response.body());
    }

    private static List<String> adminRoutes() {
        return runtime.template().functions().stream().flatMap(function -> function.routes().stream())
                .map(HttpRoute::routeKey).filter(route -> route.contains(" /api/")).sorted().toList();
    }

    // ------------------------------------------------------------------------------------------------ figures

    /** What the run did, for its report and the README. */
    static final class Figures {
        final LongAdder requests = new LongAdder();
        final LongAdder overHttp = new LongAdder();
        final LongAdder notSendable = new LongAdder();
        final LongAdder serverErrors = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder storedFromRefused = new LongAdder();
        final LongAdder acceptedTrackingRequests = new LongAdder();
        final AtomicLong storedEvents = new AtomicLong();
        final AtomicLong maxAllocated = new AtomicLong();
        final AtomicLong maxNanos = new AtomicLong();
        final LongAdder loneSurrogatesAccepted = new LongAdder();
        final Map<String, LongAdder> loneSurrogatesRefused = new ConcurrentHashMap<>();
        final Map<String, LongAdder> loneSurrogatesAnsweredByAdmin = new ConcurrentHashMap<>();
        final LongAdder itemsScanned = new LongAdder();
        final AtomicLong itemsWithUnpairedSurrogate = new AtomicLong();
        volatile double seconds;
        final Map<Hostility, LongAdder> byHostility = new ConcurrentHashMap<>();
        final Map<Hostility, LongAdder> nanosByHostility = new ConcurrentHashMap<>();
        final Map<String, LongAdder> codes = new ConcurrentHashMap<>();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

        void count(Request request, int status, long allocated, long nanos) {
            requests.increment();
            byHostility.computeIfAbsent(request.hostility(), h -> new LongAdder()).increment();
            nanosByHostility.computeIfAbsent(request.hostility(), h -> new LongAdder()).add(nanos);
            maxAllocated.accumulateAndGet(allocated, Math::max);
            maxNanos.accumulateAndGet(nanos, Math::max);
        }

        void fail(String message) {
            if (failures.size() < 20) {
                failures.add(message);
            }
        }

        String report() {
            Map<String, Long> byClass = new TreeMap<>();
            byHostility.forEach((h, n) -> byClass.put(h.name().toLowerCase(), n.sum()));
            Map<String, Long> answers = new TreeMap<>();
            codes.forEach((code, n) -> answers.put(code, n.sum()));
            Map<String, String> lines = new LinkedHashMap<>();
            lines.put("requests tried", String.format("%,d (%,d in-process to every function, %,d over HTTP, "
                    + "%,d not sendable over HTTP)", requests.sum(), requests.sum() - overHttp.sum(), overHttp.sum(),
                    notSendable.sum()));
            lines.put("5xx", String.valueOf(serverErrors.sum()));
            lines.put("refused (4xx)", String.format("%,d, every one with a documented error.code",
                    refused.sum()));
            lines.put("stored from refused", String.valueOf(storedFromRefused.sum()));
            lines.put("accepted tracking calls", String.format("%,d, %,d events stored, all findable",
                    acceptedTrackingRequests.sum(), storedEvents.get()));
            lines.put("max allocation per request", String.format("%,d MB (bound %,d MB)",
                    maxAllocated.get() / (1024 * 1024), MAX_ALLOCATED_BYTES / (1024 * 1024)));
            lines.put("slowest request", String.format("%,d ms", maxNanos.get() / 1_000_000));
            Map<String, Long> surrogates = new TreeMap<>();
            loneSurrogatesRefused.forEach((code, n) -> surrogates.put(code, n.sum()));
            Map<String, Long> admin = new TreeMap<>();
            loneSurrogatesAnsweredByAdmin.forEach((code, n) -> admin.put(code, n.sum()));
            lines.put("unpaired surrogates", String.format("tracking: %,d accepted, refused %s; admin: answered %s; "
                    + "stored items holding one: %,d of %,d (every table scanned)", loneSurrogatesAccepted.sum(),
                    surrogates, admin, itemsWithUnpairedSurrogate.get(), itemsScanned.sum()));
            lines.put("run time", String.format("%.1f s", seconds));
            lines.put("by hostility", byClass.toString());
            lines.put("answers", answers.toString());
            Map<String, Long> ms = new TreeMap<>();
            nanosByHostility.forEach((h, n) -> ms.put(h.name().toLowerCase(), n.sum() / 1_000_000));
            lines.put("ms by hostility", ms.toString());
            return lines.entrySet().stream().map(e -> String.format("  %-27s: %s", e.getKey(), e.getValue()))
                    .collect(Collectors.joining("\n", "HOSTILE INPUT FIGURES\n", ""));
        }
    }
}
