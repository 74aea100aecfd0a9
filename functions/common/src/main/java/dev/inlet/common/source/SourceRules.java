package dev.inlet.common.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.text.UnicodeText;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Field rules shared by create and update: each reader either returns a clean value or throws a 4xx naming the field. */
public final class SourceRules {

    static final int MAX_NAME_LENGTH = 100;
    static final int MAX_DESCRIPTION_LENGTH = 1000;
    static final int MAX_RATE_LIMIT_EPS = 100_000;
    static final int MAX_RATE_LIMIT_BURST = 1_000_000;
    static final int MAX_ORIGINS = 50;

    private SourceRules() {
    }

    static String name(JsonNode value) {
        return displayName(value, "name");
    }

    /** A human-readable name (of a source, a project, a token): trimmed, 1 to 100 characters, no control characters. */
    public static String displayName(JsonNode value, String field) {
        String name = text(value, field).strip();
        if (name.isEmpty()) {
            throw ApiError.invalidValue(field, "Field '" + field + "' must not be empty");
        }
        if (name.codePointCount(0, name.length()) > MAX_NAME_LENGTH) {
            throw ApiError.invalidValue(field, "Field '" + field + "' must be at most " + MAX_NAME_LENGTH
                    + " characters");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw ApiError.invalidValue(field, "Field '" + field + "' must not contain control characters");
        }
        return name;
    }

    static Optional<String> description(JsonNode value) {
        if (value.isNull()) {
            return Optional.empty();
        }
        String description = text(value, "description").strip();
        if (description.codePointCount(0, description.length()) > MAX_DESCRIPTION_LENGTH) {
            throw ApiError.invalidValue("description",
                    "Field 'description' must be at most " + MAX_DESCRIPTION_LENGTH + " characters");
        }
        return description.isEmpty() ? Optional.empty() : Optional.of(description);
    }

    static SourceType sourceType(JsonNode value) {
        return SourceType.fromWire(text(value, "source_type")).orElseThrow(() -> ApiError.invalidValue("source_type",
                "Field 'source_type' must be one of: " + SourceType.allowedValues()));
    }

    static SourceEnvironment environment(JsonNode value) {
        return SourceEnvironment.fromWire(text(value, "environment")).orElseThrow(() -> ApiError.invalidValue(
                "environment", "Field 'environment' must be one of: " + SourceEnvironment.allowedValues()));
    }

    /** Null means "use the plan default". */
    static Optional<Integer> rateLimit(JsonNode value) {
        if (value.isNull()) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber()) {
            throw ApiError.invalidType("rate_limit_eps", "a whole number of events per second, or null");
        }
        int eps = value.canConvertToInt() ? value.intValue() : Integer.MAX_VALUE;
        if (eps < 1 || eps > MAX_RATE_LIMIT_EPS) {
            throw ApiError.invalidValue("rate_limit_eps",
                    "Field 'rate_limit_eps' must be between 1 and " + MAX_RATE_LIMIT_EPS);
        }
        return Optional.of(eps);
    }

    /** Null means "one second of the rate". */
    static Optional<Integer> burst(JsonNode value) {
        if (value.isNull()) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber()) {
            throw ApiError.invalidType("rate_limit_burst", "a whole number of events, or null");
        }
        int burst = value.canConvertToInt() ? value.intValue() : Integer.MAX_VALUE;
        if (burst < 1 || burst > MAX_RATE_LIMIT_BURST) {
            throw ApiError.invalidValue("rate_limit_burst",
                    "Field 'rate_limit_burst' must be between 1 and " + MAX_RATE_LIMIT_BURST);
        }
        return Optional.of(burst);
    }

    static Set<EventType> eventTypes(JsonNode value) {
        if (!value.isArray()) {
            throw ApiError.invalidType("allowed_event_types", "an array of event types");
        }
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        for (int i = 0; i < value.size(); i++) {
            String field = "allowed_event_types[" + i + "]";
            JsonNode item = value.get(i);
            types.add(EventType.fromWire(text(item, field)).orElseThrow(() -> ApiError.invalidValue(field,
                    "Unknown event type " + printable(item.textValue()) + "; allowed: " + EventType.allowedValues())));
        }
        if (types.isEmpty()) {
            throw ApiError.invalidValue("allowed_event_types",
                    "Field 'allowed_event_types' must name at least one event type (omit it to allow all)");
        }
        return types;
    }

    static List<String> origins(JsonNode value) {
        if (!value.isArray()) {
            throw ApiError.invalidType("allowed_origins", "an array of origins");
        }
        if (value.size() > MAX_ORIGINS) {
            throw ApiError.invalidValue("allowed_origins",
                    "Field 'allowed_origins' may list at most " + MAX_ORIGINS + " origins");
        }
        Set<String> origins = new LinkedHashSet<>();
        for (int i = 0; i < value.size(); i++) {
            String field = "allowed_origins[" + i + "]";
            JsonNode item = value.get(i);
            origins.add(OriginRule.canonical(text(item, field)).orElseThrow(() -> ApiError.invalidValue(field,
                    printable(item.textValue()) + " is not an origin: use scheme://host[:port] such as "
                            + "https://app.example.com, or https://*.example.com for its subdomains")));
        }
        return new ArrayList<>(origins);
    }

    /** Client input quoted in a message: at most 40 characters, printable ASCII. */
    public static String printable(String value) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
        return "'" + shown.replaceAll("[^\\x20-\\x7E…]", "?") + "'";
    }

    /**
     * Every string of an admin body passes here: one that is not valid Unicode (an escaped lone surrogate) is
     * refused like any other bad value, rather than reaching DynamoDB, which may refuse to store it (a 500).
     */
    static String text(JsonNode value, String field) {
        if (!value.isTextual()) {
            throw ApiError.invalidType(field, "a string");
        }
        if (UnicodeText.hasUnpairedSurrogate(value.textValue())) {
            throw ApiError.invalidValue(field, "Field '" + field
                    + "' holds text that is not valid Unicode (an unpaired surrogate such as \\ud800)");
        }
        return value.textValue();
    }
}
