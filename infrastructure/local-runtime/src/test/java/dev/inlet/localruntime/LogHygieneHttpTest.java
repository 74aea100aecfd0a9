package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.http.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The functions' logs over a scenario that handles every kind of secret (root and project admin tokens, current,
 * rotated, foreign and made-up write keys, in headers and bodies, accepted and refused): every line is one JSON object
 * with the request's fields, and no line holds any of the secrets.
 */
class LogHygieneHttpTest {

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    @Test
    void logLinesAreJsonWithTheRequestsFieldsAndNeverHoldAKeyOrToken() {
        List<String> secrets = new ArrayList<>();
        secrets.add(http.runtime().adminToken());
        List<String> lines;
        String webId;
        try (CapturedLogs logs = CapturedLogs.open()) {
            JsonNode project = http.admin("POST", "/api/v1/projects", "{\"name\":\"Hygiene\"}").json();
            String projectId = project.get("id").asText();
            JsonNode token = http.admin("POST", "/api/v1/projects/" + projectId + "/tokens", "{\"name\":\"ci\"}")
                    .json();
            String projectToken = token.get("token").asText();
            secrets.add(projectToken);

            IngestionHttp.CreatedSource web = http.createSource("{\"name\":\"Web\",\"source_type\":\"web\","
                    + "\"project_id\":\"" + projectId + "\",\"allowed_origins\":[\"https://app.example.com\"]}");
            webId = web.id();
            IngestionHttp.CreatedSource server = http.serverSource("Server");
            secrets.add(web.key());
            secrets.add(server.key());
            String rotated = http.rotate(web.id(), 24).get("key").asText();
            secrets.add(rotated);
            String madeUp = "inlet_live_sk_MadeUpMadeUpMadeUpMadeUpMadeUpMadeUpMadeUpMadeUp";
            secrets.add(madeUp);

            http.postJson("/v1/track", web.key(), "{\"userId\":\"u\",\"event\":\"e\"}").assertAccepted();
            http.post("/v1/t").origin("https://app.example.com").text("{\"writeKey\":\"" + rotated
                    + "\",\"anonymousId\":\"a\",\"event\":\"e\"}").send().assertAccepted();
            http.post("/v1/batch").basic(web.key()).json("{\"writeKey\":\"" + server.key() + "\",\"batch\":[]}")
                    .gzip().send().assertUnauthorized("unauthorized");
            http.post("/v1/track").basic(rotated).origin("https://evil.example")
                    .json("{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"leak\":\"" + server.key() + "\"}}")
                    .send().assertRefused(403, "origin_not_allowed");
            http.postJson("/v1/track", madeUp, "{\"userId\":\"u\",\"event\":\"e\"}").assertUnauthorized("unauthorized");
            http.postJson("/v1/track", server.key(), "{\"writeKey\":").assertRefused(400, "invalid_json");
            http.post("/v1/track").header("Authorization", "Basic " + server.key()).json("{}").send()
                    .assertUnauthorized("unauthorized");
            http.call("GET", "/api/v1/events/write-keys").header("Authorization", "Bearer " + projectToken + "x")
                    .send().assertRefused(401, "unauthorized");
            http.call("GET", "/api/v1/events/write-keys").header("Authorization", "Bearer " + projectToken).send();
            http.call("GET", "/api/v1/events/write-keys/" + web.id() + "/events")
                    .header("Authorization", "Bearer " + projectToken).send();
            lines = logs.lines();
        }

        assertTrue(lines.size() >= 14, "a line per request (15), but LogLimit may fold one refusal into another: "
                + lines.size());
        for (String line : lines) {
            for (String secret : secrets) {
                assertFalse(line.contains(secret), "a secret in a log line: " + line);
                assertFalse(line.contains(secret.substring(0, secret.length() - 6)),
                        "most of a secret in a log line: " + line);
            }
        }
        List<JsonNode> answered = new ArrayList<>();
        for (String line : lines) {
            JsonNode json = Json.parse(line);
            assertTrue(json.hasNonNull("level") && json.hasNonNull("message") && json.hasNonNull("timestamp"), line);
            if (json.path("message").asText().startsWith("Answered ")) {
                answered.add(json);
            }
        }
        List<JsonNode> ingestion = answered.stream().filter(j -> j.path("route").asText().startsWith("POST /v1/"))
                .toList();
        // 7 calls; the two unattributed 401s may share a second, and then one line stands for both (LogLimit).
        assertTrue(ingestion.size() == 6 || ingestion.size() == 7, ingestion.toString());
        for (JsonNode line : ingestion) {
            assertTrue(line.hasNonNull("request_id") && line.hasNonNull("outcome") && line.hasNonNull("status")
                    && line.hasNonNull("latency_ms"), line.toString());
        }
        JsonNode accepted = ingestion.getFirst();
        assertEquals("accepted", accepted.get("outcome").asText());
        assertEquals(webId, accepted.get("source_id").asText(), "attributed: " + accepted);
        assertTrue(accepted.hasNonNull("project_id"), accepted.toString());
        assertEquals(1, accepted.get("events").asInt());
        assertEquals(java.util.Set.of("accepted", "unauthorized", "origin_not_allowed", "invalid_json"),
                ingestion.stream().map(j -> j.get("outcome").asText()).collect(java.util.stream.Collectors.toSet()));
        assertTrue(answered.stream().anyMatch(j -> j.path("actor").asText().startsWith("token:")),
                "admin lines say who acted, by token id");
    }
}
