package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README walkthrough's sends and refusals, over HTTP through the local runtime (stream aggregator included):
 * afterwards each source's {@code stats} and {@code events} show every one of them with the right reason, and the
 * listing's {@code volume_24h} matches what was accepted.
 */
class MonitoringHttpTest {

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    private static final String MADE_UP = "inlet_live_sk_MadeUpMadeUpMadeUpMadeUpMadeUpMadeUpMadeUpMadeUp";

    @Test
    void statsAndTheDebuggerShowEverySendAndRefusalWithItsReason() throws InterruptedException {
        IngestionHttp.CreatedSource web = http.createSource("""
                {"name":"Web App","source_type":"web","environment":"production","rate_limit_eps":500,
                 "allowed_event_types":["track","identify","page"],"allowed_origins":["https://app.example.com"]}""");
        IngestionHttp.CreatedSource limited = http.createSource("""
                {"name":"Limited","source_type":"server","rate_limit_eps":1,"rate_limit_burst":2}""");
        IngestionHttp.CreatedSource disabled = http.serverSource("Disabled");
        http.disable(disabled.id());
        IngestionHttp.CreatedSource rotated = http.serverSource("Rotated");
        http.admin("POST", "/api/v1/events/write-keys/" + rotated.id() + "/rotate", "{\"grace_period_hours\":0}");

        // The walkthrough's sends: 4 events in 3 requests.
        http.postJson("/v1/track", web.key(), "{\"userId\":\"user-42\",\"event\":\"Order Completed\"}")
                .assertAccepted();
        http.post("/v1/p").origin("https://app.example.com").text("{\"writeKey\":\"" + web.key()
                + "\",\"anonymousId\":\"anon-7\",\"name\":\"Home\"}").send().assertAccepted();
        http.postJson("/v1/batch", web.key(), "{\"batch\":[{\"type\":\"identify\",\"userId\":\"user-42\"},"
                + "{\"type\":\"track\",\"userId\":\"user-42\",\"event\":\"Signed Up\"}]}").assertAccepted();
        // …and its refusals.
        http.postJson("/v1/group", web.key(), "{\"userId\":\"u\",\"groupId\":\"g\"}")
                .assertRefused(403, "event_type_not_allowed");
        http.post("/v1/track").basic(web.key()).origin("https://evil.example").json("{\"userId\":\"u\",\"event\":\"e\"}")
                .send().assertRefused(403, "origin_not_allowed");
        http.postJson("/v1/track", web.key(), "{\"event\":\"e\"}").assertRefused(400, "invalid_event");
        http.post("/v1/track").basic(web.key()).bytes("application/xml", "<e/>".getBytes()).send()
                .assertRefused(415, "unsupported_media_type");
        http.postJson("/v1/track", web.key(), "{\"userId\":\"u\",\"event\":\"" + "x".repeat(600_000) + "\"}")
                .assertRefused(413, "payload_too_large");
        http.postJson("/v1/track", web.key(), "{\"writeKey\":\"" + limited.key() + "\",\"userId\":\"u\"}")
                .assertUnauthorized("unauthorized");
        http.postJson("/v1/track", MADE_UP, "{\"userId\":\"u\",\"event\":\"e\"}").assertUnauthorized("unauthorized");
        http.postJson("/v1/batch", limited.key(), batchOf(2)).assertAccepted();
        http.postJson("/v1/batch", limited.key(), batchOf(2)).assertRefused(429, "rate_limited");
        http.postJson("/v1/batch", limited.key(), batchOf(3)).assertRefused(413, "batch_exceeds_burst");
        http.postJson("/v1/track", disabled.key(), "{\"userId\":\"u\",\"event\":\"e\"}")
                .assertRefused(403, "source_disabled");
        http.postJson("/v1/track", rotated.key(), "{\"userId\":\"u\",\"event\":\"e\"}")
                .assertUnauthorized("key_expired");
        // Refusal counts of the last second wait for the container's next request: this one, unattributed.
        Thread.sleep(1_100);
        http.postJson("/v1/track", MADE_UP, "{}").assertUnauthorized("unauthorized");
        http.runtime().awaitStreamsIdle(Duration.ofSeconds(30));

        assertEquals(Map.of("accepted", 4L, "event_type_not_allowed", 1L, "origin_not_allowed", 1L,
                "invalid_payload", 2L, "payload_too_large", 1L, "unauthorized", 1L), totals(web.id()));
        assertEquals(Map.of("accepted", 2L, "rate_limited", 1L, "payload_too_large", 1L), totals(limited.id()));
        assertEquals(Map.of("source_disabled", 1L), totals(disabled.id()));
        assertEquals(Map.of("key_expired", 1L), totals(rotated.id()));

        List<JsonNode> webEvents = events(web.id(), "");
        assertEquals(List.of("unauthorized", "payload_too_large", "unsupported_media_type", "invalid_event",
                        "origin_not_allowed", "event_type_not_allowed"),
                webEvents.stream().filter(e -> e.get("outcome").asText().equals("refused"))
                        .map(e -> e.get("code").asText()).toList(), "refusals, newest first");
        List<String> accepted = events(web.id(), "?outcome=accepted").stream().map(e -> e.get("type").asText())
                .toList();
        assertEquals(4, accepted.size(), accepted.toString());
        assertEquals(List.of("identify", "track"), accepted.subList(0, 2).stream().sorted().toList(),
                "the batch's two events (one receipt time), newest first");
        assertEquals(List.of("page", "track"), accepted.subList(2, 4));
        JsonNode page = events(web.id(), "?type=page").getFirst();
        assertEquals("Home", page.at("/payload/name").asText(), page.toString());
        assertFalse(page.get("payload").has("writeKey"), "the stored payload never holds the key");

        JsonNode origin = refusal(webEvents, "origin_not_allowed");
        assertEquals("https://evil.example", origin.get("origin").asText());
        assertEquals(List.of("track"), texts(origin.get("types")));
        assertEquals(web.answer().get("key_prefix").asText(), origin.get("key_prefix").asText());
        JsonNode mismatch = refusal(webEvents, "unauthorized");
        assertEquals("{\"writeKey\":\"[write key]\",\"userId\":\"u\"}", mismatch.get("body_excerpt").asText(),
                "the body as sent, the other source's key masked");
        JsonNode tooLarge = refusal(webEvents, "payload_too_large");
        assertTrue(tooLarge.get("body_bytes").asLong() > 600_000, tooLarge.toString());
        assertTrue(tooLarge.get("body_excerpt").asText().length() <= 513, "an excerpt, not the body");
        assertEquals("invalid_payload", refusal(webEvents, "unsupported_media_type").get("reason").asText());
        for (JsonNode entry : webEvents) {
            assertFalse(entry.toString().contains(web.key()), "no key in the debugger: " + entry);
            assertFalse(entry.toString().contains(limited.key()), "no key in the debugger: " + entry);
        }
        assertEquals(List.of("batch_exceeds_burst", "rate_limited"), events(limited.id(), "?outcome=refused")
                .stream().map(e -> e.get("code").asText()).toList());
        JsonNode burst = events(limited.id(), "?outcome=refused").getFirst();
        assertEquals(3, burst.get("event_count").asInt());
        assertEquals(3, burst.at("/details/events").asInt(), burst.toString());

        JsonNode listing = http.admin("GET", "/api/v1/events/write-keys?limit=100", null).json();
        Map<String, Long> volumes = new HashMap<>();
        listing.get("data").forEach(source -> volumes.put(source.get("id").asText(),
                source.get("volume_24h").asLong()));
        assertEquals(4L, volumes.get(web.id()));
        assertEquals(2L, volumes.get(limited.id()));
        assertEquals(0L, volumes.get(disabled.id()));
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
