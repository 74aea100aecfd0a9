package dev.inlet.common.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.error.ApiError;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A validated create request. {@code projectId} is what the caller asked for, if anything. */
public record NewSource(
        String name,
        SourceType type,
        SourceEnvironment environment,
        Optional<String> description,
        Optional<Integer> rateLimitEps,
        Optional<Integer> rateLimitBurst,
        Set<EventType> allowedEventTypes,
        List<String> allowedOrigins,
        Optional<String> projectId) {

    /** Reads a create request body: every field checked, unknown fields refused, defaults applied. */
    public static NewSource fromJson(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalidJson("The request body must be a JSON object");
        }
        String name = null;
        SourceType type = null;
        SourceEnvironment environment = SourceEnvironment.PRODUCTION;
        Optional<String> description = Optional.empty();
        Optional<Integer> rateLimit = Optional.empty();
        Optional<Integer> burst = Optional.empty();
        Set<EventType> eventTypes = EventType.all();
        List<String> origins = List.of();
        Optional<String> projectId = Optional.empty();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "name" -> name = SourceRules.name(value);
                case "source_type" -> type = SourceRules.sourceType(value);
                case "environment" -> environment = SourceRules.environment(value);
                case "description" -> description = SourceRules.description(value);
                case "rate_limit_eps" -> rateLimit = SourceRules.rateLimit(value);
                case "rate_limit_burst" -> burst = SourceRules.burst(value);
                case "allowed_event_types" -> eventTypes = SourceRules.eventTypes(value);
                case "allowed_origins" -> origins = SourceRules.origins(value);
                case "project_id" -> projectId = Optional.of(SourceRules.text(value, "project_id"));
                default -> throw ApiError.unknownField(field.getKey());
            }
        }
        if (name == null) {
            throw ApiError.missingField("name");
        }
        if (type == null) {
            throw ApiError.missingField("source_type");
        }
        return new NewSource(name, type, environment, description, rateLimit, burst, eventTypes, origins, projectId);
    }
}
