package dev.inlet.localruntime;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import dev.inlet.common.config.RuntimeEnvironment;

/** A test handler: remembers what it was given and answers whatever the test sets (by default the route key). */
public class RecordingHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    final Map<String, String> environment;
    final BlockingQueue<APIGatewayV2HTTPEvent> events = new LinkedBlockingQueue<>();
    final BlockingQueue<Context> contexts = new LinkedBlockingQueue<>();
    volatile Function<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> responder = RecordingHandler::echoRoute;

    public RecordingHandler() {
        this.environment = RuntimeEnvironment.current();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        events.add(event);
        contexts.add(context);
        return responder.apply(event);
    }

    APIGatewayV2HTTPEvent lastEvent() throws InterruptedException {
        APIGatewayV2HTTPEvent event = events.poll(5, TimeUnit.SECONDS);
        if (event == null) {
            throw new AssertionError("the handler was not invoked");
        }
        return event;
    }

    /** Body "routeKey pathParameters", e.g. {@code GET /things/{id} {id=7}}. */
    static APIGatewayV2HTTPResponse echoRoute(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
        response.setStatusCode(200);
        response.setHeaders(Map.of("Content-Type", "text/plain"));
        response.setBody(event.getRouteKey() + " " + event.getPathParameters());
        return response;
    }
}
