package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refusals that name no known key (the walkthrough's made-up key, an unknown key, none at all) are counted under
 * {@code _unattributed} and read back, over HTTP, through {@code GET /api/v1/events/stats/unattributed}: root only,
 * and never mixed with a source's own refusals.
 */
class UnattributedStatsHttpTest {

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    private static final String ROUTE = "/api/v1/events/stats/unattributed";
    private static final String MADE_UP = "inlet_live_sk_MadeUpMadeUpMadeUpMadeUpMadeUpMadeUpMadeUpMadeUp";

    @Test
    void refusalsNamingNoKnownKeyShowOnTheRootsUnattributedStatsOnly() throws InterruptedException {
        IngestionHttp.CreatedSource known = http.serverSource("Known");
        String unknown = http.unknownKey("Deleted");
        http.postJson("/v1/track", MADE_UP, "{\"userId\":\"u\",\"event\":\"e\"}").assertUnauthorized("unauthorized");
        http.postJson("/v1/track", unknown, "{\"userId\":\"u\",\"event\":\"e\"}").assertUnauthorized("unauthorized");
        http.post("/v1/track").json("{\"userId\":\"u\",\"event\":\"e\"}").send().assertUnauthorized("unauthorized");
        // Without Basic auth the body is read first: one that is not JSON names no key either.
        http.post("/v1/track").json("{\"userId\":").send().assertRefused(400, "invalid_json");
        // A known key's refusal is its source's, not unattributed.
        http.postJson("/v1/track", known.key(), "{\"event\":\"e\"}").assertRefused(400, "invalid_event");
        // Counts of the last second wait for the container's next request: this one, counted with them.
        Thread.sleep(1_100);
        http.postJson("/v1/track", MADE_UP, "{}").assertUnauthorized("unauthorized");

        Map<String, Long> expected = Map.of("unauthorized", 4L, "invalid_payload", 1L);
        JsonNode stats = IngestionHttp.poll(IngestionHttp.POLL_DEADLINE, () -> http.admin("GET", ROUTE + "?hours=1",
                null).json(), body -> refused(body.get("totals")).equals(expected), "unattributed refusals counted");
        assertEquals("_unattributed", stats.get("source_id").asText());
        assertEquals(1, stats.get("hours").asInt());
        assertEquals(1, stats.get("buckets").size());
        assertEquals(8, stats.at("/totals/refused").size(), "every reason listed, zero when none: " + stats);
        assertEquals(0, stats.at("/totals/accepted").asLong());
        assertEquals(Map.of("invalid_payload", 1L), refused(http.admin("GET", "/api/v1/events/write-keys/"
                + known.id() + "/stats?hours=1", null).json().get("totals")));

        http.call("GET", ROUTE + "?hours=169").header("Authorization", "Bearer " + http.runtime().adminToken())
                .send().assertRefused(400, "invalid_parameter", "hours");
        String project = http.admin("POST", "/api/v1/projects", "{\"name\":\"P\"}").json().get("id").asText();
        String token = http.admin("POST", "/api/v1/projects/" + project + "/tokens", "{\"name\":\"t\"}").json()
                .get("token").asText();
        IngestionHttp.Answer forbidden = http.call("GET", ROUTE).header("Authorization", "Bearer " + token).send();
        forbidden.assertRefused(403, "forbidden");
        assertTrue(!forbidden.body().contains("unauthorized\":"), "a project token sees no count: " + forbidden);
        http.call("GET", ROUTE).send().assertRefused(401, "unauthorized");
    }

    /** The non-zero reasons of a stats answer's totals (accepted left out). */
    private static Map<String, Long> refused(JsonNode totals) {
        Map<String, Long> counts = new TreeMap<>();
        totals.get("refused").fields().forEachRemaining(reason -> {
            if (reason.getValue().asLong() != 0) {
                counts.put(reason.getKey(), reason.getValue().asLong());
            }
        });
        return counts;
    }
}
