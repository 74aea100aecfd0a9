package dev.inlet.localruntime;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

/** Plays API Gateway for one request: size limit, routing, event mapping, invocation, response mapping. */
final class ApiGatewayHandler implements HttpHandler {

    /** API Gateway's payload limit. */
    static final int MAX_BODY_BYTES = 10 * 1024 * 1024;

    private final RouteTable<LambdaFunction> routes;
    private final boolean logRequests;

    ApiGatewayHandler(RouteTable<LambdaFunction> routes, boolean logRequests) {
        this.routes = routes;
        this.logRequests = logRequests;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        String requestId = ApiGatewayEvents.newRequestId();
        String outcome;
        try {
            outcome = respond(exchange, requestId);
        } catch (IOException e) {
            outcome = "connection failed: " + e;
        } catch (RuntimeException e) {
            outcome = "local runtime failure";
            e.printStackTrace();
            if (exchange.getResponseCode() == -1) { // nothing sent yet
                ApiGatewayResponses.writeGatewayError(exchange, 500, "Internal Server Error", requestId, false);
            }
        } finally {
            exchange.close();
        }
        if (logRequests) {
            System.err.printf("%s %s %s -> %s (%d ms)%n", exchange.getRemoteAddress().getAddress().getHostAddress(),
                    exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), outcome,
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    private String respond(HttpExchange exchange, String requestId) throws IOException {
        byte[] body = readBody(exchange);
        if (body == null) {
            // The rest of the body is never read, so the connection cannot be reused.
            ApiGatewayResponses.writeGatewayError(exchange, 413, "Request Entity Too Large", requestId, true);
            return "413";
        }
        IncomingRequest request = toIncomingRequest(exchange, body);
        Optional<RouteTable.Match<LambdaFunction>> match = routes.match(request.method(), request.rawPath());
        if (match.isEmpty()) {
            ApiGatewayResponses.writeGatewayError(exchange, 404, "Not Found", requestId, false);
            return "404 (no route)";
        }
        LambdaFunction function = match.get().target();
        String functionId = function.definition().logicalId();
        APIGatewayV2HTTPEvent event = ApiGatewayEvents.toEvent(request, match.get().route(),
                match.get().pathParameters(), requestId, Instant.now());
        APIGatewayV2HTTPResponse response;
        byte[] responseBody;
        try {
            response = function.invoke(event);
            if (response == null) {
                throw new IllegalStateException("the handler returned null");
            }
            responseBody = ApiGatewayResponses.bodyOf(response);
        } catch (Throwable failure) { // whatever the handler does, the front keeps serving, as API Gateway would
            System.err.println(functionId + " failed; API Gateway answers 500:");
            failure.printStackTrace();
            ApiGatewayResponses.writeGatewayError(exchange, 500, "Internal Server Error", requestId, false);
            return "500 (" + functionId + " failed)";
        }
        ApiGatewayResponses.write(exchange, response, responseBody, requestId);
        return response.getStatusCode() + " from " + functionId;
    }

    /** The body, or null when it exceeds {@link #MAX_BODY_BYTES} (never buffering more than that). */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > MAX_BODY_BYTES) {
                    return null;
                }
            } catch (NumberFormatException ignored) {
                // the HTTP server already rejects malformed lengths; fall through to counting
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            return body.length > MAX_BODY_BYTES ? null : body;
        }
    }

    private static IncomingRequest toIncomingRequest(HttpExchange exchange, byte[] body) {
        InetSocketAddress remote = exchange.getRemoteAddress();
        return new IncomingRequest(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body,
                remote.getAddress().getHostAddress(), exchange.getProtocol(), exchange.getLocalAddress().getPort());
    }
}
