package dev.inlet.localaws;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Recognises the long forms {@link SamTemplate} produces ({@code {"Ref": x}}, {@code {"Fn::GetAtt": [r, a]}}, ...). */
public final class Intrinsics {

    private Intrinsics() {
    }

    /** {@code x} of {@code {"Ref": x}}. */
    public static Optional<String> ref(Object value) {
        return argument(value, "Ref").filter(String.class::isInstance).map(String.class::cast);
    }

    /** {@code [resource, attribute]} of {@code {"Fn::GetAtt": [resource, attribute]}}. */
    public static Optional<List<String>> getAtt(Object value) {
        return argument(value, "Fn::GetAtt")
                .filter(List.class::isInstance)
                .map(list -> ((List<?>) list).stream().map(String::valueOf).toList())
                .filter(parts -> parts.size() == 2);
    }

    /** The template string of {@code {"Fn::Sub": "..."}} (the form without a variable map). */
    public static Optional<String> sub(Object value) {
        return argument(value, "Fn::Sub").filter(String.class::isInstance).map(String.class::cast);
    }

    /** True for a one-key map whose key is {@code Ref}, {@code Condition} or {@code Fn::...}. */
    public static boolean isIntrinsic(Object value) {
        if (value instanceof Map<?, ?> map && map.size() == 1) {
            String key = String.valueOf(map.keySet().iterator().next());
            return key.equals("Ref") || key.equals("Condition") || key.startsWith("Fn::");
        }
        return false;
    }

    private static Optional<Object> argument(Object value, String function) {
        if (value instanceof Map<?, ?> map && map.size() == 1 && map.containsKey(function)) {
            return Optional.ofNullable(map.get(function));
        }
        return Optional.empty();
    }
}
