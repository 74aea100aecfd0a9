package dev.inlet.functions.revocation;

import static dev.inlet.common.testing.TestRequests.body;
import static dev.inlet.common.testing.TestRequests.errorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.KeyLifecycle;
import dev.inlet.common.source.NewSource;
import dev.inlet.common.source.Source;
import dev.inlet.common.source.SourceChanges;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceService;
import dev.inlet.common.source.SourceStatus;
import dev.inlet.common.source.SourceType;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.TestRequests;
import dev.inlet.common.http.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Revocation through the handler, against DynamoDB Local. */
class RevokeSourceHandlerTest {

    private static final String REVOKE = "POST /api/v1/events/write-keys/{id}/revoke";

    private static AdminFixture fixture;
    private static RevokeSourceHandler handler;
    private static SourceService sources;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(RevokeSourceHandlerTest.class);
        handler = new RevokeSourceHandler(fixture.servicesFor("KeyRevocationFunction"));
        sources = fixture.servicesFor("SourcesFunction").sourceService();
    }

    @Test
    void revocationMarksTheSourceAndEveryLiveKeyRevoked() {
        SourceService.Created created = newSource();
        KeyLifecycle.Rotated rotated = fixture.servicesFor("KeyRotationFunction").keyLifecycle()
                .rotate(Principal.root(), created.source().id(), 24);
        APIGatewayV2HTTPResponse response = revoke(created.source().id());
        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals("revoked", body(response).get("status").asText());
        assertFalse(body(response).has("key"));
        assertEquals("revoked", keyItem(created.key()).get("source_status").s(), "the key in grace too");
        assertEquals("revoked", keyItem(rotated.key()).get("source_status").s());

        APIGatewayV2HTTPResponse again = revoke(created.source().id());
        assertEquals(200, again.getStatusCode(), "revoking again is harmless");
        assertEquals(body(response).get("version"), body(again).get("version"));
    }

    @Test
    void aRevokedSourceCannotBeChangedAgain() {
        SourceService.Created created = newSource();
        revoke(created.source().id());
        ApiError patch = expectError(() -> sources.update(Principal.root(), created.source().id(),
                SourceChanges.fromJson(Json.parse("{\"name\":\"back\"}")), Optional.empty()));
        assertEquals(409, patch.status());
        assertEquals("source_revoked", patch.code());
    }

    @Test
    void aStreamOfChangesCannotStarveARevocation() throws Exception {
        SourceService.Created created = newSource();
        String id = created.source().id();
        java.util.concurrent.atomic.AtomicBoolean revoked = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger patches = new java.util.concurrent.atomic.AtomicInteger();
        Runnable patchLoop = () -> {
            for (int i = 0; !revoked.get() && i < 10_000; i++) {
                try {
                    sources.update(Principal.root(), id, SourceChanges.fromJson(Json.parse(
                            "{\"description\":\"loop " + i + "\"}")), Optional.empty());
                    patches.incrementAndGet();
                } catch (ApiError refused) {
                    if (refused.code().equals("source_revoked")) {
                        return;
                    }
                }
            }
        };
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(3)) {
            for (int t = 0; t < 3; t++) {
                pool.submit(patchLoop);
            }
            while (patches.get() < 20) {
                Thread.sleep(5);
            }
            APIGatewayV2HTTPResponse response = revoke(id);
            revoked.set(true);
            assertEquals(200, response.getStatusCode(), "three PATCH loops did not starve it: " + response.getBody());
            assertEquals("revoked", body(response).get("status").asText());
        }
        ApiError after = expectError(() -> sources.update(Principal.root(), id,
                SourceChanges.fromJson(Json.parse("{\"name\":\"back\"}")), Optional.empty()));
        assertEquals("source_revoked", after.code());
    }

    @Test
    void onceARevocationIsUnderWayOtherChangesLoseToIt() {
        SourceService.Created created = newSource();
        String id = created.source().id();
        fixture.servicesFor("KeyRevocationFunction").sources().markRevoking(id, fixture.clock.instant());
        ApiError patch = expectError(() -> sources.update(Principal.root(), id,
                SourceChanges.fromJson(Json.parse("{\"name\":\"late\"}")), Optional.empty()));
        assertEquals("version_conflict", patch.code(), "a change cannot slip in between the two steps");
        assertEquals("revoked", body(revoke(id)).get("status").asText());
    }

    @Test
    void anotherProjectsTokenCannotRevoke() {
        SourceService.Created created = newSource();
        assertEquals(401, handler.handleRequest(TestRequests.route(REVOKE).path("id", created.source().id())
                .build(), null).getStatusCode());
        APIGatewayV2HTTPResponse unknown = revoke("wk_00000000000000000000");
        assertEquals(404, unknown.getStatusCode());
        assertEquals("not_found", errorCode(unknown));
        assertEquals(400, handler.handleRequest(TestRequests.route(REVOKE).bearer(AdminFixture.ROOT_TOKEN)
                .path("id", created.source().id()).json("{\"why\":1}").build(), null).getStatusCode());
    }

    @Test
    void concurrentRotateAndRevokeNeverLeaveALiveKeyOnARevokedSource() throws Exception {
        for (int round = 0; round < 5; round++) {
            SourceService.Created created = newSource();
            String id = created.source().id();
            KeyLifecycle rotation = fixture.servicesFor("KeyRotationFunction").keyLifecycle();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> rotations = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rotations.add(pool.submit(() -> {
                    start.await();
                    try {
                        return rotation.rotate(Principal.root(), id, 24).key();
                    } catch (ApiError refused) {
                        return null; // 409: revoked first, or lost to the other rotations
                    }
                }));
            }
            Future<APIGatewayV2HTTPResponse> revocation = pool.submit(() -> {
                start.await();
                return revoke(id);
            });
            start.countDown();
            assertEquals(200, revocation.get().getStatusCode(), revocation.get().getBody());
            List<String> keys = new ArrayList<>(List.of(created.key()));
            for (Future<String> r : rotations) {
                if (r.get() != null) {
                    keys.add(r.get());
                }
            }
            pool.shutdown();
            Source stored = sources.get(Principal.root(), id);
            assertEquals(SourceStatus.REVOKED, stored.status());
            for (String key : keys) {
                Map<String, AttributeValue> item = keyItem(key);
                boolean ended = item.containsKey("expires_at")
                        && !fixture.clock.instant().isBefore(java.time.Instant.parse(item.get("expires_at").s()));
                assertNotEquals("active", ended ? "ended" : item.get("source_status").s(),
                        "a key issued before or during revocation stays usable");
            }
        }
    }

    @Test
    void disableAndEnableChangeStatusAndKeyItemsAndAreAudited() {
        SourceService.Created created = newSource();
        String id = created.source().id();
        APIGatewayV2HTTPResponse disabled = post(id, "disable", null);
        assertEquals(200, disabled.getStatusCode(), disabled.getBody());
        assertEquals("disabled", body(disabled).get("status").asText());
        assertEquals("disabled", keyItem(created.key()).get("source_status").s());
        assertFalse(keyItem(created.key()).containsKey("revoked_at"), "keys stay valid without revoke_keys");
        assertEquals(200, post(id, "disable", null).getStatusCode(), "disabling twice is harmless");

        APIGatewayV2HTTPResponse enabled = post(id, "enable", null);
        assertEquals(200, enabled.getStatusCode());
        assertEquals("active", body(enabled).get("status").asText());
        assertEquals("active", keyItem(created.key()).get("source_status").s());

        APIGatewayV2HTTPResponse withKeys = post(id, "disable", "{\"revoke_keys\":true}");
        assertEquals(200, withKeys.getStatusCode(), withKeys.getBody());
        assertTrue(body(withKeys).get("key_prefix").isNull(), "no live key remains");
        assertTrue(keyItem(created.key()).containsKey("revoked_at"));
        assertEquals(200, post(id, "enable", null).getStatusCode());
        assertTrue(keyItem(created.key()).containsKey("revoked_at"), "enabling does not bring revoked keys back");

        assertEquals(400, post(id, "disable", "{\"revoke_keys\":\"yes\"}").getStatusCode());
        assertEquals(400, post(id, "disable", "{\"force\":true}").getStatusCode());
        revoke(id);
        assertEquals("source_revoked", errorCode(post(id, "enable", null)));
        assertEquals("source_revoked", errorCode(post(id, "disable", null)));

        List<String> actions = new ArrayList<>();
        fixture.servicesFor("SourcesFunction").sourceService().audit(Principal.root(), id, 50, Optional.empty())
                .items().forEach(entry -> {
                    actions.add(entry.action());
                    assertEquals("root", entry.actor());
                });
        assertEquals(List.of("revoked", "enabled", "disabled", "enabled", "disabled", "created"), actions,
                "every state change, newest first; no-op calls leave no entry");
    }

    private static APIGatewayV2HTTPResponse post(String id, String action, String json) {
        TestRequests request = TestRequests.route("POST /api/v1/events/write-keys/{id}/" + action)
                .bearer(AdminFixture.ROOT_TOKEN).path("id", id);
        if (json != null) {
            request.json(json);
        }
        return handler.handleRequest(request.build(), null);
    }

    private static ApiError expectError(Executable call) {
        try {
            call.execute();
        } catch (ApiError e) {
            return e;
        } catch (Throwable t) {
            throw new AssertionError("expected an ApiError", t);
        }
        throw new AssertionError("expected an ApiError, got success");
    }

    private static SourceService.Created newSource() {
        return sources.create(Principal.root(), new NewSource("Revocable", SourceType.WEB,
                SourceEnvironment.STAGING, Optional.empty(), Optional.empty(), Optional.empty(),
                java.util.EnumSet.of(EventType.TRACK), List.of("https://app.example.com"), Optional.empty()));
    }

    private static APIGatewayV2HTTPResponse revoke(String id) {
        return handler.handleRequest(TestRequests.route(REVOKE).bearer(AdminFixture.ROOT_TOKEN).path("id", id)
                .build(), null);
    }

    private static Map<String, AttributeValue> keyItem(String key) {
        String hash = SecretHasher.withPepper(AdminFixture.PEPPER).hash(key);
        return fixture.dynamo.getItem(b -> b.tableName(fixture.table("WriteKeysTable"))
                .key(Map.of("key_hash", AttributeValue.fromS(hash)))).item();
    }
}
