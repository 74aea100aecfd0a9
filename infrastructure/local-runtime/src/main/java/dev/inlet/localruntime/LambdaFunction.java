package dev.inlet.localruntime;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import dev.inlet.common.config.RuntimeEnvironment;
import dev.inlet.localaws.FunctionDefinition;

/** One function with its handler instance: like one warm Lambda container, shared by all requests (thread-safe). */
public final class LambdaFunction {

    private final FunctionDefinition definition;
    private final RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler;
    private final String region;

    public LambdaFunction(FunctionDefinition definition,
                          RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, String region) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.region = Objects.requireNonNull(region, "region");
    }

    /**
     * Loads {@code definition.handlerClass()} and constructs it with its public no-arg constructor, seeing
     * {@code environment} through {@link RuntimeEnvironment#current()} as on Lambda it would see its process env.
     */
    public static LambdaFunction load(FunctionDefinition definition, Map<String, String> environment, String region) {
        if (!"handleRequest".equals(definition.handlerMethod())) {
            throw new IllegalStateException(definition.logicalId() + ": only RequestHandler.handleRequest is supported, "
                    + "not " + definition.handlerMethod());
        }
        Class<?> type;
        try {
            type = Class.forName(definition.handlerClass());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("handler " + definition.handlerClass() + " of " + definition.logicalId()
                    + " is not on the classpath: build the function modules first", e);
        }
        if (!RequestHandler.class.isAssignableFrom(type)) {
            throw new IllegalStateException(type.getName() + " does not implement RequestHandler");
        }
        try {
            var constructor = type.getConstructor();
            Object instance = RuntimeEnvironment.constructWith(environment, constructor::newInstance);
            @SuppressWarnings("unchecked")
            var handler = (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) instance;
            return new LambdaFunction(definition, handler, region);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(type.getName() + " has no public no-arg constructor", e);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalStateException("constructing " + type.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("constructing " + type.getName() + " failed: " + e, e);
        }
    }

    public FunctionDefinition definition() {
        return definition;
    }

    RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler() {
        return handler;
    }

    /**
     * Invokes the handler on the calling thread. A handler that overruns the template's Timeout fails, as Lambda
     * would have stopped it (locally it cannot be stopped, so its late answer is dropped).
     */
    public APIGatewayV2HTTPResponse invoke(APIGatewayV2HTTPEvent event) throws Exception {
        long start = System.currentTimeMillis();
        var context = new LocalLambdaContext(UUID.randomUUID().toString(), definition, region, start);
        APIGatewayV2HTTPResponse response = CurrentInvocation.runAs(definition.logicalId(),
                () -> handler.handleRequest(event, context));
        long elapsed = System.currentTimeMillis() - start;
        if (elapsed > definition.timeoutSeconds() * 1000L) {
            throw new FunctionTimeoutException(definition.logicalId() + " ran " + elapsed + " ms, over its Timeout of "
                    + definition.timeoutSeconds() + " s: Lambda would have stopped it");
        }
        return response;
    }

    /** The invocation outlived the function's Timeout. */
    public static final class FunctionTimeoutException extends Exception {
        FunctionTimeoutException(String message) {
            super(message);
        }
    }
}
