package dev.inlet.common.testing;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.http.Json;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;

/** Builds payload-v2 events the way API Gateway does (lower-cased headers, route key, path parameters). */
public final class TestRequests {

    private final String routeKey;
    private final Map<String, String> pathParameters = new HashMap<>();
    private final Map<String, String> query = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String body;

    private TestRequests(String routeKey) {
        this.routeKey = routeKey;
    }

    public static TestRequests route(String routeKey) {
        return new TestRequests(routeKey);
    }

    public TestRequests path(String name, String value) {
        pathParameters.put(name, value);
        return this;
    }

    public TestRequests query(String name, String value) {
        query.put(name, value);
        return this;
    }

    public TestRequests header(String name, String value) {
        headers.put(name.toLowerCase(), value);
        return this;
    }

    public TestRequests bearer(String token) {
        return header("authorization", "Bearer " + token);
    }

    public TestRequests json(String json) {
        header("content-type", "application/json");
        this.body = json;
        return this;
    }

    public TestRequests body(String text) {
        this.body = text;
        return this;
    }

    public APIGatewayV2HTTPEvent build() {
        String[] parts = routeKey.split(" ", 2);
        String path = parts[1];
        for (Map.Entry<String, String> p : pathParameters.entrySet()) {
            path = path.replace("{" + p.getKey() + "}", p.getValue());
        }
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(routeKey)
                .withRawPath(path)
                .withHeaders(headers.isEmpty() ? null : headers)
                .withQueryStringParameters(query.isEmpty() ? null : query)
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(UUID.randomUUID().toString())
                        .withRouteKey(routeKey)
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(parts[0]).withPath(path).withSourceIp("127.0.0.1").build())
                        .build())
                .withBody(body)
                .withIsBase64Encoded(false)
                .build();
    }

    public static JsonNode body(APIGatewayV2HTTPResponse response) {
        return response.getBody() == null ? Json.object() : Json.parse(response.getBody());
    }

    public static String errorCode(APIGatewayV2HTTPResponse response) {
        return body(response).path("error").path("code").asText();
    }

    /** A refusal in the shared shape: the status, the stable code, a message, and the field when one is named. */
    public static void assertRefused(APIGatewayV2HTTPResponse response, int status, String code) {
        assertRefused(response, status, code, null);
    }

    public static void assertRefused(APIGatewayV2HTTPResponse response, int status, String code, String field) {
        Assertions.assertEquals(status, response.getStatusCode(), response.getBody());
        Assertions.assertEquals(code, errorCode(response), response.getBody());
        Assertions.assertFalse(body(response).at("/error/message").asText().isBlank(), response.getBody());
        if (field != null) {
            Assertions.assertEquals(field, body(response).at("/error/field").asText(), response.getBody());
        }
    }
}
