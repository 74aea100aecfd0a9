package dev.inlet.functions.revocation;

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
import dev.inlet.common.source.SourceService;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;

/** Revokes a source: every key of it stops working, immediately and irreversibly. */
public final class RevokeSourceHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>,
        Resource {

    private final AdminServices services;
    private final AdminAuthenticator authenticator;
    private final SourceService sources;
    private final Routes routes;

    public RevokeSourceHandler() {
        this(AdminServices.fromEnvironment(RuntimeEnvironment.current()));
        Core.getGlobalContext().register(this);
    }

    RevokeSourceHandler(AdminServices services) {
        this.services = services;
        this.authenticator = services.authenticator();
        this.sources = services.sourceService();
        this.routes = new Routes().on("POST /api/v1/events/write-keys/{id}/revoke", this::revoke);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return routes.dispatch(event);
    }

    private APIGatewayV2HTTPResponse revoke(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        JsonNode body = request.jsonBody(true);
        body.fieldNames().forEachRemaining(name -> {
            throw ApiError.unknownField(name);
        });
        Source source = sources.revoke(principal, request.pathParameter("id"));
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
