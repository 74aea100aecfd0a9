package dev.inlet.functions.sources;

import static dev.inlet.common.testing.TestRequests.body;
import static dev.inlet.common.testing.TestRequests.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.config.AdminServices;
import dev.inlet.common.crypto.Ids;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.crypto.Secrets;
import dev.inlet.common.project.AdminToken;
import dev.inlet.common.project.Project;
import dev.inlet.common.source.WriteKeys;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.TestRequests;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Source CRUD through the handler, against DynamoDB Local with the tables template.yaml declares. */
class SourcesHandlerTest {

    private static final String CREATE = "POST /api/v1/events/write-keys";
    private static final String LIST = "GET /api/v1/events/write-keys";
    private static final String GET = "GET /api/v1/events/write-keys/{id}";
    private static final String PATCH = "PATCH /api/v1/events/write-keys/{id}";

    private static AdminFixture fixture;
    private static SourcesHandler handler;
    private static String projectA;
    private static String tokenA;
    private static String tokenB;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(SourcesHandlerTest.class);
        AdminServices services = fixture.servicesFor("SourcesFunction");
        handler = new SourcesHandler(services);
        // Projects and tokens are the projects function's business; here they are seeded through the repositories.
        projectA = seedProject("A");
        tokenA = seedToken(projectA);
        tokenB = seedToken(seedProject("B"));
    }

    @AfterAll
    static void tearDown() {
        fixture = null;
    }

    @Test
    void createAnswers201WithTheReferenceFieldsAndTheKeyOnlyThere() {
        String now = fixture.clock.instant().toString();
        APIGatewayV2HTTPResponse response = call(TestRequests.route(CREATE).bearer(tokenA).json("""
                {"name":"Web App","source_type":"web","rate_limit_eps":500,"rate_limit_burst":1500,
                 "allowed_event_types":["track","identify","page"],
                 "allowed_origins":["https://app.example.com","https://staging.example.com"],
                 "environment":"production","description":"Marketing site"}"""));
        assertEquals(201, response.getStatusCode(), response.getBody());
        JsonNode source = body(response);
        assertTrue(Ids.looksLike(source.get("id").asText(), Ids.SOURCE));
        assertEquals("Web App", source.get("name").asText());
        String key = source.get("key").asText();
        assertTrue(WriteKeys.isWellFormed(key, SecretHasher.withPepper(AdminFixture.PEPPER)), key);
        assertTrue(key.startsWith("inlet_live_pk_"), "production web source gets a live publishable key");
        assertTrue(key.startsWith(source.get("key_prefix").asText()));
        assertEquals("web", source.get("source_type").asText());
        assertEquals("production", source.get("environment").asText());
        assertEquals("Marketing site", source.get("description").asText());
        assertEquals(projectA, source.get("project_id").asText());
        assertEquals(500, source.get("rate_limit_eps").asInt());
        assertEquals(1500, source.get("rate_limit_burst").asInt());
        assertEquals(List.of("track", "identify", "page"), strings(source.get("allowed_event_types")));
        assertEquals(List.of("https://app.example.com", "https://staging.example.com"),
                strings(source.get("allowed_origins")));
        assertEquals("active", source.get("status").asText());
        assertEquals(now, source.get("created_at").asText());
        assertEquals(now, source.get("updated_at").asText());
        assertTrue(source.get("last_event_at").isNull());
        assertEquals("\"1\"", response.getHeaders().get("ETag"));

        JsonNode fetched = body(call(TestRequests.route(GET).bearer(tokenA).path("id", source.get("id").asText())));
        assertFalse(fetched.has("key"), "the key is shown only in the creation answer");
        assertEquals(0, fetched.get("volume_24h").asLong(), "get shows the 24 h volume");
        assertTrue(fetched.get("last_event_at").isNull());
        assertEquals(source.get("key_prefix"), fetched.get("key_prefix"));
    }

    @Test
    void createAppliesDefaults() {
        JsonNode source = body(create(tokenA, "{\"name\":\"Backend\",\"source_type\":\"server\"}"));
        assertEquals(List.of("track", "identify", "page", "screen", "group", "alias"),
                strings(source.get("allowed_event_types")));
        assertEquals(List.of(), strings(source.get("allowed_origins")));
        assertTrue(source.get("rate_limit_eps").isNull(), "null means the plan default");
        assertTrue(source.get("rate_limit_burst").isNull(), "null means one second of the rate");
        assertEquals("production", source.get("environment").asText());
        assertTrue(source.get("description").isNull());
        assertTrue(source.get("key").asText().startsWith("inlet_live_sk_"));
    }

    @Test
    void stagingSourcesGetTestKeys() {
        JsonNode source = body(create(tokenA,
                "{\"name\":\"Worker\",\"source_type\":\"worker\",\"environment\":\"staging\"}"));
        assertTrue(source.get("key").asText().startsWith("inlet_test_sk_"));
    }

    @Test
    void rootCreatesInTheDefaultProjectOrANamedOne() {
        JsonNode inDefault = body(create(AdminFixture.ROOT_TOKEN, "{\"name\":\"R\",\"source_type\":\"other\"}"));
        assertEquals(Project.DEFAULT_ID, inDefault.get("project_id").asText());
        JsonNode named = body(create(AdminFixture.ROOT_TOKEN,
                "{\"name\":\"R\",\"source_type\":\"other\",\"project_id\":\"" + projectA + "\"}"));
        assertEquals(projectA, named.get("project_id").asText());
        APIGatewayV2HTTPResponse unknown = create(AdminFixture.ROOT_TOKEN,
                "{\"name\":\"R\",\"source_type\":\"other\",\"project_id\":\"prj_00000000000000000000\"}");
        assertEquals(422, unknown.getStatusCode());
        assertEquals("project_id", body(unknown).at("/error/field").asText());
    }

    @Test
    void validationNamesTheFieldAndTheRule() {
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"web\",\"colour\":1}"),
                400, "unknown_field", "colour");
        assertRefused(create(tokenA, "{\"name\":\"\",\"source_type\":\"web\"}"), 422, "invalid_value", "name");
        assertRefused(create(tokenA, "{\"name\":\"" + "n".repeat(101) + "\",\"source_type\":\"web\"}"),
                422, "invalid_value", "name");
        assertRefused(create(tokenA, "{\"name\":7,\"source_type\":\"web\"}"), 400, "invalid_type", "name");
        assertRefused(create(tokenA, "{\"source_type\":\"web\"}"), 422, "missing_field", "name");
        assertRefused(create(tokenA, "{\"name\":\"x\"}"), 422, "missing_field", "source_type");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"fridge\"}"),
                422, "invalid_value", "source_type");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"web\",\"environment\":\"prod\"}"),
                422, "invalid_value", "environment");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"web\",\"allowed_event_types\":[\"click\"]}"),
                422, "invalid_value", "allowed_event_types[0]");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"web\",\"allowed_event_types\":[]}"),
                422, "invalid_value", "allowed_event_types");
        assertRefused(create(tokenA,
                        "{\"name\":\"x\",\"source_type\":\"web\",\"allowed_origins\":[\"https://a.com\",\"a.com\"]}"),
                422, "invalid_value", "allowed_origins[1]");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"web\",\"rate_limit_eps\":0}"),
                422, "invalid_value", "rate_limit_eps");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"web\",\"rate_limit_eps\":1.5}"),
                400, "invalid_type", "rate_limit_eps");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"web\",\"rate_limit_burst\":0}"),
                422, "invalid_value", "rate_limit_burst");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"source_type\":\"web\",\"rate_limit_burst\":\"10\"}"),
                400, "invalid_type", "rate_limit_burst");
        assertRefused(create(tokenA, "{\"name\":\"x\",\"name\":\"y\",\"source_type\":\"web\"}"),
                400, "invalid_json", null);
        assertRefused(create(tokenA, "{\"name\":"), 400, "invalid_json", null);
        assertRefused(create(tokenA, "[]"), 400, "invalid_json", null);
        assertRefused(call(TestRequests.route(CREATE).bearer(tokenA).header("content-type", "text/plain")
                .body("{\"name\":\"x\",\"source_type\":\"web\"}")), 415, "unsupported_media_type", null);
    }

    /**
     * An escaped lone surrogate is no character, and DynamoDB may refuse to store it: every string field of a create
     * or a PATCH refuses one as an invalid value naming the field, and nothing is written.
     */
    @Test
    void textWithAnUnpairedSurrogateIsRefusedNamingTheFieldAndNothingIsStored() {
        String id = body(create(tokenA, "{\"name\":\"Surrogates\",\"source_type\":\"web\"}")).get("id").asText();
        String before = fixture.everythingStored();
        String[][] creates = {
                {"{\"name\":\"a\\ud800\",\"source_type\":\"web\"}", "name"},
                {"{\"name\":\"\\udfff\",\"source_type\":\"web\"}", "name"},
                {"{\"name\":\"\\udf89\\ud83c reversed\",\"source_type\":\"web\"}", "name"},
                {"{\"name\":\"x\",\"source_type\":\"web\",\"description\":\"d \\ud83c\"}", "description"},
                {"{\"name\":\"x\",\"source_type\":\"web\\ud800\"}", "source_type"},
                {"{\"name\":\"x\",\"source_type\":\"web\",\"environment\":\"\\udc00\"}", "environment"},
                {"{\"name\":\"x\",\"source_type\":\"web\",\"allowed_origins\":[\"https://a.com\","
                        + "\"https://\\ud800.com\"]}", "allowed_origins[1]"},
                {"{\"name\":\"x\",\"source_type\":\"web\",\"allowed_event_types\":[\"track\\udbff\"]}",
                        "allowed_event_types[0]"},
                {"{\"name\":\"x\",\"source_type\":\"web\",\"project_id\":\"prj_\\ud800\"}", "project_id"}};
        for (String[] refused : creates) {
            assertRefused(call(TestRequests.route(CREATE).bearer(AdminFixture.ROOT_TOKEN).json(refused[0])),
                    422, "invalid_value", refused[1]);
        }
        assertRefused(call(TestRequests.route(PATCH).bearer(tokenA).path("id", id).json("{\"name\":\"n\\ud800\"}")),
                422, "invalid_value", "name");
        assertRefused(call(TestRequests.route(PATCH).bearer(tokenA).path("id", id)
                .json("{\"description\":\"ok\",\"name\":\"\\udfff\"}")), 422, "invalid_value", "name");
        assertRefused(call(TestRequests.route(PATCH).bearer(tokenA).path("id", id)
                .json("{\"description\":\"\\ud800\"}")), 422, "invalid_value", "description");
        assertEquals(before, fixture.everythingStored(), "a refused request wrote something");

        // A pair is a character like any other: stored and answered as sent.
        JsonNode emoji = body(call(TestRequests.route(PATCH).bearer(tokenA).path("id", id)
                .json("{\"name\":\"Party \\ud83c\\udf89\",\"description\":\"🎉\"}")));
        assertEquals("Party 🎉", emoji.get("name").asText());
        assertEquals("🎉", emoji.get("description").asText());
    }

    @Test
    void adminRoutesNeedAValidBearerToken() {
        APIGatewayV2HTTPResponse none = call(TestRequests.route(LIST));
        assertRefused(none, 401, "unauthorized", null);
        assertEquals("Bearer realm=\"inlet\"", none.getHeaders().get("WWW-Authenticate"));
        assertRefused(call(TestRequests.route(LIST).bearer("wrong")), 401, "unauthorized", null);
        assertRefused(call(TestRequests.route(LIST).header("authorization", "Basic " + AdminFixture.ROOT_TOKEN)),
                401, "unauthorized", null);
        String madeUp = Secrets.generate(AdminToken.TOKEN_PREFIX, SecretHasher.withPepper(AdminFixture.PEPPER));
        assertRefused(call(TestRequests.route(LIST).bearer(madeUp)), 401, "unauthorized", null);
    }

    @Test
    void anotherProjectsSourceDoesNotExistForAProjectToken() {
        String id = body(create(tokenA, "{\"name\":\"Mine\",\"source_type\":\"web\"}")).get("id").asText();
        assertRefused(call(TestRequests.route(GET).bearer(tokenB).path("id", id)), 404, "not_found", null);
        assertRefused(call(TestRequests.route(PATCH).bearer(tokenB).path("id", id).json("{\"name\":\"Theirs\"}")),
                404, "not_found", null);
        JsonNode listed = body(call(TestRequests.route(LIST).bearer(tokenB).query("limit", "100")));
        listed.get("data").forEach(s -> assertNotEquals(id, s.get("id").asText()));
        JsonNode asked = body(call(TestRequests.route(LIST).bearer(tokenB).query("project_id", projectA)));
        assertEquals(0, asked.get("data").size(), "naming another project lists nothing");
        assertEquals("Mine", body(call(TestRequests.route(GET).bearer(tokenA).path("id", id))).get("name").asText());
        assertEquals("Mine", body(call(TestRequests.route(GET).bearer(AdminFixture.ROOT_TOKEN).path("id", id)))
                .get("name").asText(), "root sees every project");
    }

    @Test
    void unknownOrMalformedIdsAre404() {
        assertRefused(call(TestRequests.route(GET).bearer(tokenA).path("id", "wk_00000000000000000000")),
                404, "not_found", null);
        assertRefused(call(TestRequests.route(GET).bearer(tokenA).path("id", "../../etc")), 404, "not_found", null);
    }

    @Test
    void listPaginatesNewestFirstWithFiltersAndNeverShowsKeys() {
        String project = seedProject("Paging");
        String token = seedToken(project);
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            fixture.clock.advance(java.time.Duration.ofSeconds(1));
            String type = i % 2 == 0 ? "web" : "server";
            created.add(body(create(token, "{\"name\":\"S" + i + "\",\"source_type\":\"" + type + "\"}"))
                    .get("id").asText());
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            TestRequests request = TestRequests.route(LIST).bearer(token).query("limit", "3");
            if (cursor != null) {
                request.query("cursor", cursor);
            }
            JsonNode page = body(call(request));
            page.get("data").forEach(s -> {
                assertFalse(s.has("key"));
                assertEquals(0, s.get("volume_24h").asLong(), "list shows the 24 h volume");
                seen.add(s.get("name").asText());
            });
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertEquals(List.of("S6", "S5", "S4", "S3", "S2", "S1", "S0"), seen);
        assertEquals(3, pages);

        JsonNode servers = body(call(TestRequests.route(LIST).bearer(token).query("source_type", "server")
                .query("limit", "2")));
        assertEquals(2, servers.get("data").size());
        servers.get("data").forEach(s -> assertEquals("server", s.get("source_type").asText()));
        JsonNode rest = body(call(TestRequests.route(LIST).bearer(token).query("source_type", "server")
                .query("limit", "2").query("cursor", servers.get("next_cursor").asText())));
        assertEquals(1, rest.get("data").size());
        assertTrue(rest.get("next_cursor").isNull());

        assertRefused(call(TestRequests.route(LIST).bearer(token).query("status", "sleeping")),
                400, "invalid_parameter", "status");
        assertRefused(call(TestRequests.route(LIST).bearer(token).query("limit", "1000")),
                400, "invalid_parameter", "limit");
        assertRefused(call(TestRequests.route(LIST).bearer(token).query("cursor", "forged.cursor")),
                400, "invalid_parameter", "cursor");
        String otherProjectsCursor = body(call(TestRequests.route(LIST).bearer(tokenA).query("limit", "1")))
                .get("next_cursor").asText();
        assertRefused(call(TestRequests.route(LIST).bearer(token).query("cursor", otherProjectsCursor)),
                400, "invalid_parameter", "cursor");
    }

    @Test
    void statsShowHourlyAcceptedAndRefusedByReason() {
        String id = body(create(tokenA, "{\"name\":\"Counted\",\"source_type\":\"web\"}")).get("id").asText();
        var stats = new dev.inlet.common.store.SourceStatsRepository(fixture.dynamo,
                fixture.table("SourceStatsTable"));
        Instant now = fixture.clock.instant();
        String thisHour = dev.inlet.common.store.SourceStatsRepository.hourOf(now);
        String twoHoursAgo = dev.inlet.common.store.SourceStatsRepository.hourOf(now.minus(
                java.time.Duration.ofHours(2)));
        stats.addAccepted(id, thisHour, 40);
        stats.addAccepted(id, twoHoursAgo, 2);
        stats.addRefusals(id, thisHour, java.util.Map.of("rate_limited", 3L, "unauthorized", 1L));
        JsonNode body = body(call(TestRequests.route("GET /api/v1/events/write-keys/{id}/stats").bearer(tokenA)
                .path("id", id).query("hours", "3")));
        assertEquals(3, body.get("buckets").size());
        assertEquals(twoHoursAgo + ":00:00Z", body.at("/buckets/0/hour").asText());
        assertEquals(2, body.at("/buckets/0/accepted").asLong());
        assertEquals(0, body.at("/buckets/1/accepted").asLong());
        assertEquals(40, body.at("/buckets/2/accepted").asLong());
        assertEquals(3, body.at("/buckets/2/refused/rate_limited").asLong());
        assertEquals(0, body.at("/buckets/2/refused/origin_not_allowed").asLong(), "every reason, zero when none");
        assertEquals(42, body.at("/totals/accepted").asLong());
        assertEquals(1, body.at("/totals/refused/unauthorized").asLong());
        assertRefused(call(TestRequests.route("GET /api/v1/events/write-keys/{id}/stats").bearer(tokenA)
                .path("id", id).query("hours", "169")), 400, "invalid_parameter", "hours");
        assertRefused(call(TestRequests.route("GET /api/v1/events/write-keys/{id}/stats").bearer(tokenB)
                .path("id", id)), 404, "not_found", null);
    }

    @Test
    void unattributedRefusalsAreReadByTheRootOnlyInAStatsShape() {
        var stats = new dev.inlet.common.store.SourceStatsRepository(fixture.dynamo,
                fixture.table("SourceStatsTable"));
        Instant now = fixture.clock.instant();
        String thisHour = dev.inlet.common.store.SourceStatsRepository.hourOf(now);
        String hourAgo = dev.inlet.common.store.SourceStatsRepository.hourOf(now.minus(java.time.Duration.ofHours(1)));
        String dayAgo = dev.inlet.common.store.SourceStatsRepository.hourOf(now.minus(java.time.Duration.ofHours(30)));
        // Written as ingestion's RefusalCounts writes them: under the pseudo-source, by reason.
        stats.addRefusals("_unattributed", thisHour, java.util.Map.of("unauthorized", 5L));
        stats.addRefusals("_unattributed", hourAgo, java.util.Map.of("unauthorized", 2L, "invalid_payload", 1L));
        stats.addRefusals("_unattributed", dayAgo, java.util.Map.of("unauthorized", 100L));
        String attributed = body(create(tokenA, "{\"name\":\"Not counted here\",\"source_type\":\"web\"}"))
                .get("id").asText();
        stats.addRefusals(attributed, thisHour, java.util.Map.of("unauthorized", 1000L));

        String route = "GET /api/v1/events/stats/unattributed";
        JsonNode body = body(call(TestRequests.route(route).bearer(AdminFixture.ROOT_TOKEN).query("hours", "2")));
        assertEquals("_unattributed", body.get("source_id").asText());
        assertEquals(2, body.get("hours").asInt());
        assertTrue(body.get("last_event_at").isNull());
        assertEquals(2, body.get("buckets").size());
        assertEquals(hourAgo + ":00:00Z", body.at("/buckets/0/hour").asText());
        assertEquals(2, body.at("/buckets/0/refused/unauthorized").asLong());
        assertEquals(1, body.at("/buckets/0/refused/invalid_payload").asLong());
        assertEquals(5, body.at("/buckets/1/refused/unauthorized").asLong());
        assertEquals(0, body.at("/buckets/1/refused/rate_limited").asLong(), "every reason, zero when none");
        assertEquals(0, body.at("/buckets/1/accepted").asLong());
        assertEquals(7, body.at("/totals/refused/unauthorized").asLong(), "the 30-hour-old count is outside 2 h");
        assertEquals(0, body.at("/totals/accepted").asLong());
        assertEquals(24, body(call(TestRequests.route(route).bearer(AdminFixture.ROOT_TOKEN))).get("buckets").size(),
                "24 hours by default");
        assertEquals(107, body(call(TestRequests.route(route).bearer(AdminFixture.ROOT_TOKEN).query("hours", "168")))
                .at("/totals/refused/unauthorized").asLong(), "a source's refusals are not unattributed ones");

        assertRefused(call(TestRequests.route(route).bearer(AdminFixture.ROOT_TOKEN).query("hours", "169")), 400,
                "invalid_parameter", "hours");
        assertRefused(call(TestRequests.route(route).bearer(AdminFixture.ROOT_TOKEN).query("hours", "0")), 400,
                "invalid_parameter", "hours");
        assertRefused(call(TestRequests.route(route).bearer(tokenA)), 403, "forbidden", null);
        assertRefused(call(TestRequests.route(route).bearer(tokenA).query("hours", "169")), 403, "forbidden", null);
        assertRefused(call(TestRequests.route(route)), 401, "unauthorized", null);
    }

    @Test
    void theDebuggerIsVisibleOnlyToTheSourcesProjectAndItsCursorStaysInItsSource() {
        String id = body(create(tokenA, "{\"name\":\"Debugged\",\"source_type\":\"web\"}")).get("id").asText();
        String other = body(create(tokenA, "{\"name\":\"Other\",\"source_type\":\"web\"}")).get("id").asText();
        var debugger = new dev.inlet.common.store.DebugSampleRepository(fixture.dynamo, fixture.table("DebuggerTable"));
        Instant now = fixture.clock.instant();
        for (String source : java.util.List.of(id, other)) {
            debugger.putAll(java.util.List.of(
                    new dev.inlet.common.store.DebugSample.Accepted(source, now, "m-1", "track", "key_1", "r-1",
                            "{\"event\":\"a\"}"),
                    new dev.inlet.common.store.DebugSample.Accepted(source, now.plusMillis(1), "m-2", "track", "key_1",
                            "r-2", "{\"event\":\"b\"}")));
        }
        String route = "GET /api/v1/events/write-keys/{id}/events";
        JsonNode page = body(call(TestRequests.route(route).bearer(tokenA).path("id", id).query("limit", "1")));
        assertEquals("m-2", page.at("/data/0/message_id").asText());
        assertEquals("b", page.at("/data/0/payload/event").asText(), "the payload as JSON, not a string");
        String cursor = page.get("next_cursor").asText();
        assertEquals("m-1", body(call(TestRequests.route(route).bearer(tokenA).path("id", id)
                .query("cursor", cursor))).at("/data/0/message_id").asText());
        assertRefused(call(TestRequests.route(route).bearer(tokenA).path("id", other).query("cursor", cursor)),
                400, "invalid_parameter", "cursor");
        assertRefused(call(TestRequests.route(route).bearer(tokenB).path("id", id)), 404, "not_found", null);
        assertRefused(call(TestRequests.route(route).bearer(tokenA).path("id", id).query("limit", "51")),
                400, "invalid_parameter", "limit");
        // A cursor is a position in one listing: the audit trail's is refused here, and this one there.
        assertEquals(200, call(TestRequests.route("PATCH /api/v1/events/write-keys/{id}").bearer(tokenA)
                .path("id", id).json("{\"description\":\"one\"}")).getStatusCode());
        String auditCursor = body(call(TestRequests.route("GET /api/v1/events/write-keys/{id}/audit").bearer(tokenA)
                .path("id", id).query("limit", "1"))).get("next_cursor").asText();
        assertRefused(call(TestRequests.route(route).bearer(tokenA).path("id", id).query("cursor", auditCursor)),
                400, "invalid_parameter", "cursor");
        assertRefused(call(TestRequests.route("GET /api/v1/events/write-keys/{id}/audit").bearer(tokenA)
                .path("id", id).query("cursor", cursor)), 400, "invalid_parameter", "cursor");
    }

    @Test
    void staleSourcesCanBeListedIncludingThoseThatNeverSent() {
        String token = seedToken(seedProject("Stale"));
        String never = body(create(token, "{\"name\":\"Never\",\"source_type\":\"web\"}")).get("id").asText();
        String old = body(create(token, "{\"name\":\"Old\",\"source_type\":\"web\"}")).get("id").asText();
        String fresh = body(create(token, "{\"name\":\"Fresh\",\"source_type\":\"web\"}")).get("id").asText();
        var activity = new dev.inlet.common.store.SourceActivityRepository(fixture.dynamo,
                fixture.table("SourcesTable"));
        activity.recordLastEvent(old, fixture.clock.instant().minus(java.time.Duration.ofHours(3)));
        activity.recordLastEvent(fresh, fixture.clock.instant().minus(java.time.Duration.ofMinutes(30)));
        List<String> stale = new ArrayList<>();
        body(call(TestRequests.route(LIST).bearer(token).query("inactive_for_hours", "2"))).get("data")
                .forEach(source -> stale.add(source.get("id").asText()));
        assertEquals(Set.of(never, old), Set.copyOf(stale));
        assertRefused(call(TestRequests.route(LIST).bearer(token).query("inactive_for_hours", "0")),
                400, "invalid_parameter", "inactive_for_hours");
    }

    @Test
    void patchChangesOnlyWhatItNamesAndBumpsTheVersion() {
        JsonNode source = body(create(tokenA, """
                {"name":"Web","source_type":"web","description":"d","rate_limit_eps":100,
                 "allowed_origins":["https://a.example.com"]}"""));
        String id = source.get("id").asText();
        fixture.clock.advance(java.time.Duration.ofMinutes(1));
        APIGatewayV2HTTPResponse response = call(TestRequests.route(PATCH).bearer(tokenA).path("id", id)
                .json("{\"name\":\"Web (prod)\",\"rate_limit_eps\":null,\"description\":null,"
                        + "\"allowed_origins\":[\"https://*.Example.com\"]}"));
        assertEquals(200, response.getStatusCode(), response.getBody());
        JsonNode updated = body(response);
        assertEquals("Web (prod)", updated.get("name").asText());
        assertTrue(updated.get("rate_limit_eps").isNull());
        assertTrue(updated.get("description").isNull());
        assertEquals(List.of("https://*.example.com"), strings(updated.get("allowed_origins")));
        assertEquals(source.get("allowed_event_types"), updated.get("allowed_event_types"));
        assertEquals(2, updated.get("version").asInt());
        assertEquals(Instant.parse(source.get("updated_at").asText()).plus(java.time.Duration.ofMinutes(1)),
                Instant.parse(updated.get("updated_at").asText()));
        assertEquals(source.get("created_at"), updated.get("created_at"));

        // The key item repeats the configuration ingestion enforces; it must follow the change.
        var keyItem = keyItemOf(source);
        assertEquals(List.of("https://*.example.com"),
                keyItem.get("allowed_origins").l().stream().map(AttributeValue::s).toList());
        assertFalse(keyItem.containsKey("rate_limit_eps"));
        assertEquals("2", keyItem.get("source_version").n());

        assertRefused(call(TestRequests.route(PATCH).bearer(tokenA).path("id", id).json("{\"nmae\":\"x\"}")),
                400, "unknown_field", "nmae");
        assertRefused(call(TestRequests.route(PATCH).bearer(tokenA).path("id", id).json("{\"source_type\":\"x\"}")),
                400, "read_only_field", "source_type");
        assertRefused(call(TestRequests.route(PATCH).bearer(tokenA).path("id", id)
                .json("{\"allowed_origins\":[\"not a url\"]}")), 422, "invalid_value", "allowed_origins[0]");
    }

    @Test
    void ifMatchGuardsAgainstLostUpdates() {
        String id = body(create(tokenA, "{\"name\":\"Guarded\",\"source_type\":\"web\"}")).get("id").asText();
        assertEquals(200, call(TestRequests.route(PATCH).bearer(tokenA).path("id", id).header("if-match", "\"1\"")
                .json("{\"name\":\"First\"}")).getStatusCode());
        APIGatewayV2HTTPResponse stale = call(TestRequests.route(PATCH).bearer(tokenA).path("id", id)
                .header("if-match", "\"1\"").json("{\"name\":\"Second\"}"));
        assertRefused(stale, 412, "precondition_failed", null);
        assertEquals("First", body(call(TestRequests.route(GET).bearer(tokenA).path("id", id))).get("name").asText());
    }

    @Test
    void concurrentPatchesNeverSilentlyOverwriteEachOther() throws Exception {
        String id = body(create(tokenA, "{\"name\":\"Raced\",\"source_type\":\"web\"}")).get("id").asText();
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<APIGatewayV2HTTPResponse>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            String name = "Writer " + i;
            results.add(pool.submit(() -> {
                start.await();
                return call(TestRequests.route(PATCH).bearer(tokenA).path("id", id)
                        .json("{\"name\":\"" + name + "\"}"));
            }));
        }
        start.countDown();
        int won = 0;
        List<String> winners = new ArrayList<>();
        for (Future<APIGatewayV2HTTPResponse> result : results) {
            APIGatewayV2HTTPResponse response = result.get();
            if (response.getStatusCode() == 200) {
                won++;
                winners.add(body(response).get("name").asText());
            } else {
                assertRefused(response, 409, "version_conflict", null);
            }
        }
        pool.shutdown();
        JsonNode stored = body(call(TestRequests.route(GET).bearer(tokenA).path("id", id)));
        assertEquals(1 + won, stored.get("version").asInt(), "every success is one version, none lost");
        assertTrue(won >= 1);
        assertTrue(winners.contains(stored.get("name").asText()));
    }

    @Test
    void theAuditTrailRecordsWhoChangedWhatNewestFirstAndIsPaginated() {
        JsonNode created = body(create(tokenA, "{\"name\":\"Audited\",\"source_type\":\"web\"}"));
        String id = created.get("id").asText();
        fixture.clock.advance(java.time.Duration.ofSeconds(1));
        call(TestRequests.route(PATCH).bearer(AdminFixture.ROOT_TOKEN).path("id", id)
                .json("{\"name\":\"Renamed\",\"allowed_origins\":[]}"));
        fixture.clock.advance(java.time.Duration.ofSeconds(1));
        call(TestRequests.route(PATCH).bearer(tokenA).path("id", id).json("{\"description\":\"d\"}"));
        JsonNode first = body(call(TestRequests.route("GET /api/v1/events/write-keys/{id}/audit").bearer(tokenA)
                .path("id", id).query("limit", "2")));
        assertEquals(2, first.get("data").size());
        assertEquals("updated", first.at("/data/0/action").asText());
        assertTrue(first.at("/data/0/actor").asText().startsWith("token:tok_"));
        assertEquals("[\"description\"]", first.at("/data/0/details/changed").toString());
        assertEquals("root", first.at("/data/1/actor").asText());
        assertEquals("[\"name\",\"allowed_origins\"]", first.at("/data/1/details/changed").toString());
        JsonNode rest = body(call(TestRequests.route("GET /api/v1/events/write-keys/{id}/audit").bearer(tokenA)
                .path("id", id).query("cursor", first.get("next_cursor").asText())));
        assertEquals("created", rest.at("/data/0/action").asText());
        assertEquals(created.get("key_prefix").asText(), rest.at("/data/0/details/key_prefix").asText());
        assertFalse(rest.toString().contains(created.get("key").asText()), "the trail never holds a key");
        assertRefused(call(TestRequests.route("GET /api/v1/events/write-keys/{id}/audit").bearer(tokenB)
                .path("id", id)), 404, "not_found", null);
    }

    @Test
    void noTableHoldsAFullKey() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add(body(create(tokenA, "{\"name\":\"Scan " + i + "\",\"source_type\":\"mobile\"}"))
                    .get("key").asText());
        }
        for (String table : fixture.tables.values()) {
            String dump = fixture.dynamo.scan(b -> b.tableName(table)).items().toString();
            for (String key : keys) {
                assertFalse(dump.contains(key), "table " + table + " holds a full key");
                assertFalse(dump.contains(key.substring(20)), "table " + table + " holds the key's secret part");
            }
            assertFalse(dump.contains(tokenA), "table " + table + " holds a full admin token");
        }
    }

    private static java.util.Map<String, AttributeValue> keyItemOf(JsonNode createdSource) {
        String hash = SecretHasher.withPepper(AdminFixture.PEPPER).hash(createdSource.get("key").asText());
        return fixture.dynamo.getItem(b -> b.tableName(fixture.table("WriteKeysTable"))
                .key(java.util.Map.of("key_hash", AttributeValue.fromS(hash)))).item();
    }

    private static APIGatewayV2HTTPResponse create(String token, String json) {
        return call(TestRequests.route(CREATE).bearer(token).json(json));
    }

    private static APIGatewayV2HTTPResponse call(TestRequests request) {
        return handler.handleRequest(request.build(), null);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static String seedProject(String name) {
        Project project = new Project(Ids.newId(Ids.PROJECT), name, Instant.parse("2026-11-01T00:00:00Z"));
        fixture.servicesFor("ProjectsFunction").projects().createIfAbsent(project);
        return project.id();
    }

    private static String seedToken(String projectId) {
        String token = Secrets.generate(AdminToken.TOKEN_PREFIX, SecretHasher.withPepper(AdminFixture.PEPPER));
        SecretHasher hasher = SecretHasher.withPepper(AdminFixture.PEPPER);
        fixture.servicesFor("ProjectsFunction").adminTokens().create(new AdminToken(Ids.newId(Ids.ADMIN_TOKEN),
                hasher.hash(token), Secrets.displayPrefix(token, AdminToken.TOKEN_PREFIX), projectId, "test",
                Instant.parse("2026-11-01T00:00:00Z"), Optional.empty()));
        return token;
    }
}
