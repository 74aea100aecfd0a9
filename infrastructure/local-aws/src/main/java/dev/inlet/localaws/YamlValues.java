package dev.inlet.localaws;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Navigation over parsed YAML (maps, lists, scalars) with errors that say where the template is malformed. */
final class YamlValues {

    private YamlValues() {
    }

    /** The map at {@code value}, or an empty map when absent. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String where) {
        if (value == null) {
            return Map.of();
        }
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalStateException(where + ": expected a mapping, got " + value);
    }

    /** The list at {@code value}; a single value counts as a one-element list (IAM and SAM allow both). */
    static List<Object> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return Collections.unmodifiableList(new ArrayList<>(list));
        }
        return Collections.singletonList(value);
    }

    static Optional<String> string(Object value) {
        return value == null ? Optional.empty() : Optional.of(String.valueOf(value));
    }

    static String requiredString(Map<String, Object> map, String key, String where) {
        return string(map.get(key)).orElseThrow(() -> new IllegalStateException(where + ": missing " + key));
    }

    static Optional<Integer> integer(Object value, String where) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.valueOf(String.valueOf(value).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException(where + ": expected a number, got " + value, e);
        }
    }

    /** Deep copy into unmodifiable maps and lists, keeping order and nulls (Map.copyOf would reject nulls). */
    static Object immutableCopy(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((key, item) -> copy.put(String.valueOf(key), immutableCopy(item)));
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(item -> copy.add(immutableCopy(item)));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> immutableMap(Map<String, ?> map) {
        return (Map<String, Object>) immutableCopy(map);
    }
}
