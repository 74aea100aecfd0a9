package dev.inlet.common.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.logging.RequestLog;
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

    /** Answers the request, with one log line of its outcome (status, error code, latency) and its log fields. */
    public APIGatewayV2HTTPResponse dispatch(APIGatewayV2HTTPEvent event, Context context) {
        ApiRequest request = new ApiRequest(event);
        return RequestLog.around(context, request.requestId(), request.routeKey(), () -> {
            long started = System.nanoTime();
            APIGatewayV2HTTPResponse response = answer(request);
            long millis = (System.nanoTime() - started) / 1_000_000;
            RequestLog.answered(response.getStatusCode(), millis);
            if (response.getStatusCode() >= 500) {
                RequestLog.outcome("internal_error");
                LOG.error("Answered {}", response.getStatusCode());
            } else {
                LOG.info("Answered {}", response.getStatusCode());
            }
            return response;
        });
    }

    private APIGatewayV2HTTPResponse answer(ApiRequest request) {
        try {
            Function<ApiRequest, APIGatewayV2HTTPResponse> handler = routes.get(request.routeKey());
            if (handler == null) {
                throw ApiError.of(404, "route_not_found", "No route " + request.routeKey() + " in this function");
            }
            APIGatewayV2HTTPResponse response = handler.apply(request);
            RequestLog.outcome("ok");
            return response;
        } catch (ApiError refusal) {
            RequestLog.outcome(refusal.code());
            return ApiResponses.error(refusal);
        } catch (RuntimeException | StackOverflowError bug) {
            LOG.error("Request {} on {} failed", request.requestId(), request.routeKey(), bug);
            return ApiResponses.internalError(request.requestId());
        }
    }
}
