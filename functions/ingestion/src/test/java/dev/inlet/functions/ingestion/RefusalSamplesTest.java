package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.NewSource;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceService;
import dev.inlet.common.source.SourceType;
import dev.inlet.common.source.WriteKeys;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.DebugSampleRepository;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.CountingDynamoDb;
import dev.inlet.common.testing.TestRequests;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Refused requests in the event debugger, through the ingestion handler on DynamoDB Local. */
class RefusalSamplesTest {

    private static AdminFixture fixture;
    private static CountingDynamoDb dynamo;
    private static IngestHandler handler;
    private static SourceService sources;
    private static DebugSampleRepository debugger;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(RefusalSamplesTest.class);
        dynamo = new CountingDynamoDb(fixture.dynamo);
        handler = new IngestHandler(dynamo.client(), fixture.environmentFor("IngestFunction"), AdminFixture.secrets(),
                fixture.clock, new RecordingMetrics());
        sources = fixture.servicesFor("SourcesFunction").sourceService();
        debugger = new DebugSampleRepository(fixture.dynamo, fixture.table("DebuggerTable"));
    }

    @BeforeEach
    void nextSecond() {
        fixture.clock.advance(Duration.ofSeconds(10));
        dynamo.reset();
    }

    @Test
    void aRefusalShowsItsReasonOriginTypesSizesAndBodyButNeverTheKey() {
        SourceService.Created source = source(EnumSet.of(EventType.TRACK), 100_000);
        String body = "{\"writeKey\":\"" + source.key() + "\",\"batch\":[{\"type\":\"identify\",\"userId\":\"u\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}]}";
        var response = handler.handleRequest(TestRequests.route("POST /v1/batch")
                .header("origin", "https://app.example.com").json(body).build(), null);
        assertEquals(403, response.getStatusCode());

        DebugSample.Refused refused = onlyRefusal(source);
        assertEquals("event_type_not_allowed", refused.code());
        assertEquals("event_type_not_allowed", refused.reason());
        assertEquals(403, refused.status());
        assertEquals(source.source().currentKey().orElseThrow().prefix(), refused.keyPrefix());
        assertEquals(Optional.of("https://app.example.com"), refused.origin());
        assertEquals(List.of("identify", "track"), refused.types());
        assertEquals(Optional.of(2), refused.eventCount());
        assertEquals(body.getBytes(StandardCharsets.UTF_8).length, refused.bodyBytes());
        assertTrue(refused.detailsJson().orElseThrow().contains("\"index\":0"), refused.detailsJson().orElseThrow());
        assertEquals(body.replace(source.key(), RefusalSamples.MASK), refused.bodyExcerpt(),
                "the body as sent, its key masked");
        assertEquals(fixture.clock.instant(), refused.at());
    }

    @Test
    void aFloodWritesOneEntryPerSourceCodeAndSecondTheFirstAtOnceTheOthersASecondLaterInOneBatch() {
        SourceService.Created source = source(EventType.all(), 100_000);
        assertEquals(400, track(source.key(), "{\"userId\":\"u\"}").getStatusCode(), "no event name");
        assertEquals(1, dynamo.calls("putItem"), "the container wrote none within the last second: written at once");
        for (int i = 0; i < 200; i++) {
            assertEquals(400, track(source.key(), "{\"userId\":\"u\"}").getStatusCode());
            assertEquals(400, track(source.key(), "not json").getStatusCode());
        }
        assertEquals(1, dynamo.calls("putItem") + dynamo.calls("batchWriteItem"),
                "invalid_json's example waits for the second to pass; the other 399 refusals are only counted");
        fixture.clock.advance(Duration.ofSeconds(1));
        track(source.key(), "{\"userId\":\"u\"}");
        assertEquals(1, dynamo.calls("batchWriteItem"), "the waiting example and the new second's, in one batch");
        assertEquals(1, dynamo.calls("putItem"));

        List<String> codes = debugger.recent(source.source().id(), Optional.of("refused"), Optional.empty(), 10,
                Optional.empty(), fixture.clock.instant()).items().stream()
                .map(sample -> ((DebugSample.Refused) sample).code()).toList();
        assertEquals(3, codes.size(), codes.toString());
        assertEquals("invalid_event", codes.get(0), "the newest, a second later");
        assertEquals(List.of("invalid_event", "invalid_json"), codes.subList(1, 3).stream().sorted().toList(),
                "the first second's two, at the time of their refusals (same millisecond: in request id order)");
    }

    @Test
    void everySourceAndCodeGetsItsExampleEachSecondWrittenInBatchesOf25() {
        RefusalSamples samples = new RefusalSamples(Optional.of(new DebugSampleRepository(
                RefusalSamples.withBoundedBatchWrites(dynamo.client()), fixture.table("DebuggerTable"))),
                fixture.clock);
        int sources = 120; // more than the 50 a container used to write in all: each still gets its example
        for (int i = 0; i < sources; i++) {
            for (String code : List.of("rate_limited", "rate_limited", "origin_not_allowed")) {
                samples.offer(ApiError.of(code.equals("rate_limited") ? 429 : 403, code, "refused"), seen(i),
                        CallType.TRACK, new ApiRequest(TestRequests.route("POST /v1/track").json("{}").build()),
                        "{}", false);
                samples.flushIfDue();
            }
        }
        assertEquals(1, dynamo.calls("putItem"), "the very first at once");
        assertEquals(0, dynamo.calls("batchWriteItem"), "the rest waits for the second to pass");
        fixture.clock.advance(RefusalSamples.FLUSH_EVERY);
        samples.flushIfDue();
        int waiting = sources * 2 - 1;
        assertEquals((waiting + RefusalSamples.BATCH_SIZE - 1) / RefusalSamples.BATCH_SIZE,
                dynamo.calls("batchWriteItem"), "batches of 25");
        for (int i = 0; i < sources; i++) {
            List<String> codes = debugger.recent("wk_every_" + i, Optional.empty(), Optional.empty(), 10,
                    Optional.empty(), fixture.clock.instant()).items().stream()
                    .map(sample -> ((DebugSample.Refused) sample).code()).sorted().toList();
            assertEquals(List.of("origin_not_allowed", "rate_limited"), codes, "wk_every_" + i);
        }
        samples.flushIfDue();
        assertEquals(1 + (waiting + RefusalSamples.BATCH_SIZE - 1) / RefusalSamples.BATCH_SIZE,
                dynamo.calls("putItem") + dynamo.calls("batchWriteItem"), "nothing left to write");
    }

    @Test
    void excerptsShowPlainBodiesRefusedBeforeTheyWereReadAndNeverUndecodedBytes() throws Exception {
        SourceService.Created source = source(EventType.all(), 100_000);
        String key = source.key();
        var xml = handler.handleRequest(TestRequests.route("POST /v1/track").header("authorization", basic(key))
                .header("content-type", "application/xml").body("<e key=\"" + key + "\"/>").build(), null);
        assertEquals(415, xml.getStatusCode());
        DebugSample.Refused mediaType = refusal(source, "unsupported_media_type");
        assertEquals("<e key=\"" + RefusalSamples.MASK + "\"/>", mediaType.bodyExcerpt(), "plain text, key masked");
        assertEquals(("<e key=\"" + key + "\"/>").length(), mediaType.bodyBytes());

        fixture.clock.advance(Duration.ofSeconds(1));
        String large = "{\"writeKey\":\"" + key.replace("inlet_", "\\u0069nlet_") + "\",\"note\":\"é"
                + "x".repeat(600_000) + "\"}";
        var tooLarge = handler.handleRequest(TestRequests.route("POST /v1/track").header("authorization", basic(key))
                .json(large).build(), null);
        assertEquals(413, tooLarge.getStatusCode());
        DebugSample.Refused oversized = refusal(source, "payload_too_large");
        assertEquals(large.getBytes(StandardCharsets.UTF_8).length, oversized.bodyBytes(), "bytes, not characters");
        assertTrue(oversized.bodyExcerpt().startsWith("{\"writeKey\":\"" + RefusalSamples.MASK + "\",\"note\":\"éxxx"),
                oversized.bodyExcerpt());
        assertEquals(RefusalSamples.EXCERPT_CHARACTERS + 1, oversized.bodyExcerpt().length());

        fixture.clock.advance(Duration.ofSeconds(1));
        byte[] compressed = gzip(("{\"writeKey\":\"" + key + "\", oops}").getBytes(StandardCharsets.UTF_8));
        var zipped = TestRequests.route("POST /v1/track").header("authorization", basic(key))
                .header("content-type", "application/json").header("content-encoding", "gzip").build();
        zipped.setBody(Base64.getEncoder().encodeToString(compressed));
        zipped.setIsBase64Encoded(true);
        assertEquals(400, handler.handleRequest(zipped, null).getStatusCode());
        DebugSample.Refused decoded = refusal(source, "invalid_json");
        assertEquals(compressed.length, decoded.bodyBytes(), "as received: base64-decoded, before gunzip");
        assertEquals("{\"writeKey\":\"" + RefusalSamples.MASK + "\", oops}", decoded.bodyExcerpt());

        fixture.clock.advance(Duration.ofSeconds(1));
        var brotli = TestRequests.route("POST /v1/track").header("authorization", basic(key))
                .header("content-type", "application/json").header("content-encoding", "br").build();
        brotli.setBody(Base64.getEncoder().encodeToString(("{\"writeKey\":\"" + key + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
        brotli.setIsBase64Encoded(true);
        assertEquals(415, handler.handleRequest(brotli, null).getStatusCode());
        fixture.clock.advance(Duration.ofSeconds(1));
        var notGzip = TestRequests.route("POST /v1/track").header("authorization", basic(key))
                .header("content-encoding", "gzip").json("{\"writeKey\":\"" + key + "\"} claimed gzip").build();
        assertEquals(400, handler.handleRequest(notGzip, null).getStatusCode());
        List<DebugSample.Refused> undecoded = List.of(refusal(source, "unsupported_media_type"),
                refusal(source, "invalid_encoding"));
        assertEquals(("{\"writeKey\":\"" + key + "\"}").length(), undecoded.get(0).bodyBytes(), "base64-decoded");
        for (DebugSample.Refused entry : undecoded) {
            assertEquals("[not decoded: " + entry.bodyBytes() + " bytes as received]", entry.bodyExcerpt());
        }
    }

    @Test
    void noKeyReachesAnEntryThroughAParserMessageAnUndecodableBodyOrEscapes() {
        SourceService.Created source = source(EventType.all(), 100_000);
        String key = source.key();
        assertEquals(400, track(key, key + " is not JSON").getStatusCode());
        assertEquals(400, handler.handleRequest(TestRequests.route("POST /v1/track").header("authorization",
                "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8)))
                .header("content-encoding", "gzip").json("{\"writeKey\":\"" + key + "\"} but not gzip").build(), null)
                .getStatusCode());
        fixture.clock.advance(Duration.ofSeconds(1));
        String escaped = key.replace("inlet_", "\\u0069nlet_");
        assertEquals(400, track(key, "{\"writeKey\":\"" + escaped + "\",\"userId\":\"u\"}").getStatusCode());

        List<DebugSample> entries = debugger.recent(source.source().id(), Optional.empty(), Optional.empty(), 10,
                Optional.empty(), fixture.clock.instant()).items();
        assertEquals(3, entries.size(), entries.toString());
        for (DebugSample entry : entries) {
            assertFalse(entry.toString().contains(key), "no key in " + entry);
            assertFalse(entry.toString().contains(key.substring(20)), "no part of the key in " + entry);
        }
        DebugSample.Refused undecodable = (DebugSample.Refused) entries.stream()
                .filter(e -> ((DebugSample.Refused) e).code().equals("invalid_encoding")).findFirst().orElseThrow();
        assertTrue(undecodable.bodyExcerpt().startsWith("[not decoded: "), undecodable.bodyExcerpt());
    }

    @Test
    void longDetailsAreCutToTheirFirstEntries() {
        SourceService.Created source = source(EnumSet.of(EventType.TRACK), 100_000);
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 300; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"identify\",\"userId\":\"u\"}");
        }
        var response = handler.handleRequest(TestRequests.route("POST /v1/batch").header("authorization", "Basic "
                + Base64.getEncoder().encodeToString((source.key() + ":").getBytes(StandardCharsets.UTF_8)))
                .json(batch.append("]}").toString()).build(), null);
        assertEquals(403, response.getStatusCode());
        DebugSample.Refused refused = onlyRefusal(source);
        assertEquals(Optional.of(300), refused.eventCount());
        assertEquals(20, dev.inlet.common.http.Json.parse(refused.detailsJson().orElseThrow()).size());
    }

    @Test
    void madeUpKeysHaveNoSourceToShowThemTo() {
        String madeUp = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.SERVER,
                SecretHasher.withPepper("not-the-pepper-0123456789")).key();
        assertEquals(401, track(madeUp, "{\"userId\":\"u\",\"event\":\"e\"}").getStatusCode());
        assertEquals(0, dynamo.calls("putItem"));
    }

    /** A cut never splits an emoji: half of a surrogate pair is not valid Unicode, which DynamoDB may refuse. */
    @Test
    void excerptsNeverEndInHalfASurrogatePair() {
        for (String lead : List.of("", "x")) { // both parities: the cut falls between two emoji, or inside one
            String excerpt = RefusalSamples.excerpt("{\"m\":\"" + lead + "🎉".repeat(2_000) + "\"}", List.of());
            String cut = excerpt.substring(0, excerpt.length() - 1);
            assertTrue(excerpt.endsWith("…") && cut.endsWith("🎉"), excerpt);
            assertEquals(cut, new String(cut.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                    "no unpaired surrogate");
            assertTrue(cut.length() >= RefusalSamples.EXCERPT_CHARACTERS - 1, "at most one character shorter");
        }
    }

    @Test
    void excerptsMaskEveryWriteKeyAndStayShort() {
        String other = "inlet_test_sk_" + "x".repeat(45);
        String excerpt = RefusalSamples.excerpt("{\"a\":\"" + other + "\",\"b\":\"" + "y".repeat(2_000) + "\"}",
                List.of());
        assertFalse(excerpt.contains(other));
        assertTrue(excerpt.startsWith("{\"a\":\"" + RefusalSamples.MASK + "\""));
        assertEquals(RefusalSamples.EXCERPT_CHARACTERS + 1, excerpt.length(), "cut, with an ellipsis");
        String presented = "not-a-key-format-but-presented";
        assertEquals("{\"k\":\"" + RefusalSamples.MASK + "\"}", RefusalSamples.excerpt("{\"k\":\"" + presented + "\"}",
                List.of(presented)));
        // Admin tokens pasted into a tracking body are secrets too.
        String token = "inlet_pat_" + "z".repeat(45);
        String root = "inlet_root_" + "r".repeat(40);
        String masked = RefusalSamples.excerpt("{\"t\":\"" + token + "\",\"r\":\"" + root + "\"}", List.of());
        assertEquals("{\"t\":\"" + RefusalSamples.MASK + "\",\"r\":\"" + RefusalSamples.MASK + "\"}", masked);
    }

    @Test
    void aWriteKeyFieldIsMaskedHoweverItsNameOrValueIsEscaped() {
        String key = "inlet_live_sk_" + "k".repeat(45);
        String escapedValue = "inlet_live_sk_\\u0041" + "k".repeat(44);
        String body = "{\"write\\u004bey\":\"" + key + "\",\"batch\":[{\"writeKey\":\"" + escapedValue
                + "\"}],\"userId\":\"u\"}";
        assertEquals("{\"write\\u004bey\":\"" + RefusalSamples.MASK + "\",\"batch\":[{\"writeKey\":\""
                + RefusalSamples.MASK + "\"}],\"userId\":\"u\"}", RefusalSamples.maskWriteKeyValues(body));
        // A cut-off body: what parsed before the cut is masked (the pattern masks the rest).
        assertEquals("{\"write\\u004bey\":\"" + RefusalSamples.MASK + "\",\"userId\":\"u",
                RefusalSamples.maskWriteKeyValues("{\"write\\u004bey\":\"" + escapedValue + "\",\"userId\":\"u"));
    }

    /** The newest debugger entry of the source with that code. */
    private static DebugSample.Refused refusal(SourceService.Created source, String code) {
        return debugger.recent(source.source().id(), Optional.of("refused"), Optional.empty(), 50, Optional.empty(),
                        fixture.clock.instant()).items().stream().map(DebugSample.Refused.class::cast)
                .filter(entry -> entry.code().equals(code)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + code));
    }

    private static RefusalSamples.Seen seen(int source) {
        RefusalSamples.Seen seen = new RefusalSamples.Seen();
        seen.grant = new dev.inlet.common.source.KeyGrant("key_" + source, "inlet_live_sk_Ab12", "wk_every_" + source,
                "p", SourceType.SERVER, dev.inlet.common.source.SourceStatus.ACTIVE, Optional.empty(),
                Optional.empty(), Set.of(), List.of(), Optional.empty(), false);
        return seen;
    }

    private static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] gzip(byte[] data) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream zip = new java.util.zip.GZIPOutputStream(out)) {
            zip.write(data);
        }
        return out.toByteArray();
    }

    private static SourceService.Created source(Set<EventType> types, int eps) {
        return sources.create(Principal.root(), new NewSource("Debugger test", SourceType.WEB,
                SourceEnvironment.PRODUCTION, Optional.empty(), Optional.of(eps), Optional.of(eps), types, List.of(),
                Optional.empty()));
    }

    private static com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse track(String key,
                                                                                              String json) {
        return handler.handleRequest(TestRequests.route("POST /v1/track").header("authorization", "Basic "
                + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8))).json(json)
                .build(), null);
    }

    private static DebugSample.Refused onlyRefusal(SourceService.Created source) {
        List<DebugSample> entries = debugger.recent(source.source().id(), Optional.empty(), Optional.empty(), 10,
                Optional.empty(), fixture.clock.instant()).items();
        assertEquals(1, entries.size(), entries.toString());
        return (DebugSample.Refused) entries.get(0);
    }
}
