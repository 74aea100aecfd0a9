package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import dev.inlet.localruntime.IngestionHttp.Answer;
import dev.inlet.localruntime.IngestionHttp.CreatedSource;
import dev.inlet.localruntime.IngestionHttp.StoredItem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The ingestion contract end to end: a 200 means every event of the request is stored, a refusal means none is.
 * Sends {@value #EVENTS} events over many concurrent requests, a deliberate share of them refused for different
 * reasons, then re-sends some acknowledged requests unchanged and some refused ones fixed; the events table then
 * holds exactly the acknowledged messageIds, each once, attributed to the right source, key and type.
 */
class StoredEqualsAcknowledgedHttpTest {

    private static final int EVENTS = 300;
    private static final String ALLOWED_ORIGIN = "https://app.example.com";

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    /** What happens to a request, and the answer it must get. */
    enum Fate {
        OK_BASIC_JSON(200, null),
        OK_BROWSER_BODY_KEY(200, null),
        OK_GZIP(200, null),
        UNKNOWN_KEY(401, "unauthorized"),
        MALFORMED_KEY(401, "unauthorized"),
        MISSING_KEY(401, "unauthorized"),
        CONFLICTING_KEYS(401, "unauthorized"),
        REVOKED_KEY(401, "key_revoked"),
        DISALLOWED_TYPE(403, "event_type_not_allowed"),
        BAD_ORIGIN(403, "origin_not_allowed"),
        MALFORMED_JSON(400, "invalid_json"),
        INVALID_EVENT(400, "invalid_event"),
        OVERSIZED_EVENT(413, "payload_too_large"),
        UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type");

        final int status;
        final String code;

        Fate(int status, String code) {
            this.status = status;
            this.code = code;
        }

        boolean accepted() {
            return status == 200;
        }
    }

    /** One event: its id, type and JSON (without writeKey). */
    record Event(String messageId, String type, String json) {
    }

    /** One request to send, what it must be answered, and which of its events are valid for the source. */
    record Planned(int number, Fate fate, String path, Map<String, String> headers, byte[] body,
                   List<Event> validEvents) {

        Answer send() {
            IngestionHttp.Call call = http.post(path);
            headers.forEach(call::header);
            return call.bytes(null, body).send();
        }

        String describe() {
            return "#" + number + " " + fate + " POST " + path + " " + headers.keySet();
        }
    }

    private CreatedSource source;
    private CreatedSource otherSource;
    private CreatedSource revokedSource;
    private String unknownKey;
    private Random random;

    @Test
    void theEventsTableHoldsExactlyTheAcknowledgedEvents() throws Exception {
        long seed = Long.getLong("inlet.test.seed", System.nanoTime()); // -Dinlet.test.seed=… replays a run
        random = new Random(seed);
        String context = " (seed " + seed + ")";
        source = http.createSource("{\"name\":\"Store = ack\",\"source_type\":\"web\",\"environment\":\"production\","
                + "\"allowed_event_types\":[\"track\",\"identify\",\"page\"],"
                + "\"allowed_origins\":[\"" + ALLOWED_ORIGIN + "\"]}");
        otherSource = http.serverSource("Store = ack, other");
        revokedSource = http.serverSource("Store = ack, revoked");
        http.revoke(revokedSource.id()); // never used before: no cached grant, refused at once
        unknownKey = http.unknownKey("Store = ack, purged");

        // Plan: every fate at least once, then random fates until EVENTS events are planned.
        List<Planned> plan = new ArrayList<>();
        int[] nextEvent = {0};
        for (Fate fate : Fate.values()) {
            plan.add(plan(plan.size(), fate, nextEvent));
        }
        while (nextEvent[0] < EVENTS) {
            Fate fate = random.nextInt(100) < 55 ? Fate.values()[random.nextInt(3)]
                    : Fate.values()[3 + random.nextInt(Fate.values().length - 3)];
            plan.add(plan(plan.size(), fate, nextEvent));
        }

        Map<String, String> acknowledgedTypes = new ConcurrentHashMap<>();
        Map<Fate, Integer> requestsByFate = new EnumMap<>(Fate.class);
        List<Planned> acceptedRequests = new ArrayList<>();
        List<Planned> refusedRequests = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        int refusedEvents = 0;
        Map<Planned, Answer> answers = sendAll(plan);
        for (Planned planned : plan) {
            Answer answer = answers.get(planned);
            requestsByFate.merge(planned.fate(), 1, Integer::sum);
            check(planned, answer, mismatches);
            if (answer.status() == 200) {
                acceptedRequests.add(planned);
                planned.validEvents().forEach(event -> acknowledgedTypes.put(event.messageId(), event.type()));
            } else {
                refusedRequests.add(planned);
                refusedEvents += planned.validEvents().size();
            }
        }
        assertEquals(List.of(), mismatches, "answers" + context);
        assertTrue(refusedEvents >= EVENTS / 5, "a real share is refused: " + refusedEvents + context);

        // Re-send a third of the acknowledged requests unchanged, and fix half of the refused ones.
        List<Planned> again = new ArrayList<>();
        for (Planned planned : acceptedRequests) {
            if (random.nextInt(3) == 0) {
                again.add(planned);
            }
        }
        for (Planned planned : refusedRequests) {
            if (random.nextBoolean() && !planned.validEvents().isEmpty()) {
                again.add(fixed(plan.size() + again.size(), planned));
            }
        }
        Map<Planned, Answer> secondAnswers = sendAll(again);
        for (Planned planned : again) {
            check(planned, secondAnswers.get(planned), mismatches);
            planned.validEvents().forEach(event -> acknowledgedTypes.put(event.messageId(), event.type()));
        }
        assertEquals(List.of(), mismatches, "answers to re-sent requests" + context);

        // Exactly the acknowledged events, each once (IngestionHttp.stored fails on a duplicate messageId).
        Map<String, StoredItem> stored = http.stored(source.id());
        assertEquals(new TreeSet<>(acknowledgedTypes.keySet()), new TreeSet<>(stored.keySet()),
                "stored = acknowledged" + context + "; requests by fate " + requestsByFate);
        String keyId = http.currentKeyId(source.id());
        for (Map.Entry<String, StoredItem> entry : stored.entrySet()) {
            StoredItem item = entry.getValue();
            assertEquals(acknowledgedTypes.get(entry.getKey()), item.attribute("type"), entry.getKey() + context);
            assertEquals(acknowledgedTypes.get(entry.getKey()), item.payload().get("type").asText());
            assertEquals(keyId, item.attribute("key_id"), entry.getKey() + context);
        }
        assertEquals(Map.of(), http.stored(otherSource.id()), "nothing for the conflicting key's source" + context);
        assertEquals(Map.of(), http.stored(revokedSource.id()), "nothing for the revoked source" + context);
        long total = http.runtime().dynamoDb().scanPaginator(scan -> scan.tableName(http.runtime().tableName("EventsTable"))
                .consistentRead(true)).items().stream().count();
        assertEquals(stored.size(), total, "no event stored under any other source" + context);
        List<AttributeValue> sources = http.runtime().dynamoDb().scanPaginator(scan -> scan
                        .tableName(http.runtime().tableName("EventsTable")).consistentRead(true))
                .items().stream().map(item -> item.get("source_id")).distinct().toList();
        assertEquals(List.of(AttributeValue.fromS(source.id())), sources, context);
    }

    // ------------------------------------------------------------------------------------------------ planning

    private Planned plan(int number, Fate fate, int[] nextEvent) {
        boolean single = random.nextInt(4) == 0;
        int size = single ? 1 : 2 + random.nextInt(11);
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            events.add(event("e-" + nextEvent[0]++, List.of("track", "identify", "page").get(random.nextInt(3))));
        }
        List<Event> valid = List.copyOf(events);
        List<String> jsons = new ArrayList<>(events.stream().map(Event::json).toList());
        int spoiled = random.nextInt(size); // the event a per-event refusal is about
        switch (fate) {
            case DISALLOWED_TYPE -> {
                String id = "e-" + nextEvent[0]++;
                jsons.add(spoiled, "{\"type\":\"group\",\"userId\":\"u\",\"groupId\":\"g1\",\"messageId\":\"" + id
                        + "\"}");
                single = false; // a group call on its own would go to /v1/g: keep it in a batch
            }
            case INVALID_EVENT -> jsons.set(spoiled, jsons.get(spoiled).replace("\"userId\":", "\"user\":")
                    .replace("\"anonymousId\":", "\"anonymous\":"));
            case OVERSIZED_EVENT -> jsons.set(spoiled, "{\"blob\":\"" + "b".repeat(33 * 1024) + "\","
                    + jsons.get(spoiled).substring(1)); // over 32 KB, the request itself well under 500 KB
            default -> {
            }
        }
        String path = single ? singlePath(events.get(0).type()) : List.of("/v1/batch", "/v1/import", "/v1/b")
                .get(random.nextInt(3));
        Map<String, String> headers = new LinkedHashMap<>();
        String bodyKey = null;
        String contentType = "application/json";
        switch (fate) {
            case OK_BROWSER_BODY_KEY -> {
                bodyKey = source.key();
                contentType = "text/plain";
                headers.put("Origin", ALLOWED_ORIGIN);
            }
            case UNKNOWN_KEY -> headers.put("Authorization", IngestionHttp.basic(unknownKey));
            case MALFORMED_KEY -> headers.put("Authorization", IngestionHttp.basic(source.key() + "x"));
            case MISSING_KEY -> {
            }
            case CONFLICTING_KEYS -> {
                headers.put("Authorization", IngestionHttp.basic(source.key()));
                bodyKey = otherSource.key();
            }
            case REVOKED_KEY -> headers.put("Authorization", IngestionHttp.basic(revokedSource.key()));
            case BAD_ORIGIN -> {
                headers.put("Authorization", IngestionHttp.basic(source.key()));
                headers.put("Origin", "https://evil.example.net");
            }
            case UNSUPPORTED_MEDIA_TYPE -> {
                headers.put("Authorization", IngestionHttp.basic(source.key()));
                contentType = "application/xml";
            }
            default -> headers.put("Authorization", IngestionHttp.basic(source.key()));
        }
        headers.put("Content-Type", contentType);
        String json = body(single, jsons, bodyKey);
        if (fate == Fate.MALFORMED_JSON) {
            json = json.substring(0, json.length() / 2);
        }
        byte[] body = json.getBytes(UTF_8);
        if (fate == Fate.OK_GZIP) {
            headers.put("Content-Encoding", "gzip");
            body = IngestionHttp.gzip(body);
        }
        return new Planned(number, fate, path, headers, body, valid);
    }

    /** A refused request done right: the same valid events (same messageIds), Basic auth, plain JSON. */
    private Planned fixed(int number, Planned refused) {
        List<String> jsons = refused.validEvents().stream().map(Event::json).toList();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", IngestionHttp.basic(source.key()));
        headers.put("Content-Type", "application/json");
        return new Planned(number, Fate.OK_BASIC_JSON, "/v1/batch", headers,
                body(false, jsons, null).getBytes(UTF_8), refused.validEvents());
    }

    private Event event(String messageId, String type) {
        int n = random.nextInt(1000);
        String json = switch (type) {
            case "track" -> "{\"type\":\"track\",\"userId\":\"u" + n + "\",\"event\":\"Event " + n
                    + "\",\"properties\":{\"n\":" + n + "},\"messageId\":\"" + messageId + "\"}";
            case "identify" -> "{\"type\":\"identify\",\"userId\":\"u" + n + "\",\"traits\":{\"n\":" + n
                    + "},\"messageId\":\"" + messageId + "\"}";
            default -> "{\"type\":\"page\",\"anonymousId\":\"a" + n + "\",\"name\":\"Page " + n
                    + "\",\"messageId\":\"" + messageId + "\"}";
        };
        return new Event(messageId, type, json);
    }

    private String singlePath(String type) {
        boolean letter = random.nextBoolean();
        return switch (type) {
            case "track" -> letter ? "/v1/t" : "/v1/track";
            case "identify" -> letter ? "/v1/i" : "/v1/identify";
            default -> letter ? "/v1/p" : "/v1/page";
        };
    }

    private static String body(boolean single, List<String> events, String writeKey) {
        String key = writeKey == null ? "" : "\"writeKey\":\"" + writeKey + "\",";
        if (single) {
            return "{" + key + events.get(0).substring(1);
        }
        return "{" + key + "\"batch\":[" + String.join(",", events) + "],\"context\":{\"library\":{\"name\":"
                + "\"stored-equals-acknowledged\"}}}";
    }

    // ------------------------------------------------------------------------------------------------ sending

    /** Sends the requests on 8 threads (the local front serves 16 at once), in the order given. */
    private static Map<Planned, Answer> sendAll(List<Planned> requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Map<Planned, Future<Answer>> futures = new LinkedHashMap<>();
            for (Planned planned : requests) {
                futures.put(planned, pool.submit(planned::send));
            }
            Map<Planned, Answer> answers = new LinkedHashMap<>();
            for (Map.Entry<Planned, Future<Answer>> entry : futures.entrySet()) {
                answers.put(entry.getKey(), entry.getValue().get());
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void check(Planned planned, Answer answer, List<String> mismatches) {
        Function<Answer, String> code = a -> a.status() == 200 ? null : a.errorCode();
        if (answer.status() != planned.fate().status || !Objects.equals(code.apply(answer),
                planned.fate().code)) {
            mismatches.add(planned.describe() + ": expected " + planned.fate().status + " " + planned.fate().code
                    + ", got " + answer);
        }
        if (planned.fate().accepted() && answer.status() == 200 && !answer.body().equals("{\"success\":true}")) {
            mismatches.add(planned.describe() + ": body " + answer.body());
        }
        if (planned.fate() == Fate.BAD_ORIGIN && answer.header("Access-Control-Allow-Origin").isPresent()) {
            mismatches.add(planned.describe() + ": a refused origin got Access-Control-Allow-Origin");
        }
    }
}
