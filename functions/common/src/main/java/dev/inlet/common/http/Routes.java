package dev.inlet.common.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.inlet.common.error.ApiError;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches a payload-v2 event by its route key (as template.yaml declares the routes) and turns refusals into the
 * shared error shape. Only bugs and outages become a 500, logged with the request id but never with the request.
 */
public final class Routes {

    private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

    private final Map<String, Function<ApiRequest, APIGatewayV2HTTPResponse>> routes = new LinkedHashMap<>();

    public Routes on(String routeKey, Function<ApiRequest, APIGatewayV2HTTPResponse> handler) {
        routes.put(routeKey, handler);
        return this;
    }

    public APIGatewayV2HTTPResponse dispatch(APIGatewayV2HTTPEvent event) {
        ApiRequest request = new ApiRequest(event);
        try {
            Function<ApiRequest, APIGatewayV2HTTPResponse> handler = routes.get(request.routeKey());
            if (handler == null) {
                throw ApiError.of(404, "route_not_found", "No route " + request.routeKey() + " in this function");
            }
            return handler.apply(request);
        } catch (ApiError refusal) {
            return ApiResponses.error(refusal);
        } catch (RuntimeException | StackOverflowError bug) {
            LOG.error("Request {} on {} failed", request.requestId(), request.routeKey(), bug);
            return ApiResponses.internalError(request.requestId());
        }
    }
}
