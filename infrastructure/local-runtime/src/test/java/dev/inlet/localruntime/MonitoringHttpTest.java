package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README walkthrough's sends and refusals on one source, in the README's order, over HTTP through the local
 * runtime (stream aggregator included): afterwards the source's {@code stats} and {@code events} show every one of
 * them with the right reason, and the listing's {@code volume_24h} matches what was accepted. Nothing waits but for
 * the stream aggregator and for the key cache's documented bound ("within 5 s"), both by polling with a deadline.
 */
class MonitoringHttpTest {

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    private static final String MADE_UP = "inlet_live_sk_MadeUpMadeUpMadeUpMadeUpMadeUpMadeUpMadeUpMadeUp";

    @BeforeAll
    static void recordCalls() {
        DynamoDbCallRecorder.clear();
    }

    /**
     * Refusal counts and debugger examples are written in rounds (a BatchWriteItem when a round holds several): every
     * call these scenarios caused must be one the functions' IAM policies in template.yaml allow.
     */
    @AfterAll
    static void everyCallTheScenariosMadeIsAllowedByTheTemplate() {
        LocalRuntime runtime = http.runtime();
        assertEquals(List.of(), PolicyCoverage.violations(runtime.template(), DynamoDbCallRecorder.functionAccesses(),
                runtime.tableNames()));
    }
    private static final List<String> REASONS = List.of("unauthorized", "key_expired", "source_disabled",
            "event_type_not_allowed", "origin_not_allowed", "rate_limited", "payload_too_large", "invalid_payload");
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH':00:00Z'")
            .withZone(ZoneOffset.UTC);
    private static final String EVENT = "{\"userId\":\"u\",\"event\":\"e\"}";

    /**
     * What the walkthrough's calls were answered: the events stored (an event sent again without a messageId is
     * stored once: its messageId derives from its content), refused events by reason, and the refusals in order.
     */
    private static final class Ledger {
        final Set<String> stored = new HashSet<>();
        final Map<String, Long> refused = new TreeMap<>();
        final List<String> codes = new ArrayList<>(); // of the source's refusals, oldest first

        void accepted(IngestionHttp.Answer answer, String... events) {
            answer.assertAccepted();
            stored.addAll(List.of(events));
        }

        long accepted() {
            return stored.size();
        }

        void refused(IngestionHttp.Answer answer, int status, String code, String reason) {
            answer.assertRefused(status, code);
            refused.merge(reason, 1L, Long::sum);
            codes.add(code);
        }

        Map<String, Long> refusedWithZeros() {
            Map<String, Long> all = new TreeMap<>();
            REASONS.forEach(reason -> all.put(reason, refused.getOrDefault(reason, 0L)));
            return all;
        }
    }

    @Test
    void theWalkthroughsSendsAndRefusalsShowInStatsTheDebuggerAndTheListing() {
        Instant began = Instant.now();
        Ledger ledger = new Ledger();
        IngestionHttp.CreatedSource source = http.createSource("""
                {"name":"Web App","source_type":"web","environment":"production","description":"Marketing site",
                 "rate_limit_eps":500,"allowed_event_types":["track","identify","page"],
                 "allowed_origins":["https://app.example.com","https://staging.example.com"]}""");
        String key = source.key();

        // Send events: 4 in 3 requests.
        ledger.accepted(http.postJson("/v1/track", key,
                "{\"userId\":\"user-42\",\"event\":\"Order Completed\",\"properties\":{\"total\":42.5}}"),
                "Order Completed");
        ledger.accepted(http.post("/v1/p").origin("https://app.example.com").text("{\"writeKey\":\"" + key
                + "\",\"anonymousId\":\"anon-7\",\"name\":\"Home\"}").send(), "Home");
        ledger.accepted(http.postJson("/v1/batch", key, """
                {"batch":[{"type":"identify","userId":"user-42","traits":{"plan":"pro"}},
                          {"type":"track","userId":"user-42","event":"Signed Up"}],
                 "context":{"library":{"name":"curl"}}}"""), "identify user-42", "Signed Up");

        // Each refusal, reproduced.
        ledger.refused(http.postJson("/v1/group", key, "{\"userId\":\"u\",\"groupId\":\"g\"}"), 403,
                "event_type_not_allowed", "event_type_not_allowed");
        IngestionHttp.Answer evil = http.post("/v1/track").basic(key).origin("https://evil.example").json(EVENT).send();
        ledger.refused(evil, 403, "origin_not_allowed", "origin_not_allowed");
        evil.assertNoCorsAllowHeader();
        http.postJson("/v1/track", MADE_UP, EVENT).assertUnauthorized("unauthorized"); // counted globally, not here
        ledger.refused(http.postJson("/v1/track", key, "{\"event\":\"e\"}"), 400, "invalid_event", "invalid_payload");
        ledger.refused(http.post("/v1/track").basic(key).bytes("application/xml", "<e/>".getBytes(UTF_8)).send(), 415,
                "unsupported_media_type", "invalid_payload");

        // Rotate with a grace period: both keys work; then end the old key's grace.
        String newKey = http.rotate(source.id(), 24).get("key").asText();
        ledger.accepted(http.postJson("/v1/track", key, "{\"userId\":\"u\",\"event\":\"old key, in grace\"}"),
                "old key, in grace");
        ledger.accepted(http.postJson("/v1/track", newKey, "{\"userId\":\"u\",\"event\":\"new key\"}"), "new key");
        JsonNode keys = http.admin("GET", "/api/v1/events/write-keys/" + source.id() + "/keys", null).json();
        String oldKeyId = keys.get("data").get(1).get("id").asText();
        assertFalse(keys.get("data").get(1).get("current").asBoolean(), keys.toString());
        assertEquals(200, http.admin("POST", "/api/v1/events/write-keys/" + source.id() + "/keys/" + oldKeyId
                + "/expire", null).status());
        ledger.refused(untilNot(200, () -> http.postJson("/v1/track", key, EVENT), ledger), 401, "key_expired",
                "key_expired");

        // Disable, enable, revoke: each seen within the key cache's bound.
        http.disable(source.id());
        ledger.refused(untilNot(200, () -> http.postJson("/v1/track", newKey, EVENT), ledger), 403,
                "source_disabled", "source_disabled");
        assertEquals(200, http.admin("POST", "/api/v1/events/write-keys/" + source.id() + "/enable", null).status());
        IngestionHttp.Answer enabled = IngestionHttp.poll(IngestionHttp.POLL_DEADLINE, () -> {
            IngestionHttp.Answer answer = http.postJson("/v1/track", newKey, EVENT);
            if (answer.status() == 403) {
                ledger.refused(answer, 403, "source_disabled", "source_disabled"); // still cached as disabled
            }
            return answer;
        }, answer -> answer.status() != 403, "the enabled source takes events");
        ledger.accepted(enabled, EVENT);
        http.revoke(source.id());
        ledger.refused(untilNot(200, () -> http.postJson("/v1/track", newKey, EVENT), ledger), 401, "key_revoked",
                "unauthorized");
        String lastHour = HOUR.format(Instant.now());

        // Accepted counts come from the stream aggregator; refusals were written by the refused requests themselves.
        http.runtime().awaitStreamsIdle(Duration.ofSeconds(30));
        JsonNode stats = IngestionHttp.poll(Duration.ofSeconds(30), () -> stats(source.id()),
                json -> json.at("/totals/accepted").asLong() == ledger.accepted(), "the aggregator counts "
                        + ledger.accepted() + " accepted events");
        assertEquals(ledger.refusedWithZeros(), counts(stats.at("/totals/refused")), "refused events by reason");
        assertEquals(24, stats.get("buckets").size());
        Map<String, Long> summed = new TreeMap<>();
        long acceptedInBuckets = 0;
        for (JsonNode bucket : stats.get("buckets")) {
            acceptedInBuckets += bucket.get("accepted").asLong();
            counts(bucket.get("refused")).forEach((reason, n) -> summed.merge(reason, n, Long::sum));
            boolean walkthroughHour = bucket.get("hour").asText().equals(lastHour);
            if (lastHour.equals(HOUR.format(began))) { // the walkthrough stayed in one hour: all of it is there
                assertEquals(walkthroughHour ? ledger.accepted() : 0, bucket.get("accepted").asLong(),
                        bucket.toString());
                assertEquals(walkthroughHour ? ledger.refusedWithZeros() : zeros(), counts(bucket.get("refused")),
                        bucket.toString());
            }
        }
        assertEquals(ledger.accepted(), acceptedInBuckets);
        assertEquals(ledger.refusedWithZeros(), summed, "the buckets add up to the totals");
        Instant lastEvent = Instant.parse(stats.get("last_event_at").asText());
        assertTrue(!lastEvent.isBefore(began.minusSeconds(1)) && !lastEvent.isAfter(Instant.now().plusSeconds(1)),
                lastEvent + " is not within the walkthrough");

        JsonNode listing = http.admin("GET", "/api/v1/events/write-keys?limit=100", null).json();
        JsonNode listed = null;
        for (JsonNode entry : listing.get("data")) {
            listed = entry.get("id").asText().equals(source.id()) ? entry : listed;
        }
        assertTrue(listed != null, listing.toString());
        assertEquals(ledger.accepted(), listed.get("volume_24h").asLong(), listed.toString());
        assertEquals(stats.get("last_event_at").asText(), listed.get("last_event_at").asText());

        // The debugger: every refusal with its reason, newest first (one example per code and second).
        List<JsonNode> refusals = events(source.id(), "?outcome=refused&limit=50");
        List<String> expected = collapsed(ledger.codes.reversed());
        assertEquals(expected, collapsed(refusals.stream().map(e -> e.get("code").asText()).toList()),
                "the refusals, newest first");
        for (JsonNode entry : refusals) {
            assertEquals(RefusalReasons.of(entry.get("code").asText()), entry.get("reason").asText(), entry.toString());
            assertFalse(entry.toString().contains(key) || entry.toString().contains(newKey), "no key: " + entry);
            assertFalse(entry.toString().contains(MADE_UP.substring(14)), "made-up keys are not a source's");
        }
        JsonNode origin = refusal(refusals, "origin_not_allowed");
        assertEquals("https://evil.example", origin.get("origin").asText());
        assertEquals(List.of("track"), texts(origin.get("types")));
        assertEquals(source.answer().get("key_prefix").asText(), origin.get("key_prefix").asText());
        JsonNode mediaType = refusal(refusals, "unsupported_media_type");
        assertEquals("<e/>", mediaType.get("body_excerpt").asText(), "a plain body refused before it was read");
        assertEquals(4, mediaType.get("body_bytes").asInt());
        JsonNode group = refusal(refusals, "event_type_not_allowed");
        assertEquals("{\"userId\":\"u\",\"groupId\":\"g\"}", group.get("body_excerpt").asText());
        assertEquals(28, group.get("body_bytes").asInt(), "as the README's example shows");
        JsonNode page = events(source.id(), "?type=page").getFirst();
        assertEquals("Home", page.at("/payload/name").asText(), page.toString());
        assertFalse(page.get("payload").has("writeKey"), "the stored payload never holds the key");
    }

    @Test
    void theOtherRefusalsShowTheirReasonsToo() {
        IngestionHttp.CreatedSource limited = http.createSource("""
                {"name":"Limited","source_type":"server","rate_limit_eps":1,"rate_limit_burst":2}""");
        IngestionHttp.CreatedSource other = http.serverSource("Other");
        http.postJson("/v1/batch", limited.key(), batchOf(2)).assertAccepted();
        http.postJson("/v1/batch", limited.key(), batchOf(2)).assertRefused(429, "rate_limited");
        http.postJson("/v1/batch", limited.key(), batchOf(3)).assertRefused(413, "batch_exceeds_burst");
        String large = "{\"writeKey\":\"" + limited.key() + "\",\"userId\":\"u\",\"event\":\""
                + "x".repeat(600_000) + "\"}";
        http.post("/v1/track").basic(limited.key()).json(large).send().assertRefused(413, "payload_too_large");
        http.postJson("/v1/track", limited.key(), "{\"writeKey\":\"" + other.key() + "\",\"userId\":\"u\"}")
                .assertUnauthorized("unauthorized");

        // Within a second of a write, the rest waits for this container's next request: the README's stated lag.
        Map<String, Long> expected = Map.of("accepted", 2L, "rate_limited", 2L, "payload_too_large", 4L,
                "unauthorized", 1L);
        http.runtime().awaitStreamsIdle(Duration.ofSeconds(30));
        IngestionHttp.poll(Duration.ofSeconds(10), () -> {
            http.call("OPTIONS", "/v1/track").origin("https://any.example").send(); // a next request
            return totals(limited.id());
        }, expected::equals, "refused events: 2 rate limited, 3 + 1 too large, 1 unauthorized");

        List<JsonNode> entries = IngestionHttp.poll(Duration.ofSeconds(10), () -> {
            http.call("OPTIONS", "/v1/track").origin("https://any.example").send();
            return events(limited.id(), "?outcome=refused");
        }, list -> list.size() == 4, "the four refusals in the debugger");
        assertEquals(List.of("unauthorized", "payload_too_large", "batch_exceeds_burst", "rate_limited"),
                entries.stream().map(e -> e.get("code").asText()).toList());
        JsonNode burst = refusal(entries, "batch_exceeds_burst");
        assertEquals(3, burst.get("event_count").asInt());
        assertEquals(3, burst.at("/details/events").asInt(), burst.toString());
        JsonNode tooLarge = refusal(entries, "payload_too_large");
        assertEquals(large.length(), tooLarge.get("body_bytes").asLong(), "bytes as received");
        assertTrue(tooLarge.get("body_excerpt").asText().startsWith("{\"writeKey\":\"[secret]\",\"userId\":\"u\","),
                tooLarge.toString());
        assertEquals(513, tooLarge.get("body_excerpt").asText().length(), "an excerpt, not the body");
        assertEquals("{\"writeKey\":\"[secret]\",\"userId\":\"u\"}",
                refusal(entries, "unauthorized").get("body_excerpt").asText(), "the other source's key masked");
        for (JsonNode entry : entries) {
            assertFalse(entry.toString().contains(limited.key()) || entry.toString().contains(other.key()),
                    "no key in the debugger: " + entry);
        }
    }

    @Test
    void theDebuggerPagesNewestFirstAndRefusesBadParameters() {
        IngestionHttp.CreatedSource source = http.serverSource("Pages");
        for (int i = 0; i < 5; i++) {
            http.postJson("/v1/track", source.key(), "{\"userId\":\"u\",\"event\":\"e" + i + "\",\"messageId\":\"m-"
                    + i + "\"}").assertAccepted();
        }
        http.runtime().awaitStreamsIdle(Duration.ofSeconds(30));
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = http.admin("GET", "/api/v1/events/write-keys/" + source.id() + "/events?limit=2"
                    + (cursor == null ? "" : "&cursor=" + cursor), null).json();
            page.get("data").forEach(entry -> seen.add(entry.get("message_id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        assertEquals(List.of("m-4", "m-3", "m-2", "m-1", "m-0"), seen);

        http.admin("GET", "/api/v1/events/write-keys/" + source.id() + "/events?outcome=lost", null)
                .assertRefused(400, "invalid_parameter", "outcome");
        http.admin("GET", "/api/v1/events/write-keys/" + source.id() + "/events?type=purchase", null)
                .assertRefused(400, "invalid_parameter", "type");
        http.admin("GET", "/api/v1/events/write-keys/" + source.id() + "/events?cursor=forged", null)
                .assertRefused(400, "invalid_parameter", "cursor");
        http.admin("GET", "/api/v1/events/write-keys/wk_00000000000000000000/events", null)
                .assertRefused(404, "not_found");
    }

    private static String batchOf(int events) {
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < events; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e").append(i)
                    .append("\"}");
        }
        return batch.append("]}").toString();
    }

    /**
     * Sends until the answer is not {@code status} (a key change reaches ingestion within the key cache's bound);
     * the events accepted meanwhile are the ledger's too.
     */
    private static IngestionHttp.Answer untilNot(int status, Supplier<IngestionHttp.Answer> send, Ledger ledger) {
        return IngestionHttp.poll(IngestionHttp.POLL_DEADLINE, () -> {
            IngestionHttp.Answer answer = send.get();
            if (answer.status() == 200) {
                ledger.accepted(answer, EVENT); // every send here is that one event
            }
            return answer;
        }, answer -> answer.status() != status, "an answer other than " + status);
    }

    private static JsonNode stats(String sourceId) {
        IngestionHttp.Answer stats = http.admin("GET", "/api/v1/events/write-keys/" + sourceId + "/stats?hours=24",
                null);
        assertEquals(200, stats.status(), stats.body());
        return stats.json();
    }

    private static Map<String, Long> counts(JsonNode byReason) {
        Map<String, Long> counts = new TreeMap<>();
        byReason.properties().forEach(reason -> counts.put(reason.getKey(), reason.getValue().asLong()));
        return counts;
    }

    private static Map<String, Long> zeros() {
        Map<String, Long> zeros = new TreeMap<>();
        REASONS.forEach(reason -> zeros.put(reason, 0L));
        return zeros;
    }

    /** The list without repeats in a row: a refusal repeated across seconds has an example per second. */
    private static List<String> collapsed(List<String> codes) {
        List<String> out = new ArrayList<>();
        for (String code : codes) {
            if (out.isEmpty() || !out.getLast().equals(code)) {
                out.add(code);
            }
        }
        return out;
    }

    /** The statistics' reason of an error code, as the README's Monitoring section maps them. */
    private static final class RefusalReasons {
        static String of(String code) {
            return switch (code) {
                case "key_revoked", "unauthorized" -> "unauthorized";
                case "invalid_event", "invalid_json", "unsupported_media_type", "invalid_encoding" -> "invalid_payload";
                case "batch_exceeds_burst" -> "payload_too_large";
                default -> code;
            };
        }
    }

    /** Accepted and refused totals of the last 24 hours, without the reasons that stayed at zero. */
    private static Map<String, Long> totals(String sourceId) {
        IngestionHttp.Answer stats = http.admin("GET", "/api/v1/events/write-keys/" + sourceId + "/stats?hours=24",
                null);
        assertEquals(200, stats.status(), stats.body());
        Map<String, Long> totals = new HashMap<>();
        long accepted = stats.json().at("/totals/accepted").asLong();
        if (accepted > 0) {
            totals.put("accepted", accepted);
        }
        stats.json().at("/totals/refused").properties().forEach(reason -> {
            if (reason.getValue().asLong() > 0) {
                totals.put(reason.getKey(), reason.getValue().asLong());
            }
        });
        return totals;
    }

    private static List<JsonNode> events(String sourceId, String query) {
        IngestionHttp.Answer answer = http.admin("GET", "/api/v1/events/write-keys/" + sourceId + "/events" + query,
                null);
        assertEquals(200, answer.status(), answer.body());
        List<JsonNode> entries = new ArrayList<>();
        answer.json().get("data").forEach(entries::add);
        return entries;
    }

    private static JsonNode refusal(List<JsonNode> entries, String code) {
        return entries.stream().filter(e -> code.equals(e.path("code").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + code + " in " + entries));
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
