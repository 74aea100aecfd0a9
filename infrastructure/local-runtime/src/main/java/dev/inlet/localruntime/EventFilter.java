package dev.inlet.localruntime;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An event source mapping's FilterCriteria: a record passes when any pattern matches it (no pattern: everything
 * passes). Within a pattern every key must match; a key maps to a nested pattern or to a list of alternatives.
 * Supported alternatives, as Lambda event filtering defines them: exact strings, numbers, booleans and null, and
 * {@code prefix}, {@code suffix}, {@code equals-ignore-case}, {@code anything-but} (values) and {@code exists}.
 * Anything else ({@code numeric}, {@code wildcard}, {@code cidr}, ...) is refused when the filter is compiled, so
 * the runtime fails at start-up instead of delivering records AWS would have filtered out, or the reverse.
 */
final class EventFilter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Map<String, Condition>> patterns;

    private EventFilter(List<Map<String, Condition>> patterns) {
        this.patterns = patterns;
    }

    /** @throws IllegalStateException naming {@code where} and the pattern that cannot be evaluated */
    static EventFilter compile(String where, List<String> patterns) {
        List<Map<String, Condition>> compiled = new ArrayList<>();
        for (String pattern : patterns) {
            try {
                JsonNode root = JSON.readTree(pattern);
                if (root == null || !root.isObject() || root.isEmpty()) {
                    throw new IllegalArgumentException("a pattern is a non-empty JSON object");
                }
                compiled.add(object(root));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw new IllegalStateException(where + ": cannot evaluate filter pattern " + pattern + ": "
                        + (e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage()), e);
            }
        }
        return new EventFilter(List.copyOf(compiled));
    }

    /** @param event the record as JSON-like maps, lists, strings, numbers, booleans */
    boolean matches(Map<String, Object> event) {
        return patterns.isEmpty() || patterns.stream().anyMatch(pattern -> matchesAll(pattern, event));
    }

    private static boolean matchesAll(Map<String, Condition> pattern, Object value) {
        Map<?, ?> object = value instanceof Map<?, ?> map ? map : Map.of();
        return pattern.entrySet().stream().allMatch(entry ->
                entry.getValue().matches(object.containsKey(entry.getKey()), object.get(entry.getKey())));
    }

    private static Map<String, Condition> object(JsonNode node) {
        Map<String, Condition> conditions = new LinkedHashMap<>();
        node.properties().forEach(field -> conditions.put(field.getKey(), condition(field.getKey(), field.getValue())));
        return conditions;
    }

    private static Condition condition(String key, JsonNode node) {
        if (node.isObject()) {
            if (node.isEmpty()) {
                throw new IllegalArgumentException("\"" + key + "\" is an empty object");
            }
            Map<String, Condition> nested = object(node);
            return (present, value) -> matchesAll(nested, value);
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new IllegalArgumentException("\"" + key + "\" must map to a non-empty array of values or to an object");
        }
        List<Alternative> alternatives = new ArrayList<>();
        node.forEach(element -> alternatives.add(alternative(key, element)));
        return (present, value) -> {
            List<?> values = value instanceof List<?> list ? list : Collections.singletonList(value);
            return alternatives.stream().anyMatch(alternative -> alternative.exists() != null
                    ? alternative.exists() == present
                    : present && values.stream().anyMatch(alternative::matches));
        };
    }

    private static Alternative alternative(String key, JsonNode element) {
        if (!element.isObject()) {
            Object expected = scalar(key, element);
            return Alternative.of(actual -> same(expected, actual));
        }
        if (element.size() != 1) {
            throw new IllegalArgumentException("\"" + key + "\": an operator object has exactly one key, got " + element);
        }
        var operator = element.properties().iterator().next();
        JsonNode operand = operator.getValue();
        return switch (operator.getKey()) {
            case "exists" -> {
                if (!operand.isBoolean()) {
                    throw new IllegalArgumentException("\"" + key + "\": exists takes true or false");
                }
                yield new Alternative(null, operand.booleanValue());
            }
            case "prefix" -> {
                String prefix = text(key, "prefix", operand);
                yield Alternative.of(actual -> actual instanceof String s && s.startsWith(prefix));
            }
            case "suffix" -> {
                String suffix = text(key, "suffix", operand);
                yield Alternative.of(actual -> actual instanceof String s && s.endsWith(suffix));
            }
            case "equals-ignore-case" -> {
                String expected = text(key, "equals-ignore-case", operand).toLowerCase(Locale.ROOT);
                yield Alternative.of(actual -> actual instanceof String s && s.toLowerCase(Locale.ROOT).equals(expected));
            }
            case "anything-but" -> {
                List<Object> excluded = new ArrayList<>();
                if (operand.isArray()) {
                    operand.forEach(value -> excluded.add(scalar(key, value)));
                } else {
                    excluded.add(scalar(key, operand)); // an object here (anything-but prefix, ...) is refused
                }
                yield Alternative.of(actual -> actual != null && excluded.stream().noneMatch(value -> same(value, actual)));
            }
            default -> throw new IllegalArgumentException("\"" + key + "\": operator " + operator.getKey()
                    + " is not supported by the local runtime");
        };
    }

    private static Object scalar(String key, JsonNode node) {
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNull()) {
            return null;
        }
        throw new IllegalArgumentException("\"" + key + "\": expected a string, number, boolean or null, got " + node);
    }

    private static String text(String key, String operator, JsonNode operand) {
        if (!operand.isTextual()) {
            throw new IllegalArgumentException("\"" + key + "\": " + operator + " takes a string, got " + operand);
        }
        return operand.textValue();
    }

    /** Type-strict, as in AWS: the string "5" is not the number 5. */
    private static boolean same(Object expected, Object actual) {
        if (expected instanceof BigDecimal number) {
            return actual instanceof Number other && number.compareTo(new BigDecimal(other.toString())) == 0;
        }
        return expected == null ? actual == null : expected.equals(actual);
    }

    @FunctionalInterface
    private interface Condition {
        boolean matches(boolean present, Object value);
    }

    /** One element of a key's list: a value test, or (when {@code exists} is set) a presence test. */
    private record Alternative(Predicate<Object> test, Boolean exists) {
        static Alternative of(Predicate<Object> test) {
            return new Alternative(test, null);
        }

        boolean matches(Object actual) {
            return test.test(actual);
        }
    }
}
