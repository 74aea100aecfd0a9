package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.SecretHasher;
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
    void aFloodWritesOneEntryPerSourceCodeAndSecondAndCountsTheRest() {
        SourceService.Created source = source(EventType.all(), 100_000);
        for (int i = 0; i < 200; i++) {
            assertEquals(400, track(source.key(), "{\"userId\":\"u\"}").getStatusCode(), "no event name");
            assertEquals(400, track(source.key(), "not json").getStatusCode());
        }
        assertEquals(2, dynamo.calls("putItem"), "one entry each for invalid_event and invalid_json this second");
        fixture.clock.advance(Duration.ofSeconds(1));
        track(source.key(), "{\"userId\":\"u\"}");
        assertEquals(3, dynamo.calls("putItem"), "a new second, a new entry");

        List<String> codes = debugger.recent(source.source().id(), Optional.of("refused"), Optional.empty(), 10,
                Optional.empty(), fixture.clock.instant()).items().stream()
                .map(sample -> ((DebugSample.Refused) sample).code()).toList();
        assertEquals("invalid_event", codes.get(0), "the newest, a second later");
        assertEquals(List.of("invalid_event", "invalid_json"), codes.subList(1, 3).stream().sorted().toList(),
                "the first second's two (same millisecond: their order is the request ids')");
    }

    @Test
    void aContainerWritesAtMostItsCapPerSecondAcrossSources() {
        RefusalSamples samples = new RefusalSamples(Optional.of(debugger), fixture.clock);
        RefusalSamples.Seen seen = new RefusalSamples.Seen();
        int written = 0;
        for (int i = 0; i < RefusalSamples.MAX_PER_SECOND * 2; i++) {
            seen.grant = new dev.inlet.common.source.KeyGrant("key_" + i, "inlet_live_sk_Ab12", "wk_cap_" + i, "p",
                    SourceType.SERVER, dev.inlet.common.source.SourceStatus.ACTIVE, Optional.empty(),
                    Optional.empty(), Set.of(), List.of(), Optional.empty(), false);
            dynamo.reset();
            samples.offer(dev.inlet.common.error.ApiError.of(429, "rate_limited", "slow down"), seen, CallType.TRACK,
                    "req-" + i, Optional.empty(), "{}");
            written += debugger.recent("wk_cap_" + i, Optional.empty(), Optional.empty(), 1, Optional.empty(),
                    fixture.clock.instant()).items().size();
        }
        assertEquals(RefusalSamples.MAX_PER_SECOND, written);
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
