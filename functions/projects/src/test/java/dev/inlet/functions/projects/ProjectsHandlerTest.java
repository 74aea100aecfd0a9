package dev.inlet.functions.projects;

import static dev.inlet.common.testing.TestRequests.assertRefused;
import static dev.inlet.common.testing.TestRequests.body;
import static dev.inlet.common.testing.TestRequests.errorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.Ids;
import dev.inlet.common.crypto.Secrets;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.project.AdminToken;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.TestRequests;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Projects and project admin tokens through the handler, against DynamoDB Local. */
class ProjectsHandlerTest {

    private static AdminFixture fixture;
    private static ProjectsHandler handler;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(ProjectsHandlerTest.class);
        handler = new ProjectsHandler(fixture.servicesFor("ProjectsFunction"));
    }

    @Test
    void rootCreatesAndListsProjects() {
        JsonNode project = body(expect(201, root("POST /api/v1/projects").json("{\"name\":\"Acme\"}")));
        assertTrue(Ids.looksLike(project.get("id").asText(), Ids.PROJECT));
        assertEquals("Acme", project.get("name").asText());
        assertEquals(fixture.clock.instant().toString(), project.get("created_at").asText());
        Set<String> listed = new HashSet<>();
        String cursor = null;
        do {
            TestRequests request = root("GET /api/v1/projects").query("limit", "1");
            if (cursor != null) {
                request.query("cursor", cursor);
            }
            JsonNode page = body(expect(200, request));
            page.get("data").forEach(p -> listed.add(p.get("id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        assertTrue(listed.contains(project.get("id").asText()));
    }

    @Test
    void projectTokensAreShownOnceStoredHashedAndRevocable() {
        String projectId = body(expect(201, root("POST /api/v1/projects").json("{\"name\":\"Tokens\"}")))
                .get("id").asText();
        JsonNode issued = body(expect(201, root("POST /api/v1/projects/{id}/tokens").path("id", projectId)
                .json("{\"name\":\"ci\"}")));
        String token = issued.get("token").asText();
        assertTrue(Secrets.isWellFormed(token, AdminToken.TOKEN_PREFIX, SecretHasher.withPepper(AdminFixture.PEPPER)));
        assertTrue(token.startsWith(issued.get("token_prefix").asText()));
        assertEquals(projectId, issued.get("project_id").asText());
        assertTrue(Ids.looksLike(issued.get("id").asText(), Ids.ADMIN_TOKEN));

        Principal principal = fixture.servicesFor("SourcesFunction").authenticator().authenticate(
                new dev.inlet.common.http.ApiRequest(TestRequests.route("GET /api/v1/events/write-keys")
                        .bearer(token).build()));
        assertEquals(projectId, principal.projectId().orElseThrow());

        JsonNode listed = body(expect(200, root("GET /api/v1/projects/{id}/tokens").path("id", projectId)));
        assertEquals(1, listed.get("data").size());
        assertFalse(listed.get("data").get(0).has("token"), "a listing never shows the token");
        String dump = fixture.dynamo.scan(b -> b.tableName(fixture.table("AdminTokensTable"))).items().toString();
        assertFalse(dump.contains(token.substring(10)), "the token is stored only as its hash");

        // A project token cannot manage projects, not even its own.
        APIGatewayV2HTTPResponse forbidden = handler.handleRequest(TestRequests.route("GET /api/v1/projects")
                .bearer(token).build(), null);
        assertEquals(403, forbidden.getStatusCode());
        assertEquals("forbidden", errorCode(forbidden));

        expect(204, root("DELETE /api/v1/projects/{id}/tokens/{token_id}").path("id", projectId)
                .path("token_id", issued.get("id").asText()));
        ApiError refused = null;
        try {
            fixture.servicesFor("SourcesFunction").authenticator().authenticate(
                    new dev.inlet.common.http.ApiRequest(TestRequests.route("GET /api/v1/events/write-keys")
                            .bearer(token).build()));
        } catch (ApiError e) {
            refused = e;
        }
        assertEquals(401, refused == null ? 0 : refused.status(), "a revoked token no longer authenticates");
        JsonNode after = body(expect(200, root("GET /api/v1/projects/{id}/tokens").path("id", projectId)));
        assertEquals(fixture.clock.instant().toString(), after.at("/data/0/revoked_at").asText());
        expect(204, root("DELETE /api/v1/projects/{id}/tokens/{token_id}").path("id", projectId)
                .path("token_id", issued.get("id").asText()));
    }

    @Test
    void refusals() {
        assertEquals("unauthorized", errorCode(expect(401, TestRequests.route("POST /api/v1/projects")
                .json("{\"name\":\"x\"}"))));
        assertEquals("missing_field", errorCode(expect(422, root("POST /api/v1/projects").json("{}"))));
        assertEquals("unknown_field", errorCode(expect(400, root("POST /api/v1/projects")
                .json("{\"name\":\"x\",\"owner\":\"y\"}"))));
        assertEquals("invalid_value", errorCode(expect(422, root("POST /api/v1/projects").json("{\"name\":\" \"}"))));
        assertEquals("not_found", errorCode(expect(404, root("POST /api/v1/projects/{id}/tokens")
                .path("id", "prj_00000000000000000000").json("{}"))));
        String projectId = body(expect(201, root("POST /api/v1/projects").json("{\"name\":\"P\"}")))
                .get("id").asText();
        assertEquals("not_found", errorCode(expect(404, root("DELETE /api/v1/projects/{id}/tokens/{token_id}")
                .path("id", projectId).path("token_id", "tok_00000000000000000000"))));
    }

    /** A project or token name with an escaped lone surrogate is refused naming the field; nothing is written. */
    @Test
    void aNameWithAnUnpairedSurrogateIsRefusedAndNothingIsStored() {
        String projectId = body(expect(201, root("POST /api/v1/projects").json("{\"name\":\"Unicode\"}")))
                .get("id").asText();
        String before = fixture.everythingStored();
        for (String name : new String[] {"\\ud800", "a\\udbff", "\\udc00b", "\\udf89\\ud83c", "🎉\\ud83c"}) {
            String json = "{\"name\":\"" + name + "\"}";
            assertRefused(expect(422, root("POST /api/v1/projects").json(json)), 422, "invalid_value", "name");
            assertRefused(expect(422, root("POST /api/v1/projects/{id}/tokens").path("id", projectId).json(json)),
                    422, "invalid_value", "name");
        }
        assertEquals(before, fixture.everythingStored(), "a refused request wrote something");
        JsonNode token = body(expect(201, root("POST /api/v1/projects/{id}/tokens").path("id", projectId)
                .json("{\"name\":\"ci \\ud83c\\udf89\"}")));
        assertEquals("ci 🎉", token.get("name").asText(), "a pair is a character like any other");
    }

    private static TestRequests root(String routeKey) {
        return TestRequests.route(routeKey).bearer(AdminFixture.ROOT_TOKEN);
    }

    private static APIGatewayV2HTTPResponse expect(int status, TestRequests request) {
        APIGatewayV2HTTPResponse response = handler.handleRequest(request.build(), null);
        assertEquals(status, response.getStatusCode(), response.getBody());
        return response;
    }
}
