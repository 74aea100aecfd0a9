package dev.inlet.localruntime;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import dev.inlet.common.config.RuntimeEnvironment;
import dev.inlet.localaws.FunctionDefinition;

/**
 * One function with its handler instance: like one warm Lambda container, shared by all requests and stream batches
 * (thread-safe). The runtime hands events over as objects of the events library, as Lambda's Java runtime would
 * have deserialised them for the handler's declared input type.
 */
public final class LambdaFunction {

    private final FunctionDefinition definition;
    private final RequestHandler<?, ?> handler;
    private final String region;
    private final Map<String, String> environment;
    private final Class<?> inputType;
    private final AtomicLong invocations = new AtomicLong();
    private final List<Consumer<Object>> listeners = new CopyOnWriteArrayList<>();

    public LambdaFunction(FunctionDefinition definition, RequestHandler<?, ?> handler, String region) {
        this(definition, handler, region, Map.of());
    }

    private LambdaFunction(FunctionDefinition definition, RequestHandler<?, ?> handler, String region,
                           Map<String, String> environment) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.region = Objects.requireNonNull(region, "region");
        this.environment = Map.copyOf(environment);
        this.inputType = inputTypeOf(handler.getClass());
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
            return new LambdaFunction(definition, (RequestHandler<?, ?>) instance, region, environment);
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

    /**
     * The environment the handler was constructed with (template variables, what Lambda sets, local secrets in plain
     * form); empty when it was constructed elsewhere. Lets a benchmark start the same function in its own JVM.
     */
    public Map<String, String> environment() {
        return environment;
    }

    RequestHandler<?, ?> handler() {
        return handler;
    }

    /** Whether the handler's declared input type takes {@code eventType} (Lambda could deserialise it into it). */
    public boolean accepts(Class<?> eventType) {
        return inputType.isAssignableFrom(eventType);
    }

    /** The handler's declared input type ({@code Object} when it declares none). */
    public Class<?> inputType() {
        return inputType;
    }

    /** Invocations so far, failed ones included: lets tests see that a stream batch reached the function. */
    public long invocationCount() {
        return invocations.get();
    }

    /** {@code listener} sees every event before the handler does, on the invoking thread; for tests and tracing. */
    public void addInvocationListener(Consumer<Object> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeInvocationListener(Consumer<Object> listener) {
        listeners.remove(listener);
    }

    /**
     * Invokes the handler on the calling thread. A handler that overruns the template's Timeout fails, as Lambda
     * would have stopped it (locally it cannot be stopped, so its late answer is dropped).
     */
    public APIGatewayV2HTTPResponse invoke(APIGatewayV2HTTPEvent event) throws Exception {
        return (APIGatewayV2HTTPResponse) invokeWith(event);
    }

    /**
     * Invokes the handler with any event object and returns what it returned; see {@link #invoke(APIGatewayV2HTTPEvent)}.
     *
     * @throws IllegalArgumentException when the handler's input type does not take the event
     */
    public Object invokeWith(Object event) throws Exception {
        if (event != null && !inputType.isInstance(event)) {
            throw new IllegalArgumentException(definition.logicalId() + " takes " + inputType.getName()
                    + ", not " + event.getClass().getName());
        }
        invocations.incrementAndGet();
        listeners.forEach(listener -> listener.accept(event));
        long start = System.currentTimeMillis();
        var context = new LocalLambdaContext(UUID.randomUUID().toString(), definition, region, start);
        @SuppressWarnings("unchecked")
        var untyped = (RequestHandler<Object, Object>) handler;
        Object response = CurrentInvocation.runAs(definition.logicalId(), () -> untyped.handleRequest(event, context));
        long elapsed = System.currentTimeMillis() - start;
        if (elapsed > definition.timeoutSeconds() * 1000L) {
            throw new FunctionTimeoutException(definition.logicalId() + " ran " + elapsed + " ms, over its Timeout of "
                    + definition.timeoutSeconds() + " s: Lambda would have stopped it");
        }
        return response;
    }

    /** The first parameter of the most specific non-bridge {@code handleRequest(X, Context)}, as Lambda finds it. */
    private static Class<?> inputTypeOf(Class<?> type) {
        Class<?> best = null;
        for (Class<?> owner = type; owner != null; owner = owner.getSuperclass()) {
            for (Method method : owner.getDeclaredMethods()) {
                if (method.getName().equals("handleRequest") && !method.isBridge() && !method.isSynthetic()
                        && !Modifier.isStatic(method.getModifiers()) && method.getParameterCount() == 2
                        && method.getParameterTypes()[1] == Context.class
                        && (best == null || best.isAssignableFrom(method.getParameterTypes()[0]))) {
                    best = method.getParameterTypes()[0];
                }
            }
            if (best != null) {
                return best;
            }
        }
        return Object.class;
    }

    /** The invocation outlived the function's Timeout. */
    public static final class FunctionTimeoutException extends Exception {
        FunctionTimeoutException(String message) {
            super(message);
        }
    }
}
