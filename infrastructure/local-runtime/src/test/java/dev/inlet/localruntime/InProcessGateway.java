package dev.inlet.localruntime;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

/**
 * Plays API Gateway without a socket: the runtime's route table and payload-v2 mapping, and the function invoked on
 * the calling thread — the path {@link ApiGatewayHandler} takes, minus HTTP. Lets a test send thousands of requests
 * to every function of the template in seconds.
 */
final class InProcessGateway {

    /** An answer: the function's, or API Gateway's own 404 when no route matched ({@code function} empty). */
    record Response(int status, Map<String, String> headers, String body, Optional<String> function) {

        boolean fromGateway() {
            return function.isEmpty();
        }
    }

    private final RouteTable<LambdaFunction> routes;

    InProcessGateway(LocalRuntime runtime) {
        this.routes = new RouteTable<>(runtime.functions().stream()
                .flatMap(function -> function.definition().routes().stream()
                        .map(route -> new RouteTable.Entry<>(route, function)))
                .toList());
    }

    List<dev.inlet.localaws.HttpRoute> routes() {
        return routes.routes();
    }

    /** The logical id of the function a request would reach, empty when API Gateway answers 404 itself. */
    Optional<String> functionFor(String method, String rawPath) {
        return routes.match(method, rawPath).map(match -> match.target().definition().logicalId());
    }

    /**
     * @param headers as sent: any case, each occurrence of a repeated header its own value
     * @throws Exception what the handler threw (API Gateway would answer 500): a failure for the caller to report
     */
    Response send(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body)
            throws Exception {
        if (body.length > ApiGatewayHandler.MAX_BODY_BYTES) {
            return new Response(413, Map.of(), "{\"message\":\"Request Entity Too Large\"}", Optional.empty());
        }
        IncomingRequest request = new IncomingRequest(method, rawPath, rawQuery, headers, body, "127.0.0.1",
                "HTTP/1.1", 3000);
        Optional<RouteTable.Match<LambdaFunction>> match = routes.match(method, rawPath);
        if (match.isEmpty()) {
            return new Response(404, Map.of(), "{\"message\":\"Not Found\"}", Optional.empty());
        }
        APIGatewayV2HTTPEvent event = ApiGatewayEvents.toEvent(request, match.get().route(),
                match.get().pathParameters(), ApiGatewayEvents.newRequestId(), Instant.now());
        LambdaFunction function = match.get().target();
        APIGatewayV2HTTPResponse response = function.invoke(event);
        if (response == null) {
            throw new IllegalStateException(function.definition().logicalId() + " returned null");
        }
        String text = response.getBody() == null ? "" : response.getIsBase64Encoded()
                ? new String(Base64.getDecoder().decode(response.getBody()), StandardCharsets.UTF_8)
                : response.getBody();
        return new Response(response.getStatusCode(), response.getHeaders() == null ? Map.of()
                : response.getHeaders(), text, Optional.of(function.definition().logicalId()));
    }
}
