package dev.inlet.functions.projects;

import dev.inlet.common.logging.LoggingStartup;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.auth.AdminAuthenticator;
import dev.inlet.common.config.AdminServices;
import dev.inlet.common.config.Priming;
import dev.inlet.common.config.RuntimeEnvironment;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.http.ApiResponses;
import dev.inlet.common.http.Cursors;
import dev.inlet.common.http.Json;
import dev.inlet.common.http.Routes;
import dev.inlet.common.project.AdminToken;
import dev.inlet.common.project.Project;
import dev.inlet.common.source.SourceRules;
import dev.inlet.common.store.Page;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;

/** Projects and project admin tokens (root token only). */
public final class ProjectsHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>,
        Resource {

    static {
        // Before anything asks for a logger; Jackson's set-up needs none, so it overlaps logging's start.
        LoggingStartup.beginInBackground(Json.class);
    }

    private static final int DEFAULT_PAGE_SIZE = 50;
    private static final int MAX_PAGE_SIZE = 100;

    private final AdminServices services;
    private final AdminAuthenticator authenticator;
    private final ProjectService projects;
    private final Cursors cursors;
    private final Routes routes;

    public ProjectsHandler() {
        this(AdminServices.fromEnvironment(RuntimeEnvironment.current()));
        Core.getGlobalContext().register(this);
    }

    ProjectsHandler(AdminServices services) {
        this.services = services;
        this.authenticator = services.authenticator();
        this.projects = new ProjectService(services.projects(), services.adminTokens(), services.hasher(),
                services.clock());
        this.cursors = services.cursors();
        this.routes = new Routes()
                .on("POST /api/v1/projects", this::create)
                .on("GET /api/v1/projects", this::list)
                .on("POST /api/v1/projects/{id}/tokens", this::issueToken)
                .on("GET /api/v1/projects/{id}/tokens", this::listTokens)
                .on("DELETE /api/v1/projects/{id}/tokens/{token_id}", this::revokeToken);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return routes.dispatch(event, context);
    }

    private APIGatewayV2HTTPResponse create(ApiRequest request) {
        authenticator.authenticateRoot(request);
        String name = requiredName(request.jsonBody(false));
        Project project = projects.create(name);
        return ApiResponses.json(201, projectJson(project), Map.of("Location", "/api/v1/projects/" + project.id()));
    }

    private APIGatewayV2HTTPResponse list(ApiRequest request) {
        authenticator.authenticateRoot(request);
        int limit = request.intQueryParameter("limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        Page<Project> page = projects.list(limit, cursors.decode(request.queryParameter("cursor")));
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        page.items().forEach(project -> data.add(projectJson(project)));
        body.put("next_cursor", page.next().map(cursors::encode).orElse(null));
        return ApiResponses.json(200, body);
    }

    private APIGatewayV2HTTPResponse issueToken(ApiRequest request) {
        authenticator.authenticateRoot(request);
        JsonNode body = request.jsonBody(true);
        String name = body.has("name") ? requiredName(body) : onlyKnownFields(body, "admin token");
        ProjectService.IssuedToken issued = projects.issueToken(request.pathParameter("id"), name);
        ObjectNode json = tokenJson(issued.token());
        json.put("token", issued.value());
        return ApiResponses.json(201, json);
    }

    private APIGatewayV2HTTPResponse listTokens(ApiRequest request) {
        authenticator.authenticateRoot(request);
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        projects.tokens(request.pathParameter("id")).forEach(token -> data.add(tokenJson(token)));
        body.putNull("next_cursor");
        return ApiResponses.json(200, body);
    }

    private APIGatewayV2HTTPResponse revokeToken(ApiRequest request) {
        authenticator.authenticateRoot(request);
        projects.revokeToken(request.pathParameter("id"), request.pathParameter("token_id"));
        return ApiResponses.noContent();
    }

    private static String requiredName(JsonNode body) {
        onlyKnownFields(body, null);
        if (!body.has("name")) {
            throw ApiError.missingField("name");
        }
        return SourceRules.displayName(body.get("name"), "name");
    }

    private static String onlyKnownFields(JsonNode body, String defaultName) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!field.equals("name")) {
                throw ApiError.unknownField(field);
            }
        }
        return defaultName;
    }

    private static ObjectNode projectJson(Project project) {
        ObjectNode node = Json.object();
        node.put("id", project.id());
        node.put("name", project.name());
        node.put("created_at", project.createdAt().toString());
        return node;
    }

    private static ObjectNode tokenJson(AdminToken token) {
        ObjectNode node = Json.object();
        node.put("id", token.id());
        node.put("name", token.name());
        node.put("token_prefix", token.prefix());
        node.put("project_id", token.projectId());
        node.put("created_at", token.createdAt().toString());
        node.put("revoked_at", token.revokedAt().map(Instant::toString).orElse(null));
        return node;
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.run("unauthenticated request", () -> handleRequest(
                Priming.unauthenticatedRequest("GET /api/v1/projects", null), null));
        Priming.run("DynamoDB GetItem", () -> services.projects().find("prj_00000000000000000000"));
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to refresh: no secret or random value is created before the snapshot.
    }
}
