package dev.inlet.functions.rotation;

import dev.inlet.common.logging.LoggingStartup;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.auth.AdminAuthenticator;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.config.AdminServices;
import dev.inlet.common.config.Priming;
import dev.inlet.common.config.RuntimeEnvironment;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.http.ApiResponses;
import dev.inlet.common.http.Json;
import dev.inlet.common.http.Routes;
import dev.inlet.common.source.SourceJson;
import dev.inlet.common.source.KeyLifecycle;
import dev.inlet.common.source.Source;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;

/**
 * A source's keys: rotation (a new key now, the previous one alive for a grace period), the live keys with their
 * use (to watch producers move to the new key), and ending a grace period early.
 */
public final class RotateKeyHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>,
        Resource {

    static {
        // Before anything asks for a logger; Jackson's set-up needs none, so it overlaps logging's start.
        LoggingStartup.beginInBackground(Json.class);
    }

    private final AdminServices services;
    private final AdminAuthenticator authenticator;
    private final KeyLifecycle keys;
    private final Routes routes;

    public RotateKeyHandler() {
        this(AdminServices.fromEnvironment(RuntimeEnvironment.current()));
        Core.getGlobalContext().register(this);
    }

    RotateKeyHandler(AdminServices services) {
        this.services = services;
        this.authenticator = services.authenticator();
        this.keys = services.keyLifecycle();
        this.routes = new Routes()
                .on("POST /api/v1/events/write-keys/{id}/rotate", this::rotate)
                .on("GET /api/v1/events/write-keys/{id}/keys", this::list)
                .on("POST /api/v1/events/write-keys/{id}/keys/{key_id}/expire", this::expire);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return routes.dispatch(event, context);
    }

    private APIGatewayV2HTTPResponse rotate(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        int graceHours = graceHours(request.jsonBody(true));
        KeyLifecycle.Rotated rotated = keys.rotate(principal, request.pathParameter("id"), graceHours);
        ObjectNode body = SourceJson.withKey(rotated.source(), rotated.key());
        body.put("key_id", rotated.source().currentKey().orElseThrow().id());
        body.set("previous_key", rotated.previous().<JsonNode>map(SourceJson::key).orElse(null));
        ArrayNode ended = body.putArray("ended_keys");
        rotated.ended().forEach(key -> ended.add(SourceJson.key(key)));
        return ApiResponses.json(200, body, Map.of("ETag", SourceJson.etag(rotated.source())));
    }

    private APIGatewayV2HTTPResponse list(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        for (KeyLifecycle.KeyUsage usage : keys.keys(principal, request.pathParameter("id"))) {
            ObjectNode key = SourceJson.key(usage.key());
            key.put("current", usage.current());
            key.put("last_used_at", usage.lastUsedAt().map(Instant::toString).orElse(null));
            key.put("requests_24h", usage.requests24h());
            data.add(key);
        }
        return ApiResponses.json(200, body);
    }

    private APIGatewayV2HTTPResponse expire(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        request.jsonBody(true).fieldNames().forEachRemaining(name -> {
            throw ApiError.unknownField(name);
        });
        Source source = keys.expireKey(principal, request.pathParameter("id"), request.pathParameter("key_id"));
        return ApiResponses.json(200, SourceJson.of(source), Map.of("ETag", SourceJson.etag(source)));
    }

    private static int graceHours(JsonNode body) {
        int hours = KeyLifecycle.DEFAULT_GRACE_HOURS;
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().equals("grace_period_hours")) {
                throw ApiError.unknownField(field.getKey());
            }
            JsonNode value = field.getValue();
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw ApiError.invalidType("grace_period_hours", "a whole number of hours");
            }
            hours = value.intValue();
        }
        return hours;
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.run("unauthenticated request", () -> handleRequest(Priming.unauthenticatedRequest(
                "POST /api/v1/events/write-keys/{id}/rotate", Map.of("id", "wk_00000000000000000000")), null));
        Priming.run("DynamoDB GetItem", () -> services.sources().find("wk_00000000000000000000"));
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to refresh: no secret or random value is created before the snapshot.
    }
}
