package dev.inlet.functions.rotation;

import static dev.inlet.common.testing.TestRequests.body;
import static dev.inlet.common.testing.TestRequests.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.config.AdminServices;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.NewSource;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceService;
import dev.inlet.common.source.SourceType;
import dev.inlet.common.source.WriteKeys;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.TestRequests;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Key rotation through the handler, against DynamoDB Local. */
class RotateKeyHandlerTest {

    private static final String ROTATE = "POST /api/v1/events/write-keys/{id}/rotate";

    private static AdminFixture fixture;
    private static RotateKeyHandler handler;
    private static SourceService sources;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(RotateKeyHandlerTest.class);
        handler = new RotateKeyHandler(fixture.servicesFor("KeyRotationFunction"));
        AdminServices sourcesFunction = fixture.servicesFor("SourcesFunction");
        sources = sourcesFunction.sourceService();
    }

    @Test
    void rotationIssuesANewKeyAndKeepsTheOldOneForTheGracePeriod() {
        SourceService.Created created = newSource();
        fixture.clock.advance(Duration.ofMinutes(5));
        APIGatewayV2HTTPResponse response = rotate(created.source().id(), "{\"grace_period_hours\":2}");
        assertEquals(200, response.getStatusCode(), response.getBody());
        JsonNode body = body(response);
        String newKey = body.get("key").asText();
        assertTrue(WriteKeys.isWellFormed(newKey, SecretHasher.withPepper(AdminFixture.PEPPER)));
        assertNotEquals(created.key(), newKey);
        assertTrue(newKey.startsWith(body.get("key_prefix").asText()));
        assertEquals(created.source().id(), body.get("id").asText());
        assertEquals(List.of("track", "page"), List.of(body.get("allowed_event_types").get(0).asText(),
                body.get("allowed_event_types").get(1).asText()), "configuration stays");
        JsonNode previous = body.get("previous_key");
        String expectedExpiry = fixture.clock.instant().plus(Duration.ofHours(2)).toString();
        assertEquals(expectedExpiry, previous.get("expires_at").asText());
        assertEquals(created.source().currentKey().orElseThrow().id(), previous.get("id").asText());
        assertEquals(0, body.get("ended_keys").size());

        Map<String, AttributeValue> oldItem = keyItem(created.key());
        assertEquals(expectedExpiry, java.time.Instant.parse(oldItem.get("expires_at").s()).toString());
        assertTrue(Long.parseLong(oldItem.get("purge_at").n()) > fixture.clock.instant().getEpochSecond(),
                "TTL purges the old key only after it ended");
        Map<String, AttributeValue> newItem = keyItem(newKey);
        assertFalse(newItem.containsKey("expires_at"));
        assertEquals("active", newItem.get("source_status").s());
    }

    @Test
    void rotatingAgainEndsAKeyStillInItsGracePeriodAtOnce() {
        SourceService.Created created = newSource();
        String second = body(rotate(created.source().id(), "{}")).get("key").asText();
        fixture.clock.advance(Duration.ofMinutes(1));
        JsonNode third = body(rotate(created.source().id(), "{\"grace_period_hours\":24}"));
        assertEquals(1, third.get("ended_keys").size(), third.toString());
        assertEquals(fixture.clock.instant().toString(), java.time.Instant.parse(keyItem(created.key()).get("expires_at").s()).toString());
        assertEquals(fixture.clock.instant().plus(Duration.ofHours(24)).toString(),
                java.time.Instant.parse(keyItem(second).get("expires_at").s()).toString());
        assertEquals(2, sources.get(Principal.root(), created.source().id()).keys().size(), "at most two live keys");
    }

    @Test
    void graceZeroEndsTheOldKeyNow() {
        SourceService.Created created = newSource();
        JsonNode body = body(rotate(created.source().id(), "{\"grace_period_hours\":0}"));
        assertTrue(body.get("previous_key").isNull());
        assertEquals(1, body.get("ended_keys").size());
        assertEquals(fixture.clock.instant().toString(), java.time.Instant.parse(keyItem(created.key()).get("expires_at").s()).toString());
    }

    @Test
    void defaultGraceIs24Hours() {
        SourceService.Created created = newSource();
        JsonNode body = body(handler.handleRequest(TestRequests.route(ROTATE).bearer(AdminFixture.ROOT_TOKEN)
                .path("id", created.source().id()).build(), null));
        assertEquals(fixture.clock.instant().plus(Duration.ofHours(24)).toString(),
                body.at("/previous_key/expires_at").asText());
    }

    @Test
    void refusals() {
        SourceService.Created created = newSource();
        String id = created.source().id();
        assertRefused(rotate(id, "{\"grace_period_hours\":169}"), 422, "invalid_value");
        assertRefused(rotate(id, "{\"grace_period_hours\":-1}"), 422, "invalid_value");
        assertRefused(rotate(id, "{\"grace_period_hours\":\"2\"}"), 400, "invalid_type");
        assertRefused(rotate(id, "{\"grace\":2}"), 400, "unknown_field");
        assertRefused(rotate("wk_00000000000000000000", "{}"), 404, "not_found");
        assertRefused(handler.handleRequest(TestRequests.route(ROTATE).path("id", id).json("{}").build(), null),
                401, "unauthorized");
        fixture.servicesFor("KeyRevocationFunction").keyLifecycle().revoke(Principal.root(), id);
        assertRefused(rotate(id, "{}"), 409, "source_revoked");
    }

    @Test
    void keysListingShowsBothLiveKeysWithTheirUseAndEndingAGraceEarlyWorks() {
        SourceService.Created created = newSource();
        String id = created.source().id();
        String oldKeyId = created.source().currentKey().orElseThrow().id();
        JsonNode rotation = body(rotate(id, "{\"grace_period_hours\":24}"));
        String newKeyId = rotation.get("key_id").asText();
        // What the stats aggregator writes from the events stream: requests per key and hour, and the last use.
        SourceStatsRepository stats = new SourceStatsRepository(fixture.dynamo, fixture.table("SourceStatsTable"));
        String hour = SourceStatsRepository.hourOf(fixture.clock.instant());
        stats.addKeyRequests(id, oldKeyId, hour, 7);
        stats.recordKeyUse(id, oldKeyId, fixture.clock.instant().minusSeconds(30));
        stats.addKeyRequests(id, newKeyId, hour, 2);
        stats.recordKeyUse(id, newKeyId, fixture.clock.instant());

        JsonNode keys = body(handler.handleRequest(TestRequests.route("GET /api/v1/events/write-keys/{id}/keys")
                .bearer(AdminFixture.ROOT_TOKEN).path("id", id).build(), null)).get("data");
        assertEquals(2, keys.size());
        assertEquals(newKeyId, keys.get(0).get("id").asText());
        assertTrue(keys.get(0).get("current").asBoolean());
        assertTrue(keys.get(0).get("expires_at").isNull());
        assertEquals(2, keys.get(0).get("requests_24h").asLong());
        assertEquals(fixture.clock.instant().toString(), keys.get(0).get("last_used_at").asText());
        assertEquals(oldKeyId, keys.get(1).get("id").asText());
        assertFalse(keys.get(1).get("current").asBoolean());
        assertEquals(7, keys.get(1).get("requests_24h").asLong());
        assertFalse(keys.get(1).get("expires_at").isNull());
        assertFalse(keys.get(0).has("key") || keys.get(1).has("key"), "a listing never shows a key");

        APIGatewayV2HTTPResponse current = expire(id, newKeyId);
        assertRefused(current, 409, "current_key");
        assertRefused(expire(id, "key_00000000000000000000"), 404, "not_found");
        fixture.clock.advance(Duration.ofMinutes(1));
        assertEquals(200, expire(id, oldKeyId).getStatusCode());
        assertEquals(fixture.clock.instant().toString(),
                java.time.Instant.parse(keyItem(created.key()).get("expires_at").s()).toString());
        JsonNode after = body(handler.handleRequest(TestRequests.route("GET /api/v1/events/write-keys/{id}/keys")
                .bearer(AdminFixture.ROOT_TOKEN).path("id", id).build(), null)).get("data");
        assertEquals(1, after.size(), "the ended key is no longer live");
        assertRefused(expire(id, oldKeyId), 404, "not_found");
    }

    private static APIGatewayV2HTTPResponse expire(String id, String keyId) {
        return handler.handleRequest(TestRequests.route("POST /api/v1/events/write-keys/{id}/keys/{key_id}/expire")
                .bearer(AdminFixture.ROOT_TOKEN).path("id", id).path("key_id", keyId).build(), null);
    }

    private static SourceService.Created newSource() {
        return sources.create(Principal.root(), new NewSource("Rotating", SourceType.SERVER,
                SourceEnvironment.PRODUCTION, Optional.empty(), Optional.of(50), Optional.empty(),
                java.util.EnumSet.of(EventType.TRACK, EventType.PAGE), List.of(), Optional.empty()));
    }

    private static APIGatewayV2HTTPResponse rotate(String id, String json) {
        return handler.handleRequest(TestRequests.route(ROTATE).bearer(AdminFixture.ROOT_TOKEN).path("id", id)
                .json(json).build(), null);
    }

    private static Map<String, AttributeValue> keyItem(String key) {
        String hash = SecretHasher.withPepper(AdminFixture.PEPPER).hash(key);
        return fixture.dynamo.getItem(b -> b.tableName(fixture.table("WriteKeysTable"))
                .key(Map.of("key_hash", AttributeValue.fromS(hash)))).item();
    }
}
