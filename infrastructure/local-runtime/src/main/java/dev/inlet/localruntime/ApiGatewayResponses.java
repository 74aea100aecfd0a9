package dev.inlet.localruntime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

/** Writes a function's payload-2.0 response, or one of API Gateway's own error answers, to the HTTP exchange. */
final class ApiGatewayResponses {

    static final String REQUEST_ID_HEADER = "apigw-requestid";

    private ApiGatewayResponses() {
    }

    /** API Gateway's own answers: {@code {"message":"Not Found"}} and the like. */
    static void writeGatewayError(HttpExchange exchange, int status, String message, String requestId,
                                  boolean closeConnection) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        headers.set(REQUEST_ID_HEADER, requestId);
        if (closeConnection) {
            headers.set("Connection", "close");
        }
        send(exchange, status, ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException when API Gateway would reject the response (then it answers 500) */
    static byte[] bodyOf(APIGatewayV2HTTPResponse response) {
        if (response.getStatusCode() < 100 || response.getStatusCode() > 599) {
            throw new IllegalArgumentException("invalid statusCode " + response.getStatusCode());
        }
        String body = response.getBody();
        if (body == null || body.isEmpty()) {
            return new byte[0];
        }
        return response.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
    }

    static void write(HttpExchange exchange, APIGatewayV2HTTPResponse response, byte[] body, String requestId)
            throws IOException {
        Headers headers = exchange.getResponseHeaders();
        if (response.getHeaders() != null) {
            response.getHeaders().forEach(headers::set);
        }
        if (response.getMultiValueHeaders() != null) {
            for (Map.Entry<String, List<String>> header : response.getMultiValueHeaders().entrySet()) {
                header.getValue().forEach(value -> headers.add(header.getKey(), value));
            }
        }
        if (response.getCookies() != null) {
            response.getCookies().forEach(cookie -> headers.add("Set-Cookie", cookie));
        }
        headers.set(REQUEST_ID_HEADER, requestId);
        send(exchange, response.getStatusCode(), body);
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        boolean noBody = body.length == 0 || status == 204 || status == 304
                || "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
