package dev.inlet.common.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Builds an UpdateItem expression that SETs and REMOVEs whole attributes, with placeholder names for every one. */
final class Update {

    private final List<String> sets = new ArrayList<>();
    private final List<String> removes = new ArrayList<>();
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, AttributeValue> values = new HashMap<>();

    Update set(Map<String, AttributeValue> attributes) {
        attributes.forEach(this::set);
        return this;
    }

    Update set(String attribute, AttributeValue value) {
        String name = name(attribute);
        String placeholder = ":v" + values.size();
        values.put(placeholder, value);
        sets.add(name + " = " + placeholder);
        return this;
    }

    /** SETs the attribute when {@code value} is non-null, REMOVEs it otherwise. */
    Update setOrRemove(String attribute, AttributeValue value) {
        if (value != null) {
            return set(attribute, value);
        }
        removes.add(name(attribute));
        return this;
    }

    /** A value placeholder for use in a condition expression. */
    String value(AttributeValue value) {
        String placeholder = ":c" + values.size();
        values.put(placeholder, value);
        return placeholder;
    }

    String name(String attribute) {
        String placeholder = "#" + attribute;
        names.put(placeholder, attribute);
        return placeholder;
    }

    String expression() {
        StringBuilder out = new StringBuilder();
        if (!sets.isEmpty()) {
            out.append("SET ").append(String.join(", ", sets));
        }
        if (!removes.isEmpty()) {
            out.append(out.isEmpty() ? "" : " ").append("REMOVE ").append(String.join(", ", removes));
        }
        return out.toString();
    }

    Map<String, String> names() {
        return names;
    }

    Map<String, AttributeValue> values() {
        return values;
    }
}
