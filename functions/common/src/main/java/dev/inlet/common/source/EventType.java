package dev.inlet.common.source;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The Segment tracking-API call types a source may be allowed to send. */
public enum EventType {
    TRACK, IDENTIFY, PAGE, SCREEN, GROUP, ALIAS;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Set<EventType> all() {
        return EnumSet.allOf(EventType.class);
    }

    public static Optional<EventType> fromWire(String value) {
        return Arrays.stream(values()).filter(t -> t.wireName().equals(value)).findFirst();
    }

    public static String allowedValues() {
        return String.join(", ", Arrays.stream(values()).map(EventType::wireName).toList());
    }
}
