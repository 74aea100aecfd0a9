package dev.inlet.localaws;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An {@code AWS::Serverless::Function} of the template. {@code environment} is Globals' variables overlaid with the
 * function's own, values as parsed (strings, numbers, or intrinsics such as {@code {"Ref": "SourcesTable"}}).
 * {@code timeoutSeconds} and {@code memorySizeMb} come from the function, else Globals, else Lambda's defaults;
 * {@code codeUri} is empty when the template gives none. {@code streamEventSources} are its {@code Type: DynamoDB}
 * events; other non-HTTP event types are not modelled.
 */
public record FunctionDefinition(String logicalId,
                                 String handlerClass,
                                 String handlerMethod,
                                 String codeUri,
                                 Map<String, Object> environment,
                                 List<HttpRoute> routes,
                                 List<PolicyStatement> policyStatements,
                                 int timeoutSeconds,
                                 int memorySizeMb,
                                 List<StreamEventSource> streamEventSources) {

    /** Lambda's defaults when neither the function nor Globals say otherwise. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 3;
    public static final int DEFAULT_MEMORY_SIZE_MB = 128;

    public FunctionDefinition {
        Objects.requireNonNull(logicalId, "logicalId");
        Objects.requireNonNull(handlerClass, "handlerClass");
        Objects.requireNonNull(handlerMethod, "handlerMethod");
        Objects.requireNonNull(codeUri, "codeUri");
        environment = YamlValues.immutableMap(Objects.requireNonNull(environment, "environment"));
        routes = List.copyOf(routes);
        policyStatements = List.copyOf(policyStatements);
        streamEventSources = List.copyOf(streamEventSources);
    }

    /** For tests that declare a function by hand, without stream event sources. */
    public FunctionDefinition(String logicalId, String handlerClass, String handlerMethod, String codeUri,
                              Map<String, Object> environment, List<HttpRoute> routes,
                              List<PolicyStatement> policyStatements, int timeoutSeconds, int memorySizeMb) {
        this(logicalId, handlerClass, handlerMethod, codeUri, environment, routes, policyStatements, timeoutSeconds,
                memorySizeMb, List.of());
    }

    /** For tests that declare a function by hand: Lambda's default timeout and memory. */
    public FunctionDefinition(String logicalId, String handlerClass, String handlerMethod, String codeUri,
                              Map<String, Object> environment, List<HttpRoute> routes,
                              List<PolicyStatement> policyStatements) {
        this(logicalId, handlerClass, handlerMethod, codeUri, environment, routes, policyStatements,
                DEFAULT_TIMEOUT_SECONDS, DEFAULT_MEMORY_SIZE_MB, List.of());
    }
}
