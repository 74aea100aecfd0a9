package dev.inlet.common.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Small helpers for hand-written item mappers on the low-level client. */
public final class Attributes {

    private Attributes() {
    }

    public static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    public static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    /**
     * Times are stored with exactly three fraction digits, so that string order is time order (Instant.toString
     * drops zero fractions, and "…:00Z" sorts after "…:00.5Z") — conditions and sort keys compare them as strings.
     */
    public static AttributeValue time(Instant value) {
        return AttributeValue.fromS(sortable(value));
    }

    public static String sortable(Instant value) {
        return InstantText.sortable(value);
    }

    public static AttributeValue strings(List<String> values) {
        return AttributeValue.fromL(values.stream().map(AttributeValue::fromS).toList());
    }

    public static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.s() == null) {
            throw new IllegalStateException("Item attribute '" + name + "' is missing or not a string");
        }
        return value.s();
    }

    public static Optional<String> optionalString(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.s() == null ? Optional.empty() : Optional.of(value.s());
    }

    public static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.n() == null) {
            throw new IllegalStateException("Item attribute '" + name + "' is missing or not a number");
        }
        return Long.parseLong(value.n());
    }

    public static Optional<Long> optionalNumber(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? Optional.empty() : Optional.of(Long.parseLong(value.n()));
    }

    public static Instant instant(Map<String, AttributeValue> item, String name) {
        return Instant.parse(string(item, name));
    }

    public static Optional<Instant> optionalInstant(Map<String, AttributeValue> item, String name) {
        return optionalString(item, name).map(Instant::parse);
    }

    public static List<String> stringList(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || !value.hasL()) {
            return List.of();
        }
        return value.l().stream().map(AttributeValue::s).toList();
    }
}
