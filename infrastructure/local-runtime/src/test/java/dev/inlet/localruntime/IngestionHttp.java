package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import com.fasterxml.jackson.databind.node.MissingNode;

import dev.inlet.common.http.Json;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What the ingestion HTTP tests share: admin calls (create, rotate, revoke a source), tracking calls with
 * {@link HttpClient}, and reading back what the events table holds for a source. One instance per test class, over
 * that class's {@link LocalRuntime}.
 */
final class IngestionHttp implements BeforeAllCallback, AfterAllCallback {

    /** The bound on how long a changed key can go unseen by ingestion (its key cache), plus a margin for CI. */
    static final Duration KEY_CACHE_BOUND = Duration.ofSeconds(5);
    static final Duration POLL_DEADLINE = KEY_CACHE_BOUND.plusSeconds(3);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private LocalRuntime runtime;

    /**
     * As a JUnit extension ({@code @RegisterExtension static final IngestionHttp http = new IngestionHttp();}) it
     * starts one local runtime for the test class and closes it afterwards.
     */
    IngestionHttp() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        runtime = LocalRuntime.start(LocalRuntime.Options.forTests());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (runtime != null) {
            runtime.close();
        }
    }

    LocalRuntime runtime() {
        return runtime;
    }

    /** A source as its creation answered it: the full key appears only there. */
    record CreatedSource(String id, String key, JsonNode answer) {
    }

    /** One HTTP answer, with its body parsed when it is JSON. */
    record Answer(int status, HttpResponse<String> response) {

        String body() {
            return response.body();
        }

        JsonNode json() {
            if (body() == null || body().isEmpty()) {
                return MissingNode.getInstance();
            }
            try {
                return Json.MAPPER.readTree(body());
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body(), e);
            }
        }

        Optional<String> header(String name) {
            return response.headers().firstValue(name);
        }

        String errorCode() {
            return json().at("/error/code").asText(null);
        }

        String errorField() {
            return json().at("/error/field").asText(null);
        }

        /** Exactly {@code {"success":true}} with status 200. */
        void assertAccepted() {
            assertEquals(200, status, body());
            assertEquals(Json.parse("{\"success\":true}"), json(), body());
        }

        void assertRefused(int expectedStatus, String expectedCode) {
            assertEquals(expectedStatus, status, body());
            assertEquals(expectedCode, errorCode(), body());
            assertTrue(json().at("/error/message").isTextual(), "every refusal explains itself: " + body());
        }

        void assertRefused(int expectedStatus, String expectedCode, String expectedField) {
            assertRefused(expectedStatus, expectedCode);
            assertEquals(expectedField, errorField(), body());
        }

        /** A 401 asks for HTTP Basic, Segment's convention (key as user name). */
        void assertUnauthorized(String expectedCode) {
            assertRefused(401, expectedCode);
            assertTrue(header("WWW-Authenticate").orElse("").startsWith("Basic"),
                    "401 carries WWW-Authenticate: Basic, got " + response.headers().map());
        }

        @Override
        public String toString() {
            return status + " " + body();
        }

        void assertNoCorsAllowHeader() {
            assertNull(header("Access-Control-Allow-Origin").orElse(null),
                    "no Access-Control-Allow-Origin, so a browser blocks the answer: " + response.headers().map());
        }
    }

    // ------------------------------------------------------------------------------------------------ admin API

    CreatedSource createSource(String json) {
        Answer created = admin("POST", "/api/v1/events/write-keys", json);
        assertEquals(201, created.status(), created.body());
        JsonNode answer = created.json();
        return new CreatedSource(answer.get("id").asText(), answer.get("key").asText(), answer);
    }

    /** A server source taking every event type, no origins: the plainest producer. */
    CreatedSource serverSource(String name) {
        return createSource("{\"name\":\"" + name + "\",\"source_type\":\"server\",\"environment\":\"production\"}");
    }

    /** The rotation answer: the source with the new {@code key}, {@code key_id} and {@code previous_key}. */
    JsonNode rotate(String sourceId, int graceHours) {
        Answer rotated = admin("POST", "/api/v1/events/write-keys/" + sourceId + "/rotate",
                "{\"grace_period_hours\":" + graceHours + "}");
        assertEquals(200, rotated.status(), rotated.body());
        return rotated.json();
    }

    void revoke(String sourceId) {
        Answer revoked = admin("POST", "/api/v1/events/write-keys/" + sourceId + "/revoke", null);
        assertEquals(200, revoked.status(), revoked.body());
        assertEquals("revoked", revoked.json().get("status").asText(), revoked.body());
    }

    void disable(String sourceId) {
        Answer disabled = admin("POST", "/api/v1/events/write-keys/" + sourceId + "/disable", null);
        assertEquals(200, disabled.status(), disabled.body());
        assertEquals("disabled", disabled.json().get("status").asText(), disabled.body());
    }

    /**
     * A key that is well-formed (whatever the checksum scheme) but unknown: a new source whose key items are then
     * deleted, as the table's TTL purges an ended key. Ingestion must answer it exactly like a made-up key.
     */
    String unknownKey(String name) {
        CreatedSource source = serverSource(name);
        String table = runtime.tableName("WriteKeysTable");
        List<Map<String, AttributeValue>> keyItems = runtime.dynamoDb().scanPaginator(scan -> scan.tableName(table)
                        .consistentRead(true).filterExpression("source_id = :s")
                        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(source.id()))))
                .items().stream().toList();
        assertEquals(1, keyItems.size(), "a new source has one key item");
        runtime.dynamoDb().deleteItem(delete -> delete.tableName(table)
                .key(Map.of("key_hash", keyItems.get(0).get("key_hash"))));
        return source.key();
    }

    /** The id of the source's current key, as the keys listing shows it (events carry it as {@code key_id}). */
    String currentKeyId(String sourceId) {
        Answer keys = admin("GET", "/api/v1/events/write-keys/" + sourceId + "/keys", null);
        assertEquals(200, keys.status(), keys.body());
        for (JsonNode key : keys.json().get("data")) {
            if (key.get("current").asBoolean()) {
                return key.get("id").asText();
            }
        }
        throw new AssertionError("no current key: " + keys.body());
    }

    Answer admin(String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + runtime.adminToken())
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return send(request.build());
    }

    // ------------------------------------------------------------------------------------------------ tracking API

    /** A tracking call being built; {@link #send()} sends it. */
    final class Call {
        private final String method;
        private final String path;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private byte[] body;

        private Call(String method, String path) {
            this.method = method;
            this.path = path;
        }

        Call header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Call basic(String key) {
            return header("Authorization", IngestionHttp.basic(key));
        }

        Call origin(String origin) {
            return header("Origin", origin);
        }

        /** {@code Content-Type: application/json}, as server SDKs send. */
        Call json(String json) {
            header("Content-Type", "application/json");
            body = json.getBytes(UTF_8);
            return this;
        }

        /** {@code Content-Type: text/plain}, as analytics.js sends to skip the CORS preflight. */
        Call text(String json) {
            header("Content-Type", "text/plain");
            body = json.getBytes(UTF_8);
            return this;
        }

        Call bytes(String contentType, byte[] bytes) {
            if (contentType != null) {
                header("Content-Type", contentType);
            }
            body = bytes;
            return this;
        }

        /** Compresses the body set so far and says so with {@code Content-Encoding: gzip}. */
        Call gzip() {
            body = IngestionHttp.gzip(body);
            return header("Content-Encoding", "gzip");
        }

        Answer send() {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(request::header);
            return IngestionHttp.send(request.build());
        }
    }

    Call post(String path) {
        return new Call("POST", path);
    }

    Call call(String method, String path) {
        return new Call(method, path);
    }

    /** {@code POST path} with Basic auth and a JSON body: the server SDKs' call. */
    Answer postJson(String path, String key, String json) {
        return post(path).basic(key).json(json).send();
    }

    static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(UTF_8));
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private URI uri(String path) {
        return URI.create(runtime.baseUri() + path);
    }

    private static Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ events table

    /**
     * Every stored event of a source, by messageId, read with a consistent scan. Asserts each item's key is
     * {@code <source id>#<messageId>} with the same messageId in its payload, and that no messageId appears twice.
     */
    Map<String, StoredItem> stored(String sourceId) {
        Map<String, StoredItem> byMessageId = new LinkedHashMap<>();
        runtime.dynamoDb().scanPaginator(scan -> scan.tableName(runtime.tableName("EventsTable"))
                        .consistentRead(true)
                        .filterExpression("source_id = :s")
                        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(sourceId))))
                .items().forEach(item -> {
                    StoredItem stored = new StoredItem(item);
                    String eventKey = item.get("event_key").s();
                    assertTrue(eventKey.startsWith(sourceId + "#"), eventKey);
                    String messageId = eventKey.substring(sourceId.length() + 1);
                    assertEquals(messageId, stored.payload().get("messageId").asText(),
                            "the item's key and its payload name the same message: " + item);
                    assertFalse(stored.payloadText().contains("writeKey"), "a write key is never stored: " + item);
                    assertNull(byMessageId.put(messageId, stored), "messageId " + messageId + " stored twice");
                });
        return byMessageId;
    }

    /** One item of the events table. */
    record StoredItem(Map<String, AttributeValue> item) {

        String attribute(String name) {
            AttributeValue value = item.get(name);
            return value == null ? null : value.s();
        }

        String payloadText() {
            return attribute("payload");
        }

        JsonNode payload() {
            try {
                return Json.MAPPER.readTree(payloadText());
            } catch (IOException e) {
                throw new AssertionError("payload is not JSON: " + item, e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ waiting

    /**
     * Repeats {@code attempt} until {@code done} holds, pausing 100 ms between tries; fails after {@code deadline}
     * with the last value. Never a fixed long sleep: a change seen at once costs one try.
     */
    static <T> T poll(Duration deadline, Supplier<T> attempt, Predicate<T> done, String what) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            T value = attempt.get();
            if (done.test(value)) {
                return value;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline.toMillis() + " ms: " + what + "; last: " + value);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
