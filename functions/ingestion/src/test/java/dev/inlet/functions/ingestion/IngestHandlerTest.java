package dev.inlet.functions.ingestion;

import static dev.inlet.common.testing.TestRequests.body;
import static dev.inlet.common.testing.TestRequests.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.http.Json;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.KeyLifecycle;
import dev.inlet.common.source.NewSource;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceService;
import dev.inlet.common.source.SourceType;
import dev.inlet.common.source.WriteKeys;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.CountingDynamoDb;
import dev.inlet.common.testing.TestRequests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/** The tracking API through the handler, against DynamoDB Local with the tables template.yaml declares. */
class IngestHandlerTest {

    private static final RecordingMetrics METRICS = new RecordingMetrics();
    private static AdminFixture fixture;
    private static CountingDynamoDb dynamo;
    private static IngestHandler handler;
    private static SourceService sources;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(IngestHandlerTest.class);
        dynamo = new CountingDynamoDb(fixture.dynamo);
        handler = new IngestHandler(dynamo.client(), fixture.environmentFor("IngestFunction"), AdminFixture.secrets(),
                fixture.clock, METRICS);
        sources = fixture.servicesFor("SourcesFunction").sourceService();
    }

    @BeforeEach
    void healAndCount() {
        dynamo.heal();
        dynamo.reset();
        fixture.clock.advance(Duration.ofSeconds(10)); // past the key cache: each test sees fresh lookups
    }

    @Test
    void trackWithBasicAuthIsStoredWithItsAttributionAndAnswers200() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        APIGatewayV2HTTPResponse response = call(TestRequests.route("POST /v1/track").header("authorization",
                basic(source.key())).json("""
                {"userId":"u1","event":"Order Completed","properties":{"total":42},"messageId":"m-1",
                 "timestamp":"2026-11-22T09:59:59.123+01:00","context":{"ip":"1.2.3.4"}}"""));
        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals(Json.parse("{\"success\":true}"), body(response));
        Map<String, AttributeValue> item = stored(source, "m-1");
        assertEquals(source.source().id(), item.get("source_id").s());
        assertEquals(source.source().projectId(), item.get("project_id").s());
        assertEquals(source.source().currentKey().orElseThrow().id(), item.get("key_id").s());
        assertEquals("track", item.get("type").s());
        JsonNode payload = Json.parse(item.get("payload").s());
        assertEquals("Order Completed", payload.get("event").asText());
        assertEquals(42, payload.at("/properties/total").asInt());
        assertEquals(fixture.clock.instant().toString(), payload.get("receivedAt").asText());
        assertEquals("track", payload.get("type").asText());
        long purge = Long.parseLong(item.get("purge_at").n());
        assertEquals(fixture.clock.instant().plus(Duration.ofDays(7)).getEpochSecond(), purge, "7-day retention");
        assertEquals(1, dynamo.calls("getItem"), "one GetItem for the cold key");
        assertEquals(1, dynamo.calls("putItem"), "one PutItem for the event");
    }

    @Test
    void everyAnswerIsCountedByOutcomeWithoutPerSourceDimensions() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        METRICS.reset();
        batch(basic(source.key()), "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"b\"}]}");
        track(null, "{\"userId\":\"u\",\"event\":\"e\"}");
        batch(basic(source.key()), "{\"batch\":[{\"type\":\"track\",\"event\":\"no user\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"b\"},{\"type\":\"page\",\"userId\":\"u\"}]}");
        assertEquals(List.of("Outcome=accepted Requests=1.0 AcceptedEvents=2.0",
                "Reason=unauthorized Outcome=unauthorized Requests=1.0 RefusedEvents=1.0",
                "Reason=invalid_payload Outcome=invalid_event Requests=1.0 RefusedEvents=3.0"),
                METRICS.flushedWithoutLatency());
        assertFalse(METRICS.flushed().toString().contains(source.source().id()), "no per-source dimension");
    }

    @Test
    void aRequestAnswered503SpendsNoRateLimitSoItsRetryFits_withInjectedDynamoDbFault() {
        SourceService.Created source = limitedSource(SourceType.SERVER, EventType.all(), List.of(), 1, 2);
        String batch = "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\",\"messageId\":\"r-1\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"b\",\"messageId\":\"r-2\"}]}";
        dynamo.failWith(DynamoDbException.builder().message("injected: internal error").statusCode(500).build(),
                "batchWriteItem");
        assertRefused(batch(basic(source.key()), batch), 503, "storage_unavailable");
        dynamo.heal();
        assertEquals(200, batch(basic(source.key()), batch).getStatusCode(),
                "the 503 gave its tokens back: the same request fits the burst of 2 again");
        assertEquals(2, countStored(source));
        assertRefused(batch(basic(source.key()), batch), 429, "rate_limited");
    }

    @Test
    void theSdksDynamoDbRetriesDuringARequestAreAMetric() {
        RecordingMetrics metrics = new RecordingMetrics();
        java.util.concurrent.atomic.AtomicLong retries = new java.util.concurrent.atomic.AtomicLong(3);
        IngestHandler counted = new IngestHandler(dynamo.client(), fixture.environmentFor("IngestFunction"),
                AdminFixture.secrets(), fixture.clock, metrics, () -> retries.getAndSet(0));
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String basic = basic(source.key());
        counted.handleRequest(TestRequests.route("POST /v1/track").header("authorization", basic)
                .json("{\"userId\":\"u\",\"event\":\"e\"}").build(), null);
        counted.handleRequest(TestRequests.route("POST /v1/track").header("authorization", basic)
                .json("{\"userId\":\"u\",\"event\":\"f\"}").build(), null);
        assertEquals(List.of("Outcome=accepted Requests=1.0 AcceptedEvents=1.0 DynamoDbRetries=3.0",
                "Outcome=accepted Requests=1.0 AcceptedEvents=1.0"), metrics.flushedWithoutLatency(),
                "only when there were retries");
    }

    @Test
    void refusedEventsAreCountedPerSourceAndReasonWrittenAtOnceWhenIdleAndOnceASecondUnderAFlood() {
        SourceService.Created source = source(SourceType.WEB, EnumSet.of(EventType.TRACK),
                List.of("https://app.example.com"));
        String hour = dev.inlet.common.store.SourceStatsRepository.hourOf(fixture.clock.instant());
        var stats = new dev.inlet.common.store.SourceStatsRepository(fixture.dynamo,
                fixture.table("SourceStatsTable"));
        call(TestRequests.route("OPTIONS /v1/{proxy+}")); // writes what earlier tests left waiting
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        dynamo.reset();
        long globalBefore = refusedSince(stats, RefusalCounts.UNATTRIBUTED, hour).getOrDefault("unauthorized", 0L);
        call(TestRequests.route("POST /v1/identify").header("authorization", basic(source.key()))
                .json("{\"userId\":\"u\"}"));
        assertEquals(1, dynamo.calls("updateItem"), "no write within the last second: written by the refusal itself");
        assertEquals(Map.of("event_type_not_allowed", 1L), refusedSince(stats, source.source().id(), hour),
                "counted before the answer went out");

        dynamo.reset();
        call(TestRequests.route("POST /v1/batch").header("authorization", basic(source.key()))
                .json("{\"batch\":[{\"type\":\"identify\",\"userId\":\"u\"},{\"type\":\"identify\","
                        + "\"userId\":\"v\"},{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}]}"));
        call(TestRequests.route("POST /v1/track").header("authorization", basic(source.key()))
                .header("origin", "https://evil.test").json("{\"userId\":\"u\",\"event\":\"e\"}"));
        call(TestRequests.route("POST /v1/track").header("authorization", basic(source.key())).json("{\"event\":1}"));
        String madeUp = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.SERVER,
                SecretHasher.withPepper("not-the-pepper-0123456789")).key();
        call(TestRequests.route("POST /v1/track").header("authorization", basic(madeUp)).json("{}"));
        assertEquals(0, dynamo.calls("updateItem"), "within the second after a write: counted in memory");

        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        call(TestRequests.route("POST /v1/track").header("authorization", basic(source.key()))
                .json("{\"userId\":\"u\",\"event\":\"ok\"}"));
        assertEquals(3, dynamo.calls("updateItem"),
                "one write per source and hour (the source, the global count), and the accepted call's rate grant");
        var refused = refusedSince(stats, source.source().id(), hour);
        assertEquals(Map.of("event_type_not_allowed", 4L, "origin_not_allowed", 1L, "invalid_payload", 1L), refused,
                "events, not requests: the refused batch counts its 3 events");
        assertEquals(globalBefore + 1, refusedSince(stats, RefusalCounts.UNATTRIBUTED, hour).get("unauthorized"),
                "made-up keys are counted globally");
    }

    /** Refusals by reason from {@code hour} to the clock's hour (a test may cross an hour boundary). */
    private static Map<String, Long> refusedSince(dev.inlet.common.store.SourceStatsRepository stats, String sourceId,
                                                  String hour) {
        Map<String, Long> total = new java.util.HashMap<>();
        stats.hours(sourceId, hour, dev.inlet.common.store.SourceStatsRepository.hourOf(fixture.clock.instant()))
                .forEach(h -> h.refused().forEach((reason, n) -> total.merge(reason, n, Long::sum)));
        return total;
    }

    @Test
    void aWarmKeyNeedsNoReadAndBrowserStyleBodyKeysWork() {
        SourceService.Created source = source(SourceType.WEB, EventType.all(), List.of("https://app.example.com"));
        for (int i = 0; i < 3; i++) {
            APIGatewayV2HTTPResponse response = call(TestRequests.route("POST /v1/p")
                    .header("content-type", "text/plain").header("origin", "https://app.example.com")
                    .body("{\"writeKey\":\"" + source.key() + "\",\"anonymousId\":\"a\",\"name\":\"Home\","
                            + "\"messageId\":\"p-" + i + "\"}"));
            assertEquals(200, response.getStatusCode(), response.getBody());
            assertEquals("https://app.example.com", response.getHeaders().get("Access-Control-Allow-Origin"));
            assertEquals("Origin", response.getHeaders().get("Vary"));
        }
        assertEquals(1, dynamo.calls("getItem"), "the key is read once, then served from the cache");
        String payload = stored(source, "p-0").get("payload").s();
        assertFalse(payload.contains(source.key()), "the write key is never stored with the event");
        assertFalse(payload.contains("writeKey"));
        assertEquals("page", Json.parse(payload).get("type").asText());
    }

    @Test
    void batchSharesContextAndStoresEveryEvent() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        APIGatewayV2HTTPResponse response = call(TestRequests.route("POST /v1/batch").header("authorization",
                basic(source.key())).json("""
                {"batch":[
                  {"type":"identify","userId":"u1","traits":{"email":"a@example.com"},"messageId":"b-1"},
                  {"type":"track","userId":"u1","event":"Signed Up","messageId":"b-2","context":{"page":"x"}},
                  {"type":"alias","userId":"u1","previousId":"anon","messageId":"b-3"}],
                 "context":{"library":{"name":"test"},"page":"shared"},"sentAt":"2026-11-22T10:00:00Z"}"""));
        assertEquals(200, response.getStatusCode(), response.getBody());
        JsonNode first = Json.parse(stored(source, "b-1").get("payload").s());
        assertEquals("test", first.at("/context/library/name").asText());
        assertEquals("2026-11-22T10:00:00Z", first.get("sentAt").asText());
        JsonNode second = Json.parse(stored(source, "b-2").get("payload").s());
        assertEquals("x", second.at("/context/page").asText(), "an event's own context wins");
        assertEquals("test", second.at("/context/library/name").asText());
        assertEquals("alias", stored(source, "b-3").get("type").s());
        assertEquals(1, dynamo.calls("batchWriteItem"));
    }

    @Test
    void aBatchOf2500EventsIsWrittenInChunksOf25() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 2500; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"big-")
                    .append(i).append("\"}");
        }
        APIGatewayV2HTTPResponse response = call(TestRequests.route("POST /v1/import")
                .header("authorization", basic(source.key())).json(batch.append("]}").toString()));
        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals(100, dynamo.calls("batchWriteItem"));
        assertEquals(2500, countStored(source));
    }

    @Test
    void retriedRequestsStoreEachMessageOnce() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String json = "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"dup\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"dup\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"other\"}]}";
        for (int i = 0; i < 2; i++) {
            assertEquals(200, call(TestRequests.route("POST /v1/batch").header("authorization", basic(source.key()))
                    .json(json)).getStatusCode());
        }
        assertEquals(2, countStored(source));
    }

    @Test
    void eventsWithoutMessageIdGetOneDerivedFromTheirContentSoRetriesDoNotDuplicate() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String batch = "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u\",\"traits\":{\"a\":1}},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}]}";
        for (int attempt = 0; attempt < 3; attempt++) {
            assertEquals(200, call(TestRequests.route("POST /v1/batch").header("authorization", basic(source.key()))
                    .json(batch)).getStatusCode());
        }
        assertEquals(2, countStored(source), "three sends of the same batch store its two events once");
        assertEquals(200, call(TestRequests.route("POST /v1/identify").header("authorization", basic(source.key()))
                .json("{\"userId\":\"u\",\"traits\":{\"a\":2}}")).getStatusCode());
        assertEquals(3, countStored(source), "a different event is a different message");
    }

    @Test
    void aRetryWithAFreshSentAtAndNoMessageIdIsStoredOnce() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        // SDKs set sentAt when they send, so each retry of the same event carries a new one.
        for (String sentAt : List.of("2026-11-22T10:00:00Z", "2026-11-22T10:00:02Z", "2026-11-22T10:00:07Z")) {
            assertEquals(200, track(basic(source.key()), "{\"userId\":\"u\",\"event\":\"e\","
                    + "\"timestamp\":\"2026-11-22T09:59:59Z\",\"sentAt\":\"" + sentAt + "\","
                    + "\"_metadata\":{\"bundled\":[\"Segment.io\"],\"attempt\":\"" + sentAt + "\"}}").getStatusCode());
            assertEquals(200, batch(basic(source.key()), "{\"sentAt\":\"" + sentAt + "\",\"batch\":["
                    + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"b\"}]}").getStatusCode());
        }
        assertEquals(2, countStored(source), "one track and one batch event, whatever their sentAt");
        track(basic(source.key()), "{\"userId\":\"u\",\"event\":\"e\",\"timestamp\":\"2026-11-22T10:00:00Z\"}");
        assertEquals(3, countStored(source), "another timestamp is another event");
    }

    @Test
    void aRequestWithoutMessageIdsAnswered503IsStoredOnceByItsRetry_withInjectedDynamoDbFault() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String batch = "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\"},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"traits\":{\"plan\":\"pro\"}}]}";
        track(basic(source.key()), "{\"userId\":\"u\",\"event\":\"warm\",\"messageId\":\"warm\"}");
        dynamo.failWith(DynamoDbException.builder().message("injected: internal error").statusCode(500).build(),
                "batchWriteItem");
        APIGatewayV2HTTPResponse refused = batch(basic(source.key()), batch.replace("{\"batch\"",
                "{\"sentAt\":\"2026-11-22T10:00:00Z\",\"batch\""));
        assertRefused(refused, 503, "storage_unavailable");
        // The fault came before the write, so the read-back found nothing stored, and the answer says so.
        assertEquals(0, body(refused).at("/error/details/stored").asInt(-1), refused.getBody());
        assertEquals(2, body(refused).at("/error/details/events").asInt(), refused.getBody());
        dynamo.heal();
        assertEquals(200, batch(basic(source.key()), batch.replace("{\"batch\"",
                "{\"sentAt\":\"2026-11-22T10:00:03Z\",\"batch\"")).getStatusCode());
        assertEquals(200, batch(basic(source.key()), batch).getStatusCode());
        assertEquals(3, countStored(source), "the warm-up event and the batch's two, once each");
    }

    @Test
    void aKeyThatCannotBeLookedUpIs503ReadableByBrowserScripts_withInjectedDynamoDbFault() {
        SourceService.Created source = source(SourceType.WEB, EventType.all(), List.of("https://app.example.com"));
        dynamo.failWith(DynamoDbException.builder().message("injected: internal error").statusCode(500).build(),
                "getItem");
        APIGatewayV2HTTPResponse response = call(TestRequests.route("POST /v1/t").header("content-type", "text/plain")
                .header("origin", "https://anywhere.example.org").body("{\"writeKey\":\"" + source.key()
                        + "\",\"anonymousId\":\"a\",\"event\":\"e\"}"));
        assertRefused(response, 503, "storage_unavailable");
        assertEquals("2", response.getHeaders().get("Retry-After"));
        // No source is known, so nothing about one is revealed: any origin may read it, Retry-After included.
        assertEquals("https://anywhere.example.org", response.getHeaders().get("Access-Control-Allow-Origin"));
        assertTrue(response.getHeaders().get("Access-Control-Expose-Headers").contains("Retry-After"),
                response.getHeaders().toString());
        assertEquals(0, countStored(source));
    }

    @Test
    void theBasicKeyAndTheBodyKeyAreComparedInConstantTime() {
        assertTrue(IngestService.sameKey("inlet_live_sk_abc", "inlet_live_sk_abc"));
        assertFalse(IngestService.sameKey("inlet_live_sk_abc", "inlet_live_sk_abd"));
        assertFalse(IngestService.sameKey("inlet_live_sk_abc", "inlet_live_sk_ab"));
        assertFalse(IngestService.sameKey("é", "e\u0301"), "bytes, not a normalised form");
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        assertEquals(200, track(basic(source.key()), "{\"writeKey\":\"" + source.key() + "\",\"userId\":\"u\","
                + "\"event\":\"same key twice\"}").getStatusCode());
    }

    @Test
    void gzipBodiesAreAcceptedAndZipBombsRefused() throws IOException {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        APIGatewayV2HTTPEvent gzipped = TestRequests.route("POST /v1/track")
                .header("authorization", basic(source.key())).header("content-type", "application/json")
                .header("content-encoding", "gzip").build();
        gzipped.setBody(Base64.getEncoder().encodeToString(gzip(
                "{\"userId\":\"u\",\"event\":\"zipped\",\"messageId\":\"z-1\"}".getBytes(StandardCharsets.UTF_8))));
        gzipped.setIsBase64Encoded(true);
        APIGatewayV2HTTPResponse ok = handler.handleRequest(gzipped, null);
        assertEquals(200, ok.getStatusCode(), ok.getBody());
        assertEquals("zipped", Json.parse(stored(source, "z-1").get("payload").s()).get("event").asText());

        byte[] bomb = gzip(("{\"userId\":\"u\",\"event\":\"" + " ".repeat(50_000_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertTrue(bomb.length < 100_000, "50 MB of spaces compress to " + bomb.length + " bytes");
        gzipped.setBody(Base64.getEncoder().encodeToString(bomb));
        assertRefused(handler.handleRequest(gzipped, null), 413, "payload_too_large");
        gzipped.setBody(Base64.getEncoder().encodeToString("not gzip".getBytes(StandardCharsets.UTF_8)));
        assertRefused(handler.handleRequest(gzipped, null), 400, "invalid_encoding");
    }

    @Test
    void keyRefusals() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String event = "{\"userId\":\"u\",\"event\":\"e\"}";
        assertRefused(track(null, event), 401, "unauthorized");
        String malformed = source.key().substring(0, source.key().length() - 1)
                + (source.key().endsWith("a") ? "b" : "a");
        assertRefused(track(basic(malformed), event), 401, "unauthorized");
        assertRefused(track("Basic !!!", event), 401, "unauthorized");
        assertRefused(track("Bearer " + source.key(), event), 401, "unauthorized");
        assertEquals(0, dynamo.calls("getItem") + dynamo.calls("putItem") + dynamo.calls("batchWriteItem"),
                "malformed keys are refused without any DynamoDB call (counted refusals are written later, in bulk)");

        String madeUp = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.SERVER,
                SecretHasher.withPepper("not-the-pepper-0123456789")).key();
        assertRefused(track(basic(madeUp), event), 401, "unauthorized");
        assertEquals(0, dynamo.calls("getItem"), "made-up keys fail the keyed checksum: no read either");

        String unknown = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.SERVER,
                SecretHasher.withPepper(AdminFixture.PEPPER)).key(); // well-formed, never stored
        assertRefused(track(basic(unknown), event), 401, "unauthorized");
        assertRefused(track(basic(unknown), event), 401, "unauthorized");
        assertEquals(1, dynamo.calls("getItem"), "unknown keys are cached too");

        SourceService.Created other = source(SourceType.SERVER, EventType.all(), List.of());
        assertRefused(track(basic(source.key()), "{\"writeKey\":\"" + other.key() + "\",\"userId\":\"u\","
                + "\"event\":\"e\"}"), 401, "unauthorized");
        assertEquals(0, countStored(source) + countStored(other));
    }

    @Test
    void revokedDisabledAndExpiredKeysAreRefusedWithinTheCacheBound() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String event = "{\"userId\":\"u\",\"event\":\"e\"}";
        assertEquals(200, track(basic(source.key()), event).getStatusCode());

        fixture.servicesFor("KeyRevocationFunction").keyLifecycle().revoke(Principal.root(), source.source().id());
        fixture.clock.advance(Duration.ofMillis(4_999));
        assertEquals(200, track(basic(source.key()), event).getStatusCode(), "still cached, within the bound");
        fixture.clock.advance(Duration.ofMillis(1));
        assertRefused(track(basic(source.key()), event), 401, "key_revoked");

        SourceService.Created disabled = source(SourceType.SERVER, EventType.all(), List.of());
        fixture.servicesFor("KeyRevocationFunction").keyLifecycle().disable(Principal.root(),
                disabled.source().id(), false);
        assertRefused(track(basic(disabled.key()), event), 403, "source_disabled");

        SourceService.Created rotated = source(SourceType.SERVER, EventType.all(), List.of());
        KeyLifecycle.Rotated rotation = fixture.servicesFor("KeyRotationFunction").keyLifecycle()
                .rotate(Principal.root(), rotated.source().id(), 1);
        assertEquals(200, track(basic(rotated.key()), event).getStatusCode(), "old key works in its grace period");
        assertEquals(200, track(basic(rotation.key()), event).getStatusCode(), "and so does the new one");
        fixture.clock.advance(Duration.ofHours(1));
        assertRefused(track(basic(rotated.key()), event), 401, "key_expired");
        assertEquals(200, track(basic(rotation.key()), event).getStatusCode());
    }

    @Test
    void aWarmContainerSeesDisablingAndEndingAKeyWithinTheCacheBound() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String event = "{\"userId\":\"u\",\"event\":\"e\"}";
        assertEquals(200, track(basic(source.key()), event).getStatusCode()); // now cached
        KeyLifecycle lifecycle = fixture.servicesFor("KeyRevocationFunction").keyLifecycle();
        lifecycle.disable(Principal.root(), source.source().id(), false);
        fixture.clock.advance(KeyCache.MAX_TTL.minusMillis(1));
        assertEquals(200, track(basic(source.key()), event).getStatusCode(), "within the bound: still cached");
        fixture.clock.advance(Duration.ofMillis(1));
        assertRefused(track(basic(source.key()), event), 403, "source_disabled");
        lifecycle.enable(Principal.root(), source.source().id());
        fixture.clock.advance(KeyCache.MAX_TTL);
        assertEquals(200, track(basic(source.key()), event).getStatusCode());

        KeyLifecycle.Rotated rotated = fixture.servicesFor("KeyRotationFunction").keyLifecycle()
                .rotate(Principal.root(), source.source().id(), 24);
        fixture.clock.advance(KeyCache.MAX_TTL);
        assertEquals(200, track(basic(source.key()), event).getStatusCode(), "old key cached, in its grace period");
        fixture.servicesFor("KeyRotationFunction").keyLifecycle().expireKey(Principal.root(), source.source().id(),
                rotated.previous().orElseThrow().id());
        fixture.clock.advance(KeyCache.MAX_TTL.minusMillis(1));
        assertEquals(200, track(basic(source.key()), event).getStatusCode(), "within the bound: still cached");
        fixture.clock.advance(Duration.ofMillis(1));
        assertRefused(track(basic(source.key()), event), 401, "key_expired");
    }

    @Test
    void disablingWithRevokeKeysInvalidatesKeysUntilARotationIssuesANewOne() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String event = "{\"userId\":\"u\",\"event\":\"e\"}";
        KeyLifecycle lifecycle = fixture.servicesFor("KeyRevocationFunction").keyLifecycle();
        lifecycle.disable(Principal.root(), source.source().id(), true);
        assertRefused(track(basic(source.key()), event), 401, "key_revoked");
        lifecycle.enable(Principal.root(), source.source().id());
        fixture.clock.advance(KeyCache.MAX_TTL);
        assertRefused(track(basic(source.key()), event), 401, "key_revoked");
        KeyLifecycle.Rotated rotated = fixture.servicesFor("KeyRotationFunction").keyLifecycle()
                .rotate(Principal.root(), source.source().id(), 24);
        assertEquals(200, track(basic(rotated.key()), event).getStatusCode());
        assertRefused(track(basic(source.key()), event), 401, "key_revoked");
    }

    @Test
    void rotationUnderLoadRefusesNoLiveKeyAndLosesNothing() throws Exception {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        AtomicReference<String> key = new AtomicReference<>(
                source.key());
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
        Thread producer = new Thread(() -> {
            for (int i = 0; !stop.get() && i < 5_000; i++) {
                String messageId = "load-" + i;
                APIGatewayV2HTTPResponse response = track(basic(key.get()),
                        "{\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"" + messageId + "\"}");
                (response.getStatusCode() == 200 ? acknowledged : refused).add(messageId + " " + response.getBody());
            }
        });
        producer.start();
        while (acknowledged.size() < 50) {
            Thread.sleep(5);
        }
        KeyLifecycle.Rotated rotated = fixture.servicesFor("KeyRotationFunction").keyLifecycle()
                .rotate(Principal.root(), source.source().id(), 1);
        int beforeSwitch = acknowledged.size();
        while (acknowledged.size() < beforeSwitch + 50) {
            Thread.sleep(5); // the old key keeps working during its grace period
        }
        key.set(rotated.key());
        int afterSwitch = acknowledged.size();
        while (acknowledged.size() < afterSwitch + 50) {
            Thread.sleep(5);
        }
        stop.set(true);
        producer.join();
        assertTrue(refused.isEmpty(), "refused with a live key: " + refused.stream().limit(3).toList());
        assertEquals(acknowledged.size(), countStored(source), "every acknowledged event is stored, once");
    }

    @Test
    void overTheLimitARequestIsRefusedWholeWithRetryAfterAndTheRateLimitHeaders() {
        SourceService.Created source = limitedSource(SourceType.SERVER, EventType.all(), List.of(), 10, 10);
        String batchOf4 = "{\"batch\":[" + String.join(",", java.util.Collections.nCopies(4,
                "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}")) + "]}";
        APIGatewayV2HTTPResponse first = batch(basic(source.key()), batchOf4.replace("\"e\"", "\"first\""));
        assertEquals(200, first.getStatusCode(), first.getBody());
        assertEquals("10", first.getHeaders().get("RateLimit-Limit"));
        assertTrue(first.getHeaders().containsKey("RateLimit-Remaining"));
        assertTrue(first.getHeaders().containsKey("RateLimit-Reset"));
        assertEquals(200, batch(basic(source.key()), batchOf4.replace("\"e\"", "\"second\"")).getStatusCode());
        int storedBefore = countStored(source);

        APIGatewayV2HTTPResponse refused = batch(basic(source.key()), batchOf4.replace("\"e\"", "\"third\""));
        assertRefused(refused, 429, "rate_limited");
        JsonNode details = body(refused).at("/error/details");
        assertEquals(10, details.get("limit").asInt());
        assertEquals(4, details.get("refused").asInt(), "events count, not requests: the whole batch is refused");
        long retryAfter = Long.parseLong(refused.getHeaders().get("Retry-After"));
        assertTrue(retryAfter >= 1, "never 0");
        assertEquals(refused.getHeaders().get("Retry-After"), refused.getHeaders().get("X-RateLimit-Reset"));
        assertEquals("10", refused.getHeaders().get("RateLimit-Limit"));
        assertEquals(storedBefore, countStored(source), "nothing of a refused request is stored");

        fixture.clock.advance(Duration.ofSeconds(retryAfter));
        assertEquals(200, batch(basic(source.key()), batchOf4.replace("\"e\"", "\"after\"")).getStatusCode(),
                "after Retry-After seconds the request fits");
        APIGatewayV2HTTPResponse tooBig = batch(basic(source.key()), "{\"batch\":[" + String.join(",",
                java.util.Collections.nCopies(11, "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"big\"}"))
                + "]}");
        assertRefused(tooBig, 413, "batch_exceeds_burst");
        assertEquals(10, body(tooBig).at("/error/details/burst").asInt());
        assertFalse(tooBig.getHeaders().containsKey("Retry-After"), "retrying cannot help: no Retry-After");
    }

    @Test
    void aChangedLimitTakesEffectWithinTheKeyCacheBound() {
        SourceService.Created source = limitedSource(SourceType.SERVER, EventType.all(), List.of(), 1, 1);
        String two = "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"b\"}]}";
        assertRefused(batch(basic(source.key()), two), 413, "batch_exceeds_burst");
        sources.update(Principal.root(), source.source().id(), dev.inlet.common.source.SourceChanges.fromJson(
                Json.parse("{\"rate_limit_eps\":1000,\"rate_limit_burst\":1000}")), Optional.empty());
        fixture.clock.advance(KeyCache.MAX_TTL);
        assertEquals(200, batch(basic(source.key()), two).getStatusCode());
    }

    @Test
    void containersShareOneLimitAndEveryAcceptedEventIsStoredOnce() throws Exception {
        // Four handler instances stand for four warm Lambda containers, on the real clock, sending well above 200 eps.
        int eps = 200;
        SourceService.Created source = limitedSource(SourceType.SERVER, EventType.all(), List.of(), eps, eps);
        int containers = 4;
        Duration run = Duration.ofSeconds(3);
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger sequence = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + run.toNanos();
        for (int c = 0; c < containers; c++) {
            IngestHandler container = new IngestHandler(fixture.dynamo, fixture.environmentFor("IngestFunction"),
                    AdminFixture.secrets(), java.time.Clock.systemUTC(), new RecordingMetrics());
            threads.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < deadline) {
                    StringBuilder batch = new StringBuilder("{\"batch\":[");
                    for (int i = 0; i < 10; i++) {
                        batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",")
                                .append("\"messageId\":\"c-").append(sequence.incrementAndGet()).append("\"}");
                    }
                    APIGatewayV2HTTPResponse response = container.handleRequest(TestRequests.route("POST /v1/batch")
                            .header("authorization", basic(source.key())).json(batch.append("]}").toString())
                            .build(), null);
                    if (response.getStatusCode() == 200) {
                        accepted.addAndGet(10);
                    } else {
                        assertEquals(429, response.getStatusCode(), response.getBody());
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = run.toMillis() / 1000.0;
        // The stated bound: rate x W + burst + slack (rate x the 2 s lease lifetime).
        assertTrue(accepted.get() <= eps * seconds + eps + eps * 2.0 + 50,
                "accepted " + accepted.get() + " in " + seconds + " s at " + eps + " eps");
        assertTrue(accepted.get() >= eps * seconds * 0.9, "accepted only " + accepted.get());
        assertEquals(accepted.get(), countStored(source), "every accepted event stored, none twice");
    }

    @Test
    void eventTypesOutsideTheSourcesListRefuseTheWholeBatch() {
        SourceService.Created source = source(SourceType.WEB, EnumSet.of(EventType.TRACK, EventType.PAGE), List.of());
        APIGatewayV2HTTPResponse response = call(TestRequests.route("POST /v1/batch")
                .header("authorization", basic(source.key())).json("""
                {"batch":[{"type":"track","userId":"u","event":"e"},{"type":"identify","userId":"u"},
                          {"type":"page","userId":"u"},{"type":"group","userId":"u","groupId":"g"}]}"""));
        assertRefused(response, 403, "event_type_not_allowed");
        assertEquals(Json.parse("[{\"index\":1,\"type\":\"identify\"},{\"index\":3,\"type\":\"group\"}]"),
                body(response).at("/error/details"));
        assertRefused(call(TestRequests.route("POST /v1/identify").header("authorization", basic(source.key()))
                .json("{\"userId\":\"u\"}")), 403, "event_type_not_allowed");
        assertEquals(0, countStored(source), "nothing of a refused request is stored");
    }

    @Test
    void originsAreCheckedAgainstTheSource() {
        SourceService.Created web = source(SourceType.WEB, EventType.all(), List.of("https://*.example.com"));
        String event = "{\"userId\":\"u\",\"event\":\"e\"}";
        APIGatewayV2HTTPResponse allowed = call(TestRequests.route("POST /v1/track")
                .header("authorization", basic(web.key())).header("origin", "https://shop.example.com").json(event));
        assertEquals(200, allowed.getStatusCode());
        assertEquals("https://shop.example.com", allowed.getHeaders().get("Access-Control-Allow-Origin"));
        assertTrue(allowed.getHeaders().get("Access-Control-Expose-Headers").contains("Retry-After"),
                "browser scripts may read the rate-limit headers");
        APIGatewayV2HTTPResponse refused = call(TestRequests.route("POST /v1/track")
                .header("authorization", basic(web.key())).header("origin", "https://evil.test").json(event));
        assertRefused(refused, 403, "origin_not_allowed");
        assertNull(refused.getHeaders().get("Access-Control-Allow-Origin"), "no allow header: the browser blocks");
        assertEquals(200, call(TestRequests.route("POST /v1/track").header("authorization", basic(web.key()))
                .json(event)).getStatusCode(), "no Origin (a server) bypasses the check");

        SourceService.Created server = source(SourceType.SERVER, EventType.all(), List.of());
        assertRefused(call(TestRequests.route("POST /v1/track").header("authorization", basic(server.key()))
                .header("origin", "https://shop.example.com").json(event)), 403, "origin_not_allowed");
        SourceService.Created openWeb = source(SourceType.MOBILE, EventType.all(), List.of());
        assertEquals(200, call(TestRequests.route("POST /v1/track").header("authorization", basic(openWeb.key()))
                .header("origin", "https://any.test").json(event)).getStatusCode());
    }

    @Test
    void preflightIsAnsweredByTheFunction() {
        APIGatewayV2HTTPResponse response = handler.handleRequest(TestRequests.route("OPTIONS /v1/{proxy+}")
                .path("proxy", "track").header("origin", "https://app.example.com")
                .header("access-control-request-method", "POST").build(), null);
        assertEquals(204, response.getStatusCode());
        assertEquals("https://app.example.com", response.getHeaders().get("Access-Control-Allow-Origin"));
        assertTrue(response.getHeaders().get("Access-Control-Allow-Headers").contains("Authorization"));
    }

    @Test
    void payloadRefusals() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        String auth = basic(source.key());
        assertRefused(track(auth, "{\"userId\":"), 400, "invalid_json");
        assertRefused(track(auth, "[1]"), 400, "invalid_json");
        assertRefused(track(auth, "{\"event\":\"e\"}"), 400, "invalid_event", "userId");
        assertRefused(track(auth, "{\"userId\":\"u\"}"), 400, "invalid_event", "event");
        assertRefused(track(auth, "{\"userId\":{},\"event\":\"e\"}"), 400, "invalid_event", "userId");
        assertRefused(track(auth, "{\"userId\":\"u\",\"event\":\"e\",\"properties\":[]}"),
                400, "invalid_event", "properties");
        assertRefused(track(auth, "{\"userId\":\"u\",\"event\":\"e\",\"timestamp\":\"yesterday\"}"),
                400, "invalid_event", "timestamp");
        assertRefused(track(auth, "{\"userId\":\"u\",\"event\":\"e\",\"type\":\"identify\"}"),
                400, "invalid_event", "type");
        assertRefused(track(auth, "{\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"" + "m".repeat(101) + "\"}"),
                400, "invalid_event", "messageId");
        assertRefused(batch(auth, "{\"batch\":[]}"), 400, "invalid_event", "batch");
        assertRefused(batch(auth, "{\"batch\":[{\"type\":\"click\",\"userId\":\"u\"}]}"),
                400, "invalid_event", "batch[0].type");
        assertRefused(batch(auth, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"},"
                + "{\"type\":\"group\",\"userId\":\"u\"}]}"), 400, "invalid_event", "batch[1].groupId");
        assertRefused(track(auth, "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"x\":\""
                + "x".repeat(33 * 1024) + "\"}}"), 413, "payload_too_large", "event");
        StringBuilder tooMany = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 2501; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{}");
        }
        assertRefused(batch(auth, tooMany.append("]}").toString()), 413, "payload_too_large");
        StringBuilder tooBig = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 20; i++) {
            tooBig.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"")
                    .append("y".repeat(30_000)).append("\"}");
        }
        assertRefused(batch(auth, tooBig.append("]}").toString()), 413, "payload_too_large");
        assertRefused(call(TestRequests.route("POST /v1/track").header("authorization", auth)
                .header("content-type", "application/xml").body("<e/>")), 415, "unsupported_media_type");
        assertEquals(0, countStored(source));
    }

    @Test
    void aNonTransientStorageErrorIsA500NotARetryable503_withInjectedDynamoDbFault() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        track(basic(source.key()), "{\"userId\":\"u\",\"event\":\"warm\"}");
        dynamo.failWith(DynamoDbException.builder().message("injected: access denied").statusCode(400).build(),
                "putItem");
        assertRefused(track(basic(source.key()), "{\"userId\":\"u\",\"event\":\"e\"}"), 500, "internal_error");
    }

    @Test
    void storageFailuresAnswer503AndAcknowledgeNothing_withInjectedDynamoDbFault() {
        SourceService.Created source = source(SourceType.SERVER, EventType.all(), List.of());
        track(basic(source.key()), "{\"userId\":\"u\",\"event\":\"warm\"}"); // warm the key cache first
        dynamo.failWith(DynamoDbException.builder().message("injected: service unavailable").statusCode(500).build(),
                "putItem", "batchWriteItem");
        APIGatewayV2HTTPResponse response = track(basic(source.key()), "{\"userId\":\"u\",\"event\":\"e\","
                + "\"messageId\":\"lost\"}");
        assertRefused(response, 503, "storage_unavailable");
        assertEquals("2", response.getHeaders().get("Retry-After"));
        dynamo.heal();
        assertTrue(fixture.dynamo.getItem(b -> b.tableName(fixture.table("EventsTable")).key(Map.of("event_key",
                AttributeValue.fromS(source.source().id() + "#lost")))).item().isEmpty());
    }

    @Test
    void snapStartPrimingReadsNoSecretAndStoresNothing() {
        AtomicInteger pepperReads = new AtomicInteger();
        IngestHandler primed = new IngestHandler(dynamo.client(), fixture.environmentFor("IngestFunction"),
                new dev.inlet.common.config.SecretValues(() -> {
                    pepperReads.incrementAndGet();
                    return AdminFixture.PEPPER;
                }, () -> AdminFixture.ROOT_TOKEN), fixture.clock, METRICS);
        dynamo.reset();
        primed.beforeCheckpoint(null);
        assertEquals(0, pepperReads.get(), "no secret may be baked into a snapshot");
        assertEquals(0, dynamo.calls("putItem") + dynamo.calls("batchWriteItem"));
        assertEquals(1, dynamo.calls("getItem"), "one harmless read primes the SDK");
        assertTrue(METRICS.flushed().isEmpty() || METRICS.flushed().stream().noneMatch(f -> f.contains("priming")),
                "priming is not counted");

        // The first request after a restore (a preflight: it writes only what refusals left pending) writes no
        // refusal count or debugger entry for priming's refused request.
        dynamo.reset();
        primed.handleRequest(TestRequests.route("OPTIONS /v1/{proxy+}").header("origin", "https://a.example").build(),
                null);
        assertEquals(0, dynamo.calls("updateItem") + dynamo.calls("batchWriteItem") + dynamo.calls("putItem"),
                "no phantom refusal from priming");
    }

    /** A source whose rate limit stays out of the way, so each test sees only what it is about. */
    private static SourceService.Created source(SourceType type, Set<EventType> types, List<String> origins) {
        return limitedSource(type, types, origins, 100_000, 100_000);
    }

    private static SourceService.Created limitedSource(SourceType type, Set<EventType> types, List<String> origins,
                                                       int eps, int burst) {
        return sources.create(Principal.root(), new NewSource("Ingest test", type, SourceEnvironment.PRODUCTION,
                Optional.empty(), Optional.of(eps), Optional.of(burst), types, origins, Optional.empty()));
    }

    private static APIGatewayV2HTTPResponse track(String authorization, String json) {
        TestRequests request = TestRequests.route("POST /v1/track").json(json);
        if (authorization != null) {
            request.header("authorization", authorization);
        }
        return call(request);
    }

    private static APIGatewayV2HTTPResponse batch(String authorization, String json) {
        return call(TestRequests.route("POST /v1/batch").header("authorization", authorization).json(json));
    }

    private static APIGatewayV2HTTPResponse call(TestRequests request) {
        return handler.handleRequest(request.build(), null);
    }

    private static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, AttributeValue> stored(SourceService.Created source, String messageId) {
        Map<String, AttributeValue> item = fixture.dynamo.getItem(b -> b.tableName(fixture.table("EventsTable"))
                .key(Map.of("event_key", AttributeValue.fromS(source.source().id() + "#" + messageId)))).item();
        assertFalse(item.isEmpty(), "event " + messageId + " is stored");
        return item;
    }

    private static int countStored(SourceService.Created source) {
        return fixture.dynamo.scanPaginator(b -> b.tableName(fixture.table("EventsTable"))
                        .filterExpression("source_id = :s")
                        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(source.source().id()))))
                .items().stream().mapToInt(i -> 1).sum();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(data);
        }
        return out.toByteArray();
    }
}
