package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;

import dev.inlet.localaws.HttpRoute;

class ApiGatewayEventsTest {

    private static final HttpRoute ROUTE =
            new HttpRoute("SourcesFunction", "GetSource", "GET", "/api/v1/events/write-keys/{id}");
    private static final Instant NOW = Instant.parse("2020-03-12T19:03:58.123Z");

    private static IncomingRequest request(String method, String query, Map<String, List<String>> headers, String body) {
        return new IncomingRequest(method, "/api/v1/events/write-keys/src%201", query, headers,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), "127.0.0.1", "HTTP/1.1", 3000);
    }

    @Test
    void mapsEveryFieldAsApiGatewayDoes() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Host", List.of("127.0.0.1:3000"));
        headers.put("User-agent", List.of("curl/8"));
        headers.put("X-multi", List.of("a", "b"));
        headers.put("Cookie", List.of("a=1; b=2", "c=3"));
        APIGatewayV2HTTPEvent event = ApiGatewayEvents.toEvent(request("GET", "x=1&x=2&y=a%20b+c&flag", headers, null),
                ROUTE, Map.of("id", "src 1"), "JKJaXmPLvHcESHA=", NOW);

        assertEquals("2.0", event.getVersion());
        assertEquals("GET /api/v1/events/write-keys/{id}", event.getRouteKey());
        assertEquals("/api/v1/events/write-keys/src%201", event.getRawPath());
        assertEquals("x=1&x=2&y=a%20b+c&flag", event.getRawQueryString());
        assertEquals(List.of("a=1", "b=2", "c=3"), event.getCookies());
        assertEquals("a,b", event.getHeaders().get("x-multi"));
        assertEquals("curl/8", event.getHeaders().get("user-agent"));
        assertFalse(event.getHeaders().containsKey("cookie"));
        assertFalse(event.getHeaders().containsKey("Host"));
        assertEquals("127.0.0.1", event.getHeaders().get("x-forwarded-for"));
        assertEquals("3000", event.getHeaders().get("x-forwarded-port"));
        assertEquals("http", event.getHeaders().get("x-forwarded-proto"));
        assertTrue(event.getHeaders().get("x-amzn-trace-id").matches("Root=1-[0-9a-f]{8}-[0-9a-f]{24}"));
        assertEquals(Map.of("x", "1,2", "y", "a b c", "flag", ""), event.getQueryStringParameters());
        assertEquals(Map.of("id", "src 1"), event.getPathParameters());
        assertNull(event.getStageVariables());
        assertNull(event.getBody());
        assertFalse(event.getIsBase64Encoded());

        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        assertEquals("000000000000", context.getAccountId());
        assertEquals("local", context.getApiId());
        assertEquals("127.0.0.1", context.getDomainName());
        assertEquals("127", context.getDomainPrefix());
        assertEquals("JKJaXmPLvHcESHA=", context.getRequestId());
        assertEquals("GET /api/v1/events/write-keys/{id}", context.getRouteKey());
        assertEquals("$default", context.getStage());
        assertEquals("12/Mar/2020:19:03:58 +0000", context.getTime());
        assertEquals(NOW.toEpochMilli(), context.getTimeEpoch());
        assertEquals("GET", context.getHttp().getMethod());
        assertEquals("/api/v1/events/write-keys/src%201", context.getHttp().getPath());
        assertEquals("HTTP/1.1", context.getHttp().getProtocol());
        assertEquals("127.0.0.1", context.getHttp().getSourceIp());
        assertEquals("curl/8", context.getHttp().getUserAgent());
        assertNull(context.getAuthorizer());
    }

    @Test
    void absentPartsAreNull() {
        APIGatewayV2HTTPEvent event = ApiGatewayEvents.toEvent(request("GET", null, Map.of(), null),
                new HttpRoute("Fn", "Default", "ANY", "$default"), Map.of(), ApiGatewayEvents.newRequestId(), NOW);
        assertEquals("", event.getRawQueryString());
        assertNull(event.getQueryStringParameters());
        assertNull(event.getPathParameters());
        assertNull(event.getCookies());
        assertEquals("$default", event.getRouteKey());
        assertEquals("localhost", event.getRequestContext().getDomainName());
    }

    @Test
    void textBodiesStayTextEverythingElseIsBase64() {
        assertText(Map.of(), true);
        assertText(Map.of("Content-Type", List.of("application/json; charset=utf-8")), true);
        assertText(Map.of("Content-Type", List.of("text/csv")), true);
        assertText(Map.of("Content-Type", List.of("application/vnd.api+json")), true);
        assertText(Map.of("Content-Type", List.of("application/xml")), true);
        assertText(Map.of("Content-Type", List.of("application/x-www-form-urlencoded")), true);
        assertText(Map.of("Content-Type", List.of("application/octet-stream")), false);
        assertText(Map.of("Content-Type", List.of("image/png")), false);
        assertText(Map.of("Content-Type", List.of("application/json"), "Content-Encoding", List.of("gzip")), false);
    }

    private static void assertText(Map<String, List<String>> headers, boolean text) {
        APIGatewayV2HTTPEvent event = ApiGatewayEvents.toEvent(request("POST", null, headers, "{\"a\":\"é\"}"),
                ROUTE, Map.of(), "id", NOW);
        assertEquals(!text, event.getIsBase64Encoded(), headers.toString());
        String expected = text ? "{\"a\":\"é\"}"
                : Base64.getEncoder().encodeToString("{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, event.getBody(), headers.toString());
    }

    @Test
    void requestIdsLookLikeApiGateways() {
        String id = ApiGatewayEvents.newRequestId();
        assertEquals(16, id.length());
        assertTrue(id.endsWith("="));
    }
}
