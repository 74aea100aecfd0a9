package dev.inlet.common.config;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.inlet.common.logging.LoggingStartup;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SnapStart priming helpers: run before the snapshot is taken, so that the classes of the request path (and the
 * SDK's marshalling of one DynamoDB call) are loaded and initialised in the snapshot rather than on the first
 * request. Priming never reads a secret and never fails the checkpoint.
 */
public final class Priming {

    private static final Logger LOG = LoggerFactory.getLogger(Priming.class);

    private Priming() {
    }

    /** An unauthenticated request on {@code routeKey}: it walks routing, parsing and the 401 answer. */
    public static APIGatewayV2HTTPEvent unauthenticatedRequest(String routeKey, Map<String, String> pathParameters) {
        return request(routeKey, pathParameters, "{}");
    }

    /** A request without credentials on {@code routeKey} carrying {@code jsonBody}. */
    public static APIGatewayV2HTTPEvent request(String routeKey, Map<String, String> pathParameters, String jsonBody) {
        String[] parts = routeKey.split(" ", 2);
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(routeKey)
                .withRawPath(parts[1])
                .withHeaders(Map.of("content-type", "application/json"))
                .withPathParameters(pathParameters)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("snapstart-priming")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(parts[0]).withPath(parts[1]).build())
                        .build())
                .withBody(jsonBody)
                .withIsBase64Encoded(false)
                .build();
    }

    public static void run(String what, Runnable priming) {
        LoggingStartup.awaitReady();
        try {
            priming.run();
            // Also renders one JSON log line, so the layout's first-use work is in the snapshot too.
            LOG.info("SnapStart priming: {}", what);
        } catch (RuntimeException e) {
            LOG.warn("Priming step '{}' failed; the function still works, its first request is slower", what, e);
        }
    }
}
