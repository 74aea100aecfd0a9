package dev.inlet.common.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.error.ApiError;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds payload-v2 responses: JSON bodies, no caching of admin answers, and the shared error shape. */
public final class ApiResponses {

    private ApiResponses() {
    }

    public static APIGatewayV2HTTPResponse json(int status, JsonNode body) {
        return json(status, body, Map.of());
    }

    public static APIGatewayV2HTTPResponse json(int status, JsonNode body, Map<String, String> extraHeaders) {
        Map<String, String> headers = baseHeaders();
        headers.putAll(extraHeaders);
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(headers)
                .withBody(Json.write(body))
                .withIsBase64Encoded(false)
                .build();
    }

    public static APIGatewayV2HTTPResponse noContent() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cache-Control", "no-store");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(204).withHeaders(headers).build();
    }

    public static APIGatewayV2HTTPResponse error(ApiError error) {
        ObjectNode detail = Json.object();
        detail.put("code", error.code());
        detail.put("message", error.getMessage());
        error.field().ifPresent(field -> detail.put("field", field));
        error.details().ifPresent(more -> detail.set("details", more));
        ObjectNode body = Json.object();
        body.set("error", detail);
        return json(error.status(), body, error.headers());
    }

    /** The answer to a bug or an outage: no detail leaves the function, the request id ties it to the logs. */
    public static APIGatewayV2HTTPResponse internalError(String requestId) {
        return error(ApiError.of(500, "internal_error",
                "Something went wrong on our side; retry later. Request id: " + requestId));
    }

    private static Map<String, String> baseHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Cache-Control", "no-store");
        headers.put("X-Content-Type-Options", "nosniff");
        return headers;
    }
}
