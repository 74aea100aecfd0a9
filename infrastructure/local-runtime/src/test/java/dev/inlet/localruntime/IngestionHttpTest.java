package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.inlet.common.http.Json;
import dev.inlet.localruntime.IngestionHttp.Answer;
import dev.inlet.localruntime.IngestionHttp.CreatedSource;
import dev.inlet.localruntime.IngestionHttp.StoredItem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The tracking API over HTTP, against the local runtime with the real IngestFunction: every answer it gives, one
 * test each, and for each the events table holding exactly what was acknowledged (nothing of a refused request).
 * The 503 {@code storage_unavailable} path needs an injected DynamoDB fault and is covered by IngestHandlerTest.
 */
class IngestionHttpTest {

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    private static final AtomicInteger NAMES = new AtomicInteger();

    // ------------------------------------------------------------------------------------------------ 200

    @Test
    void trackWithBasicAuthIsAcknowledgedAndStoredWithItsAttribution() {
        CreatedSource source = server();
        Instant before = Instant.now();
        http.postJson("/v1/track", source.key(), """
                {"userId":"u1","event":"Order Completed","properties":{"total":42},"messageId":"m-1",
                 "timestamp":"2026-11-22T09:59:59.123+01:00","context":{"ip":"1.2.3.4"}}""").assertAccepted();

        StoredItem item = assertStoredExactly(source, "m-1").get("m-1");
        assertEquals(source.id(), item.attribute("source_id"));
        assertEquals(http.currentKeyId(source.id()), item.attribute("key_id"));
        assertEquals("track", item.attribute("type"));
        Instant receivedAt = Instant.parse(item.attribute("received_at"));
        assertFalse(receivedAt.isBefore(before.minusSeconds(1)), "received_at " + receivedAt + " is now");
        JsonNode payload = item.payload();
        assertEquals("track", payload.get("type").asText());
        assertEquals("Order Completed", payload.get("event").asText());
        assertEquals("u1", payload.get("userId").asText());
        assertEquals(42, payload.at("/properties/total").asInt());
        assertEquals("1.2.3.4", payload.at("/context/ip").asText());
        assertEquals(receivedAt.toString(), payload.get("receivedAt").asText());
    }

    static Stream<Arguments> everyTrackingPath() {
        String track = "\"userId\":\"u\",\"event\":\"Signed Up\"";
        String identify = "\"userId\":\"u\",\"traits\":{\"email\":\"u@example.com\"}";
        String page = "\"anonymousId\":\"a\",\"name\":\"Home\"";
        String screen = "\"userId\":\"u\",\"name\":\"Main\"";
        String group = "\"userId\":\"u\",\"groupId\":\"g1\"";
        String alias = "\"userId\":\"u\",\"previousId\":\"anon-1\"";
        String batch = "{\"batch\":[{\"type\":\"screen\",\"messageId\":\"id-1\"," + screen + "}]}";
        return Stream.of(
                Arguments.of("/v1/track", "track", "{" + track + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/t", "track", "{" + track + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/identify", "identify", "{" + identify + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/i", "identify", "{" + identify + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/page", "page", "{" + page + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/p", "page", "{" + page + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/screen", "screen", "{" + screen + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/s", "screen", "{" + screen + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/group", "group", "{" + group + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/g", "group", "{" + group + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/alias", "alias", "{" + alias + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/a", "alias", "{" + alias + ",\"messageId\":\"id-1\"}"),
                Arguments.of("/v1/batch", "screen", batch),
                Arguments.of("/v1/import", "screen", batch),
                Arguments.of("/v1/b", "screen", batch));
    }

    @ParameterizedTest(name = "POST {0}")
    @MethodSource("everyTrackingPath")
    void everyTrackingPathStoresItsCall(String path, String type, String body) {
        CreatedSource source = server();
        http.postJson(path, source.key(), body).assertAccepted();
        StoredItem item = assertStoredExactly(source, "id-1").get("id-1");
        assertEquals(type, item.attribute("type"));
        assertEquals(type, item.payload().get("type").asText());
    }

    @Test
    void browserCallWithTheKeyInATextPlainBodyIsAccepted() {
        CreatedSource source = web("[\"https://app.example.com\"]", "[]");
        Answer answer = http.post("/v1/t").origin("https://app.example.com").bytes("text/plain;charset=UTF-8",
                ("{\"writeKey\":\"" + source.key() + "\",\"anonymousId\":\"a1\",\"event\":\"Clicked\","
                        + "\"messageId\":\"t-1\"}").getBytes(UTF_8)).send();
        answer.assertAccepted();
        assertEquals("https://app.example.com", answer.header("Access-Control-Allow-Origin").orElse(null));
        String payload = assertStoredExactly(source, "t-1").get("t-1").payloadText();
        assertFalse(payload.contains(source.key()), "the body's writeKey is not stored: " + payload);
    }

    @Test
    void browserBatchOnTheOneLetterPathStoresEveryEventWithTheSharedContext() {
        CreatedSource source = web("[\"https://app.example.com\"]", "[]");
        http.post("/v1/b").origin("https://app.example.com").text("""
                {"writeKey":"%s","batch":[
                  {"type":"page","anonymousId":"a1","name":"Home","messageId":"b-1"},
                  {"type":"identify","anonymousId":"a1","userId":"u1","traits":{"plan":"pro"},"messageId":"b-2"},
                  {"type":"track","userId":"u1","event":"Upgraded","messageId":"b-3","context":{"page":"own"}}],
                 "context":{"library":{"name":"analytics.js"},"page":"shared"},
                 "sentAt":"2026-11-22T10:00:00.000Z"}""".formatted(source.key())).send().assertAccepted();

        Map<String, StoredItem> stored = assertStoredExactly(source, "b-1", "b-2", "b-3");
        assertEquals("page", stored.get("b-1").attribute("type"));
        assertEquals("identify", stored.get("b-2").attribute("type"));
        assertEquals("pro", stored.get("b-2").payload().at("/traits/plan").asText());
        assertEquals("track", stored.get("b-3").attribute("type"));
        assertEquals("shared", stored.get("b-1").payload().at("/context/page").asText());
        assertEquals("own", stored.get("b-3").payload().at("/context/page").asText(), "an event's context wins");
        assertEquals("analytics.js", stored.get("b-3").payload().at("/context/library/name").asText());
        assertEquals("2026-11-22T10:00:00.000Z", stored.get("b-2").payload().get("sentAt").asText());
    }

    @Test
    void gzipBodyIsAccepted() {
        CreatedSource source = server();
        Answer answer = http.post("/v1/import").basic(source.key()).json(batchOf("z-", 3)).gzip().send();
        answer.assertAccepted();
        assertStoredExactly(source, "z-0", "z-1", "z-2");
    }

    @Test
    void aResentRequestIsAcknowledgedAgainAndStoredOnce() {
        CreatedSource source = server();
        String json = "{\"batch\":[" + trackItem("r-1") + "," + trackItem("r-1") + "," + trackItem("r-2") + "]}";
        http.postJson("/v1/batch", source.key(), json).assertAccepted();
        http.postJson("/v1/batch", source.key(), json).assertAccepted();
        assertStoredExactly(source, "r-1", "r-2");
    }

    // ------------------------------------------------------------------------------------------------ CORS

    @Test
    void allowedOriginGetsTheAllowHeader() {
        CreatedSource source = web("[\"https://app.example.com\",\"https://*.example.org\"]", "[]");
        List<String> origins = List.of("https://app.example.com", "https://shop.example.org");
        for (int i = 0; i < origins.size(); i++) {
            Answer answer = http.post("/v1/track").basic(source.key()).origin(origins.get(i))
                    .json(track("o-" + i)).send();
            answer.assertAccepted();
            assertEquals(origins.get(i), answer.header("Access-Control-Allow-Origin").orElse(null));
            assertEquals("Origin", answer.header("Vary").orElse(null));
        }
        assertStoredExactly(source, "o-0", "o-1");
    }

    @Test
    void disallowedOriginIs403WithoutTheAllowHeader() {
        CreatedSource source = web("[\"https://app.example.com\",\"https://*.example.org\"]", "[]");
        for (String origin : List.of("https://evil.example.net", "http://app.example.com", "https://example.org")) {
            Answer answer = http.post("/v1/track").basic(source.key()).origin(origin).json(track("x")).send();
            answer.assertRefused(403, "origin_not_allowed");
            answer.assertNoCorsAllowHeader();
        }
        assertStoredExactly(source);
    }

    @Test
    void browserCodeCanReadWhyItWasRefusedUnlessItsOriginIsNotAllowed() {
        String origin = "https://app.example.com";
        Answer unknown = http.post("/v1/t").origin(origin).text("{\"writeKey\":\"" + http.unknownKey("cors unknown")
                + "\",\"userId\":\"u\",\"event\":\"e\"}").send();
        unknown.assertRefused(401, "unauthorized");
        assertEquals(origin, unknown.header("Access-Control-Allow-Origin").orElse(null),
                "a refusal that names no source is readable, so the SDK shows 401, not a CORS error");
        Answer unreadable = http.post("/v1/t").origin(origin).text("{not json").send();
        unreadable.assertRefused(400, "invalid_json");
        assertEquals(origin, unreadable.header("Access-Control-Allow-Origin").orElse(null));

        CreatedSource web = web("[\"" + origin + "\"]", "[\"track\"]");
        Answer typed = http.post("/v1/p").basic(web.key()).origin(origin).json("{\"userId\":\"u\"}").send();
        typed.assertRefused(403, "event_type_not_allowed");
        assertEquals(origin, typed.header("Access-Control-Allow-Origin").orElse(null), "an allowed origin");
        Answer foreign = http.post("/v1/p").basic(web.key()).origin("https://evil.example.net")
                .json("{\"userId\":\"u\"}").send();
        foreign.assertRefused(403, "origin_not_allowed");
        foreign.assertNoCorsAllowHeader();

        CreatedSource server = server();
        http.disable(server.id());
        Answer disabled = http.post("/v1/track").basic(server.key()).origin(origin).json(track("c-1")).send();
        disabled.assertRefused(403, "source_disabled");
        disabled.assertNoCorsAllowHeader(); // a server source allows no browser origin, whatever the refusal
        assertStoredExactly(web);
    }

    @Test
    void serverSourceWithoutAllowedOriginsRefusesEveryBrowserOrigin() {
        CreatedSource source = server();
        Answer answer = http.post("/v1/track").basic(source.key()).origin("https://app.example.com")
                .json(track("s-browser")).send();
        answer.assertRefused(403, "origin_not_allowed");
        answer.assertNoCorsAllowHeader();
        http.postJson("/v1/track", source.key(), track("s-server")).assertAccepted(); // no Origin: a server
        assertStoredExactly(source, "s-server");
    }

    @Test
    void preflightIs204WithTheAllowHeaders() {
        for (String path : List.of("/v1/track", "/v1/b")) {
            Answer answer = http.call("OPTIONS", path).origin("https://app.example.com")
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization, content-type, content-encoding")
                    .send();
            assertEquals(204, answer.status(), answer.body());
            assertEquals("", answer.body());
            assertEquals("https://app.example.com", answer.header("Access-Control-Allow-Origin").orElse(null));
            assertTrue(headerList(answer, "Access-Control-Allow-Methods").contains("post"),
                    answer.response().headers().map().toString());
            Set<String> allowed = headerList(answer, "Access-Control-Allow-Headers");
            assertTrue(allowed.containsAll(Set.of("authorization", "content-type", "content-encoding")),
                    "allow headers: " + allowed);
            assertEquals("600", answer.header("Access-Control-Max-Age").orElse(null));
            assertTrue(headerList(answer, "Vary").contains("origin"), answer.response().headers().map().toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ 400

    @Test
    void malformedJsonIs400InvalidJson() {
        CreatedSource source = server();
        http.postJson("/v1/track", source.key(), "{\"userId\":").assertRefused(400, "invalid_json");
        http.postJson("/v1/track", source.key(), "[" + track("j-1") + "]").assertRefused(400, "invalid_json");
        http.postJson("/v1/batch", source.key(), "{\"batch\":[" + trackItem("j-2") + "]} trailing")
                .assertRefused(400, "invalid_json");
        // Not UTF-8. Sent gzipped: API Gateway (and the local runtime) hands a content-encoded body over as base64
        // bytes, so the function sees the bytes as sent; a plain text body arrives already decoded as a string.
        byte[] notUtf8 = new byte[]{'{', '"', 'u', 's', 'e', 'r', 'I', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28,
                '"', ',', '"', 'e', 'v', 'e', 'n', 't', '"', ':', '"', 'E', '"', '}'};
        http.post("/v1/track").basic(source.key()).bytes("application/json", notUtf8).gzip().send()
                .assertRefused(400, "invalid_json");
        assertStoredExactly(source);
    }

    @Test
    void invalidEventIs400NamingTheField() {
        CreatedSource source = server();
        http.postJson("/v1/batch", source.key(), "{\"batch\":[" + trackItem("e-1")
                        + ",{\"type\":\"group\",\"userId\":\"u\",\"messageId\":\"e-2\"}]}")
                .assertRefused(400, "invalid_event", "batch[1].groupId");
        http.postJson("/v1/track", source.key(), "{\"userId\":\"u\",\"messageId\":\"e-3\"}")
                .assertRefused(400, "invalid_event", "event");
        http.postJson("/v1/track", source.key(), "{\"event\":\"E\",\"messageId\":\"e-4\"}")
                .assertRefused(400, "invalid_event", "userId");
        http.postJson("/v1/batch", source.key(), "{\"batch\":[{\"type\":\"click\",\"userId\":\"u\"}]}")
                .assertRefused(400, "invalid_event", "batch[0].type");
        http.postJson("/v1/batch", source.key(), "{\"batch\":[]}").assertRefused(400, "invalid_event", "batch");
        assertStoredExactly(source);
    }

    @Test
    void bodyThatIsNotTheGzipItClaimsIs400InvalidEncoding() {
        CreatedSource source = server();
        http.post("/v1/track").basic(source.key()).json(track("g-1")).header("Content-Encoding", "gzip").send()
                .assertRefused(400, "invalid_encoding");
        assertStoredExactly(source);
    }

    // ------------------------------------------------------------------------------------------------ 401

    @Test
    void missingKeyIs401Unauthorized() {
        CreatedSource source = server();
        http.post("/v1/track").json(track("k-1")).send().assertUnauthorized("unauthorized");
        http.post("/v1/t").text(track("k-2")).send().assertUnauthorized("unauthorized");
        assertStoredExactly(source);
    }

    @Test
    void malformedKeyOrCredentialsAre401Unauthorized() {
        CreatedSource source = server();
        String key = source.key();
        String badChecksum = key.substring(0, key.length() - 1) + (key.endsWith("a") ? "b" : "a");
        http.postJson("/v1/track", badChecksum, track("k-1")).assertUnauthorized("unauthorized");
        http.post("/v1/track").header("Authorization", "Basic !!!not-base64").json(track("k-2")).send()
                .assertUnauthorized("unauthorized");
        http.post("/v1/track").header("Authorization", "Bearer " + key).json(track("k-3")).send()
                .assertUnauthorized("unauthorized");
        http.post("/v1/track").header("Authorization", IngestionHttp.basic("")).json(track("k-4")).send()
                .assertUnauthorized("unauthorized");
        http.post("/v1/t").text("{\"writeKey\":\"not-a-key\",\"userId\":\"u\",\"event\":\"E\"}").send()
                .assertUnauthorized("unauthorized");
        assertStoredExactly(source);
    }

    @Test
    void unknownWellFormedKeyIs401Unauthorized() {
        String unknown = http.unknownKey("http test " + NAMES.incrementAndGet());
        http.postJson("/v1/track", unknown, track("u-1")).assertUnauthorized("unauthorized");
        http.postJson("/v1/track", unknown, track("u-1")).assertUnauthorized("unauthorized"); // cached unknown
        assertEquals(0, http.runtime().dynamoDb().scan(scan -> scan.tableName(http.runtime().tableName("EventsTable"))
                .consistentRead(true).filterExpression("contains(event_key, :m)")
                .expressionAttributeValues(Map.of(":m", AttributeValue.fromS("#u-1")))).count());
    }

    @Test
    void basicKeyAndBodyKeyNamingDifferentKeysAre401Unauthorized() {
        CreatedSource first = server();
        CreatedSource second = server();
        http.postJson("/v1/track", first.key(), "{\"writeKey\":\"" + second.key() + "\",\"userId\":\"u\","
                + "\"event\":\"E\",\"messageId\":\"c-1\"}").assertUnauthorized("unauthorized");
        // the same key twice is fine
        http.postJson("/v1/track", first.key(), "{\"writeKey\":\"" + first.key() + "\",\"userId\":\"u\","
                + "\"event\":\"E\",\"messageId\":\"c-2\"}").assertAccepted();
        assertStoredExactly(first, "c-2");
        assertStoredExactly(second);
    }

    @Test
    void revokedSourceIs401KeyRevokedWithinTheKeyCacheBound() {
        CreatedSource source = server();
        Set<String> acknowledged = new LinkedHashSet<>();
        http.postJson("/v1/track", source.key(), track("v-0")).assertAccepted(); // the key is now cached as live
        acknowledged.add("v-0");

        http.revoke(source.id());
        AtomicInteger attempt = new AtomicInteger();
        Answer refused = IngestionHttp.poll(IngestionHttp.POLL_DEADLINE, () -> {
            String messageId = "v-" + attempt.incrementAndGet();
            Answer answer = http.postJson("/v1/track", source.key(), track(messageId));
            if (answer.status() == 200) {
                acknowledged.add(messageId); // still within the cache bound: accepted, so it must be stored
            }
            return answer;
        }, answer -> answer.status() != 200, "the revoked key is refused");
        refused.assertUnauthorized("key_revoked");
        http.postJson("/v1/track", source.key(), track("v-after")).assertUnauthorized("key_revoked");
        assertStoredExactly(source, acknowledged.toArray(String[]::new));
    }

    @Test
    void rotationKeepsTheOldKeyForItsGraceAndAGraceZeroRotationEndsIt() {
        CreatedSource source = server();
        String firstKeyId = http.currentKeyId(source.id());
        JsonNode graceful = http.rotate(source.id(), 24);
        String secondKey = graceful.get("key").asText();
        assertEquals(firstKeyId, graceful.at("/previous_key/id").asText(), graceful.toString());
        assertTrue(graceful.at("/previous_key/expires_at").isTextual(), graceful.toString());

        Set<String> acknowledged = new LinkedHashSet<>();
        http.postJson("/v1/track", source.key(), track("first-0")).assertAccepted();
        http.postJson("/v1/track", secondKey, track("second-0")).assertAccepted();
        acknowledged.addAll(List.of("first-0", "second-0"));
        Map<String, StoredItem> stored = assertStoredExactly(source, "first-0", "second-0");
        assertEquals(firstKeyId, stored.get("first-0").attribute("key_id"), "attributed to the old key");
        assertEquals(graceful.get("key_id").asText(), stored.get("second-0").attribute("key_id"));

        // A grace-0 rotation ends the second key now, and the first (still in its grace) with it.
        JsonNode abrupt = http.rotate(source.id(), 0);
        String thirdKey = abrupt.get("key").asText();
        assertTrue(abrupt.get("previous_key") == null || abrupt.get("previous_key").isNull(), abrupt.toString());
        Set<String> ended = new LinkedHashSet<>();
        abrupt.get("ended_keys").forEach(key -> ended.add(key.get("id").asText()));
        assertEquals(Set.of(firstKeyId, graceful.get("key_id").asText()), ended, abrupt.toString());

        for (String oldKey : List.of(source.key(), secondKey)) {
            AtomicInteger attempt = new AtomicInteger();
            String label = oldKey.equals(secondKey) ? "second-" : "first-";
            Answer refused = IngestionHttp.poll(IngestionHttp.POLL_DEADLINE, () -> {
                String messageId = label + attempt.incrementAndGet();
                Answer answer = http.postJson("/v1/track", oldKey, track(messageId));
                if (answer.status() == 200) {
                    acknowledged.add(messageId); // a cached grant, within the 5 s bound
                }
                return answer;
            }, answer -> answer.status() != 200, "the ended key " + label + " is refused");
            refused.assertUnauthorized("key_expired");
        }
        http.postJson("/v1/track", thirdKey, track("third-0")).assertAccepted();
        acknowledged.add("third-0");
        stored = assertStoredExactly(source, acknowledged.toArray(String[]::new));
        assertEquals(abrupt.get("key_id").asText(), stored.get("third-0").attribute("key_id"));
    }

    // ------------------------------------------------------------------------------------------------ 403

    @Test
    void disabledSourceIs403SourceDisabled() {
        CreatedSource source = server();
        http.disable(source.id()); // before ingestion ever saw the key: nothing cached
        http.postJson("/v1/track", source.key(), track("d-1")).assertRefused(403, "source_disabled");
        assertStoredExactly(source);
    }

    @Test
    void eventTypesOutsideTheSourcesListAre403WithEachRefusedEvent() {
        CreatedSource source = web("[]", "[\"track\",\"page\"]");
        Answer batch = http.postJson("/v1/batch", source.key(), """
                {"batch":[{"type":"track","userId":"u","event":"e","messageId":"y-0"},
                          {"type":"identify","userId":"u","messageId":"y-1"},
                          {"type":"page","userId":"u","messageId":"y-2"},
                          {"type":"group","userId":"u","groupId":"g","messageId":"y-3"}]}""");
        batch.assertRefused(403, "event_type_not_allowed");
        assertEquals(Json.parse("[{\"index\":1,\"type\":\"identify\"},{\"index\":3,\"type\":\"group\"}]"),
                batch.json().at("/error/details"), batch.body());

        Answer single = http.postJson("/v1/i", source.key(), "{\"userId\":\"u\",\"messageId\":\"y-4\"}");
        single.assertRefused(403, "event_type_not_allowed");
        assertEquals(Json.parse("[{\"index\":0,\"type\":\"identify\"}]"), single.json().at("/error/details"));
        assertStoredExactly(source);
    }

    // ------------------------------------------------------------------------------------------------ 413

    @Test
    void eventOver32KbIs413() {
        CreatedSource source = server();
        String big = "\"properties\":{\"x\":\"" + "x".repeat(33 * 1024) + "\"}";
        http.postJson("/v1/track", source.key(), "{\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"p-1\"," + big
                + "}").assertRefused(413, "payload_too_large", "event");
        http.postJson("/v1/batch", source.key(), "{\"batch\":[" + trackItem("p-2")
                        + ",{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"p-3\"," + big + "}]}")
                .assertRefused(413, "payload_too_large", "batch[1]");
        assertStoredExactly(source);
    }

    @Test
    void requestOver500KbIs413() {
        CreatedSource source = server();
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 20; i++) { // 20 events of 30 KB: each within 32 KB, together 600 KB
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"messageId\":\"q-")
                    .append(i).append("\",\"event\":\"").append("y".repeat(30_000)).append("\"}");
        }
        http.postJson("/v1/batch", source.key(), batch.append("]}").toString())
                .assertRefused(413, "payload_too_large");
        assertStoredExactly(source);
    }

    @Test
    void gzipBombIs413() {
        CreatedSource source = server();
        byte[] bomb = gzippedSpaces(50 * 1024 * 1024); // 50 MB inflated, about 50 KB on the wire
        assertTrue(bomb.length < 100_000, "bomb is " + bomb.length + " bytes");
        Answer answer = http.post("/v1/import").basic(source.key()).bytes("application/json", bomb)
                .header("Content-Encoding", "gzip").send();
        answer.assertRefused(413, "payload_too_large");
        assertStoredExactly(source);
    }

    @Test
    void batchOfMoreThan2500EventsIs413() {
        CreatedSource source = server();
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 2501; i++) {
            batch.append(i == 0 ? "" : ",").append(trackItem("n-" + i));
        }
        http.postJson("/v1/batch", source.key(), batch.append("]}").toString())
                .assertRefused(413, "payload_too_large");
        assertStoredExactly(source);
    }

    // ------------------------------------------------------------------------------------------------ 415

    @Test
    void unsupportedMediaTypeOrEncodingIs415() {
        CreatedSource source = server();
        http.post("/v1/track").basic(source.key()).bytes("application/xml", "<e/>".getBytes(UTF_8)).send()
                .assertRefused(415, "unsupported_media_type");
        http.post("/v1/track").basic(source.key()).bytes("application/x-www-form-urlencoded",
                "userId=u&event=E".getBytes(UTF_8)).send().assertRefused(415, "unsupported_media_type");
        http.post("/v1/track").basic(source.key()).json(track("m-1")).header("Content-Encoding", "br").send()
                .assertRefused(415, "unsupported_media_type");
        assertStoredExactly(source);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static CreatedSource server() {
        return http.serverSource("http test " + NAMES.incrementAndGet());
    }

    private static CreatedSource web(String origins, String types) {
        String allowedTypes = types.equals("[]") ? "" : ",\"allowed_event_types\":" + types;
        return http.createSource("{\"name\":\"http test " + NAMES.incrementAndGet() + "\",\"source_type\":\"web\","
                + "\"environment\":\"production\",\"allowed_origins\":" + origins + allowedTypes + "}");
    }

    private static String track(String messageId) {
        return "{\"userId\":\"u1\",\"event\":\"Signed Up\",\"messageId\":\"" + messageId + "\"}";
    }

    private static String trackItem(String messageId) {
        return "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Signed Up\",\"messageId\":\"" + messageId + "\"}";
    }

    private static String batchOf(String prefix, int count) {
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < count; i++) {
            batch.append(i == 0 ? "" : ",").append(trackItem(prefix + i));
        }
        return batch.append("]}").toString();
    }

    /** The source's stored events are exactly these messageIds (each once); returns them by messageId. */
    private static Map<String, StoredItem> assertStoredExactly(CreatedSource source, String... messageIds) {
        Map<String, StoredItem> stored = http.stored(source.id());
        assertEquals(new TreeSet<>(Arrays.asList(messageIds)), new TreeSet<>(stored.keySet()),
                "stored events of " + source.id());
        return stored;
    }

    private static Set<String> headerList(Answer answer, String name) {
        Set<String> values = new LinkedHashSet<>();
        answer.response().headers().allValues(name).forEach(value -> Arrays.stream(value.split(","))
                .map(v -> v.strip().toLowerCase(Locale.ROOT)).forEach(values::add));
        return values;
    }

    private static byte[] gzippedSpaces(int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[1024 * 1024];
        Arrays.fill(chunk, (byte) ' ');
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write("{\"userId\":\"u\",\"event\":\"".getBytes(UTF_8));
            for (int written = 0; written < size; written += chunk.length) {
                zip.write(chunk);
            }
            zip.write("\"}".getBytes(UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
