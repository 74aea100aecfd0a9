package dev.inlet.common.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.error.ApiError;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A validated PATCH: each field is absent (unchanged) or present with its new value. For nullable fields the inner
 * Optional is the new value: empty clears a description, or returns a rate limit to the plan default.
 */
public record SourceChanges(
        Optional<String> name,
        Optional<Optional<String>> description,
        Optional<SourceEnvironment> environment,
        Optional<Optional<Integer>> rateLimitEps,
        Optional<Optional<Integer>> rateLimitBurst,
        Optional<Set<EventType>> allowedEventTypes,
        Optional<List<String>> allowedOrigins) {

    /** Fields a response shows but a PATCH may not change, each with the way to change it instead. */
    private static final Map<String, String> READ_ONLY = Map.of(
            "id", "it is assigned at creation",
            "key", "rotate the key with POST /api/v1/events/write-keys/{id}/rotate",
            "key_prefix", "rotate the key with POST /api/v1/events/write-keys/{id}/rotate",
            "source_type", "it decides the kind of key; create a new source instead",
            "project_id", "sources cannot move between projects",
            "status", "use the revoke endpoint",
            "created_at", "it is assigned at creation",
            "updated_at", "it is maintained by the server",
            "last_event_at", "it is maintained by the server",
            "version", "send it as If-Match instead");

    public static SourceChanges fromJson(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalidJson("The request body must be a JSON object");
        }
        Optional<String> name = Optional.empty();
        Optional<Optional<String>> description = Optional.empty();
        Optional<SourceEnvironment> environment = Optional.empty();
        Optional<Optional<Integer>> rateLimit = Optional.empty();
        Optional<Optional<Integer>> burst = Optional.empty();
        Optional<Set<EventType>> eventTypes = Optional.empty();
        Optional<List<String>> origins = Optional.empty();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            String key = field.getKey();
            switch (key) {
                case "name" -> name = Optional.of(SourceRules.name(value));
                case "description" -> description = Optional.of(SourceRules.description(value));
                case "environment" -> environment = Optional.of(SourceRules.environment(value));
                case "rate_limit_eps" -> rateLimit = Optional.of(SourceRules.rateLimit(value));
                case "rate_limit_burst" -> burst = Optional.of(SourceRules.burst(value));
                case "allowed_event_types" -> eventTypes = Optional.of(SourceRules.eventTypes(value));
                case "allowed_origins" -> origins = Optional.of(SourceRules.origins(value));
                default -> {
                    if (READ_ONLY.containsKey(key)) {
                        throw ApiError.forField(400, "read_only_field", key,
                                "Field '" + key + "' cannot be changed: " + READ_ONLY.get(key));
                    }
                    throw ApiError.unknownField(key);
                }
            }
        }
        return new SourceChanges(name, description, environment, rateLimit, burst, eventTypes, origins);
    }

    /** The names of the fields this change sets, for the audit trail. */
    public List<String> changedFields() {
        List<String> fields = new java.util.ArrayList<>();
        name.ifPresent(v -> fields.add("name"));
        description.ifPresent(v -> fields.add("description"));
        environment.ifPresent(v -> fields.add("environment"));
        rateLimitEps.ifPresent(v -> fields.add("rate_limit_eps"));
        rateLimitBurst.ifPresent(v -> fields.add("rate_limit_burst"));
        allowedEventTypes.ifPresent(v -> fields.add("allowed_event_types"));
        allowedOrigins.ifPresent(v -> fields.add("allowed_origins"));
        return fields;
    }

    public boolean isEmpty() {
        return name.isEmpty() && description.isEmpty() && environment.isEmpty() && rateLimitEps.isEmpty()
                && rateLimitBurst.isEmpty() && allowedEventTypes.isEmpty() && allowedOrigins.isEmpty();
    }

    /** The source after these changes, one version later. */
    public Source applyTo(Source source, Instant now) {
        return new Source(source.id(), source.projectId(),
                name.orElse(source.name()),
                source.type(),
                environment.orElse(source.environment()),
                description.orElse(source.description()),
                rateLimitEps.orElse(source.rateLimitEps()),
                rateLimitBurst.orElse(source.rateLimitBurst()),
                allowedEventTypes.orElse(source.allowedEventTypes()),
                allowedOrigins.orElse(source.allowedOrigins()),
                source.status(), source.createdAt(), now, source.lastEventAt(), source.version() + 1, source.keys());
    }
}
