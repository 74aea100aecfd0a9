package dev.inlet.functions.revocation;

import dev.inlet.common.http.Json;
import dev.inlet.common.logging.LoggingStartup;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.auth.AdminAuthenticator;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.config.AdminServices;
import dev.inlet.common.config.Priming;
import dev.inlet.common.config.RuntimeEnvironment;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.http.ApiResponses;
import dev.inlet.common.http.Routes;
import dev.inlet.common.source.Source;
import dev.inlet.common.source.SourceJson;
import dev.inlet.common.source.KeyLifecycle;
import java.util.Iterator;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;

/**
 * A source's status: revocation (every key stops working, immediately and irreversibly), disabling (ingestion
 * refused, optionally with every key invalidated) and enabling.
 */
public final class RevokeSourceHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>,
        Resource {

    static {
        // Before anything asks for a logger; Jackson's set-up needs none, so it overlaps logging's start.
        LoggingStartup.beginInBackground(Json.class);
    }

    private final AdminServices services;
    private final AdminAuthenticator authenticator;
    private final KeyLifecycle lifecycle;
    private final Routes routes;

    public RevokeSourceHandler() {
        this(AdminServices.fromEnvironment(RuntimeEnvironment.current()));
        Core.getGlobalContext().register(this);
    }

    RevokeSourceHandler(AdminServices services) {
        this.services = services;
        this.authenticator = services.authenticator();
        this.lifecycle = services.keyLifecycle();
        this.routes = new Routes()
                .on("POST /api/v1/events/write-keys/{id}/revoke", this::revoke)
                .on("POST /api/v1/events/write-keys/{id}/disable", this::disable)
                .on("POST /api/v1/events/write-keys/{id}/enable", this::enable);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return routes.dispatch(event, context);
    }

    private APIGatewayV2HTTPResponse revoke(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        noFields(request.jsonBody(true));
        return answer(lifecycle.revoke(principal, request.pathParameter("id")));
    }

    private APIGatewayV2HTTPResponse disable(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        JsonNode body = request.jsonBody(true);
        boolean revokeKeys = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().equals("revoke_keys")) {
                throw ApiError.unknownField(field.getKey());
            }
            if (!field.getValue().isBoolean()) {
                throw ApiError.invalidType("revoke_keys", "true or false");
            }
            revokeKeys = field.getValue().booleanValue();
        }
        return answer(lifecycle.disable(principal, request.pathParameter("id"), revokeKeys));
    }

    private APIGatewayV2HTTPResponse enable(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        noFields(request.jsonBody(true));
        return answer(lifecycle.enable(principal, request.pathParameter("id")));
    }

    private static void noFields(JsonNode body) {
        body.fieldNames().forEachRemaining(name -> {
            throw ApiError.unknownField(name);
        });
    }

    private static APIGatewayV2HTTPResponse answer(Source source) {
        return ApiResponses.json(200, SourceJson.of(source), Map.of("ETag", SourceJson.etag(source)));
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.run("unauthenticated request", () -> handleRequest(Priming.unauthenticatedRequest(
                "POST /api/v1/events/write-keys/{id}/revoke", Map.of("id", "wk_00000000000000000000")), null));
        Priming.run("DynamoDB GetItem", () -> services.sources().find("wk_00000000000000000000"));
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to refresh: no secret or random value is created before the snapshot.
    }
}
