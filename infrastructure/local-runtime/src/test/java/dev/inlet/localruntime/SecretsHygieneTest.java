package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;

import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.FunctionEnvironment;
import dev.inlet.localaws.HttpRoute;
import dev.inlet.localruntime.IngestionHttp.Answer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 8, part 5: secrets hygiene. After a scenario that issues project tokens, creates sources, rotates and expires
 * keys, sends events (key in Basic and in the body), gets refusals of every kind (keys and tokens sent unquoted in
 * bodies among them, which a parser's message would quote) and disables a source with its keys:
 * no write key or admin token is in any item of any table, in any answer but the one that issued it, or in any metric
 * (the EMF lines the functions print). And a leaked table is useless: with another pepper no key authenticates, and
 * the stored hashes themselves authenticate nothing.
 *
 * <p>Constant-time comparison (reviewed, not measurable here): the root token is compared through HMACs with
 * {@code MessageDigest.isEqual} ({@code SecretHasher.matches}), as are key checksums and cursor signatures; keys and
 * project tokens are never compared in code but looked up by their HMAC, which a caller cannot steer.
 */
class SecretsHygieneTest {

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    /** A secret, and the answer allowed to show it (the one that issued it). */
    private final Map<String, String> secrets = new LinkedHashMap<>();
    private final List<String> answers = new ArrayList<>();

    @Test
    void noKeyOrTokenIsStoredAnsweredOrMeasuredAndALeakedTableAuthenticatesNothing() throws Exception {
        String root = http.runtime().adminToken();
        secrets.put(root, "");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(new TeeStream(stdout, printed), true, UTF_8));
        List<String> liveKeys;
        try {
            liveKeys = scenario(root);
            http.runtime().awaitStreamsIdle(Duration.ofSeconds(30));
        } finally {
            System.setOut(stdout);
        }

        for (String answer : answers) {
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                if (!answer.equals(secret.getValue())) {
                    assertFalse(leaks(answer, secret.getKey()), "an answer shows a secret it did not issue: "
                            + answer);
                }
            }
        }

        List<String> metrics = printed.toString(UTF_8).lines().filter(line -> line.contains("\"_aws\"")).toList();
        assertFalse(metrics.isEmpty(), "the functions printed EMF metrics (AWS_EMF_ENVIRONMENT=Local)");
        for (String line : metrics) {
            secrets.keySet().forEach(secret -> assertFalse(leaks(line, secret), "a metric holds a secret: " + line));
        }

        Map<String, Integer> scanned = new LinkedHashMap<>();
        List<String> storedHashes = new ArrayList<>();
        for (Map.Entry<String, String> table : http.runtime().tableNames().entrySet()) {
            List<Map<String, AttributeValue>> items = http.runtime().dynamoDb().scanPaginator(scan -> scan
                    .tableName(table.getValue()).consistentRead(true)).items().stream().toList();
            scanned.put(table.getKey(), items.size());
            for (Map<String, AttributeValue> item : items) {
                String text = item.toString();
                secrets.keySet().forEach(secret -> assertFalse(leaks(text, secret),
                        table.getKey() + " stores a secret: " + text));
                for (String hashAttribute : List.of("key_hash", "token_hash")) {
                    if (item.containsKey(hashAttribute)) {
                        storedHashes.add(item.get(hashAttribute).s());
                    }
                }
            }
        }
        for (String table : List.of("ProjectsTable", "AdminTokensTable", "SourcesTable", "WriteKeysTable",
                "EventsTable", "AuditTable", "SourceStatsTable", "RateLimitsTable")) {
            assertTrue(scanned.getOrDefault(table, 0) > 0, "the scenario wrote to " + table + ": " + scanned);
        }
        System.out.printf("SECRETS HYGIENE: %d secrets, %d answers, %d EMF lines, %d items in %d tables scanned: "
                        + "none found%n", secrets.size(), answers.size(), metrics.size(),
                scanned.values().stream().mapToInt(Integer::intValue).sum(), scanned.size());

        // A leaked table without the pepper: the real keys fail under another pepper, and the hashes are no keys.
        LambdaFunction otherPepper = ingestionWithPepper("a-different-pepper-0123456789abcdef");
        for (String key : liveKeys) {
            http.postJson("/v1/track", key, "{\"userId\":\"u\",\"event\":\"control\"}").assertAccepted();
            assertEquals(401, track(otherPepper, key).getStatusCode(), "a key authenticates under another pepper");
        }
        for (String hash : storedHashes) {
            assertEquals(401, track(otherPepper, hash).getStatusCode());
            http.postJson("/v1/track", hash, "{\"userId\":\"u\",\"event\":\"e\"}").assertUnauthorized("unauthorized");
            Answer admin = http.call("GET", "/api/v1/events/write-keys").header("Authorization", "Bearer " + hash)
                    .send();
            admin.assertRefused(401, "unauthorized");
        }
        assertTrue(storedHashes.size() >= 6, "hashes of keys and tokens were found: " + storedHashes.size());
    }

    /** Issues, uses and refuses keys and tokens of every kind; returns keys that are live at the end. */
    private List<String> scenario(String root) {
        JsonNode project = admin("POST", "/api/v1/projects", root, "{\"name\":\"hygiene\"}", 201);
        String projectId = project.get("id").asText();
        String token = issued(admin("POST", "/api/v1/projects/" + projectId + "/tokens", root, "{\"name\":\"ci\"}",
                201), "token");
        JsonNode revokedToken = admin("POST", "/api/v1/projects/" + projectId + "/tokens", root, "{\"name\":\"old\"}",
                201);
        String revoked = issued(revokedToken, "token");
        admin("DELETE", "/api/v1/projects/" + projectId + "/tokens/" + revokedToken.get("id").asText(), root, null,
                204);

        JsonNode web = admin("POST", "/api/v1/events/write-keys", token,
                "{\"name\":\"web\",\"source_type\":\"web\",\"allowed_origins\":[\"https://app.example.com\"]}", 201);
        String webKey = issued(web, "key");
        JsonNode server = admin("POST", "/api/v1/events/write-keys", root,
                "{\"name\":\"server\",\"source_type\":\"server\",\"project_id\":\"" + projectId + "\"}", 201);
        String serverKey = issued(server, "key");
        String webKey2 = issued(admin("POST", "/api/v1/events/write-keys/" + web.get("id").asText() + "/rotate",
                token, "{\"grace_period_hours\":24}", 200), "key");
        String serverKey2 = issued(admin("POST", "/api/v1/events/write-keys/" + server.get("id").asText()
                + "/rotate", token, "{\"grace_period_hours\":0}", 200), "key");

        record(http.postJson("/v1/track", webKey, "{\"userId\":\"u\",\"event\":\"basic\"}"), 200);
        record(http.post("/v1/p").origin("https://app.example.com").text("{\"writeKey\":\"" + webKey2
                + "\",\"anonymousId\":\"a\",\"name\":\"Home\"}").send(), 200);
        record(http.postJson("/v1/batch", serverKey2, "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u\","
                + "\"traits\":{\"plan\":\"pro\"}},{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}]}"), 200);
        record(http.postJson("/v1/track", serverKey, "{\"userId\":\"u\",\"event\":\"expired\"}"), 401);
        record(http.postJson("/v1/track", webKey, "{\"writeKey\":\"" + serverKey2 + "\",\"userId\":\"u\","
                + "\"event\":\"mismatch\"}"), 401);
        // The checksum's last character changed (to another one: a key may well end in "x" already).
        String badChecksum = webKey.substring(0, webKey.length() - 1) + (webKey.endsWith("x") ? "y" : "x");
        record(http.postJson("/v1/track", badChecksum,
                "{\"userId\":\"u\",\"event\":\"checksum\"}"), 401);
        record(http.post("/v1/track").basic(webKey).origin("https://evil.example")
                .json("{\"userId\":\"u\",\"event\":\"origin\"}").send(), 403);
        record(http.call("GET", "/api/v1/projects").header("Authorization", "Bearer " + revoked).send(), 401);
        record(http.call("GET", "/api/v1/projects").header("Authorization", "Bearer " + token).send(), 403);
        record(http.call("GET", "/api/v1/events/write-keys").header("Authorization", "Bearer " + webKey2).send(),
                401);
        record(http.call("GET", "/api/v1/events/write-keys").header("Authorization", "Basic " + root).send(), 401);
        record(http.call("GET", "/api/v1/events/write-keys/" + serverKey2).header("Authorization", "Bearer " + root)
                .send(), 404);
        // A parser's message quotes the token it choked on: a key or token sent unquoted must not come back.
        record(http.postJson("/v1/track", serverKey2, "{\"userId\":\"u\",\"event\":\"e\",\"writeKey\":" + serverKey2
                + "}"), 400);
        record(http.post("/v1/track").json("{\"writeKey\":" + webKey2 + ",\"userId\":\"u\"}").send(), 400);
        record(http.post("/v1/batch").basic(serverKey2).json("{\"batch\":[{\"type\":\"track\",\"userId\":"
                + serverKey2.substring(0, 30) + "}]}").send(), 400);
        record(http.call("POST", "/api/v1/projects").header("Authorization", "Bearer " + root)
                .json("{\"name\":" + token + "}").send(), 400);
        record(http.call("POST", "/api/v1/projects/" + projectId + "/tokens").header("Authorization", "Bearer " + root)
                .json("{\"name\":" + root + "}").send(), 400);
        record(http.call("POST", "/api/v1/projects").header("Authorization", "Bearer " + root)
                .json("{\"" + revoked + "\":1,\"" + revoked + "\":2}").send(), 400);
        admin("GET", "/api/v1/events/write-keys/" + web.get("id").asText() + "/audit", token, null, 200);
        admin("GET", "/api/v1/events/write-keys/" + web.get("id").asText() + "/keys", token, null, 200);
        admin("GET", "/api/v1/events/write-keys?limit=100", root, null, 200);
        admin("GET", "/api/v1/projects/" + projectId + "/tokens", root, null, 200);
        // Disabled with its keys before its key was ever used (a used key stays cached up to 5 s).
        JsonNode compromised = admin("POST", "/api/v1/events/write-keys", token,
                "{\"name\":\"compromised\",\"source_type\":\"server\"}", 201);
        String compromisedKey = issued(compromised, "key");
        admin("POST", "/api/v1/events/write-keys/" + compromised.get("id").asText() + "/disable", token,
                "{\"revoke_keys\":true}", 200);
        record(http.postJson("/v1/track", compromisedKey, "{\"userId\":\"u\",\"event\":\"revoked\"}"), 401);
        return List.of(serverKey2);
    }

    private JsonNode admin(String method, String path, String token, String json, int status) {
        IngestionHttp.Call call = http.call(method, path).header("Authorization", "Bearer " + token);
        if (json != null) {
            call.json(json);
        }
        Answer answer = record(call.send(), status);
        return answer.json();
    }

    /** The secret a creation answer issued; that answer alone may show it. */
    private String issued(JsonNode answer, String field) {
        String secret = answer.get(field).asText();
        secrets.put(secret, answers.getLast());
        return secret;
    }

    private Answer record(Answer answer, int status) {
        assertEquals(status, answer.status(), answer.body());
        answers.add(answer.body() + answer.response().headers().map());
        return answer;
    }

    /** The whole secret, or the part of it that no listing shows (what follows the display prefix). */
    private static boolean leaks(String text, String secret) {
        int shown = secret.startsWith("inlet_") ? secret.lastIndexOf('_') + 1 + 6 : 0;
        return text.contains(secret) || shown > 0 && shown < secret.length() && text.contains(secret.substring(shown));
    }

    private static LambdaFunction ingestionWithPepper(String pepper) {
        LocalRuntime runtime = http.runtime();
        FunctionDefinition definition = runtime.template().function("IngestFunction");
        Map<String, String> environment = new HashMap<>(FunctionEnvironment.resolve(runtime.template(), definition,
                runtime.tableNames(), Map.of()).variables());
        environment.put("AWS_REGION", LocalRuntime.DEFAULT_REGION);
        environment.put("DYNAMODB_ENDPOINT", runtime.dynamoDbEndpoint().toString());
        environment.put("PEPPER", pepper);
        return LambdaFunction.load(definition, environment, LocalRuntime.DEFAULT_REGION);
    }

    private static APIGatewayV2HTTPResponse track(LambdaFunction ingestion, String key) throws Exception {
        HttpRoute route = ingestion.definition().routes().stream()
                .filter(r -> r.routeKey().equals("POST /v1/track")).findFirst().orElseThrow();
        IncomingRequest request = new IncomingRequest("POST", "/v1/track", "", Map.of(
                "Authorization", List.of(IngestionHttp.basic(key)), "Content-Type", List.of("application/json")),
                "{\"userId\":\"u\",\"event\":\"leaked\"}".getBytes(UTF_8), "127.0.0.1", "HTTP/1.1", 3000);
        return ingestion.invoke(ApiGatewayEvents.toEvent(request, route, Map.of(), ApiGatewayEvents.newRequestId(),
                Instant.now()));
    }

    /** Copies what is printed to the console into a buffer too. */
    private static final class TeeStream extends java.io.OutputStream {
        private final PrintStream console;
        private final ByteArrayOutputStream copy;

        TeeStream(PrintStream console, ByteArrayOutputStream copy) {
            this.console = console;
            this.copy = copy;
        }

        @Override
        public synchronized void write(int b) {
            console.write(b);
            copy.write(b);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            console.write(bytes, offset, length);
            copy.write(bytes, offset, length);
        }
    }
}
