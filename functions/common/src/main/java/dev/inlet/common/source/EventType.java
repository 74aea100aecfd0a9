package dev.inlet.common.source;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The Segment tracking-API call types a source may be allowed to send. */
public enum EventType {
    TRACK, IDENTIFY, PAGE, SCREEN, GROUP, ALIAS;

    private static final EventType[] VALUES = values();

    private final String wireName = name().toLowerCase(Locale.ROOT); // once: it is read for every event

    public String wireName() {
        return wireName;
    }

    public static Set<EventType> all() {
        return EnumSet.allOf(EventType.class);
    }

    public static Optional<EventType> fromWire(String value) {
        for (EventType type : VALUES) {
            if (type.wireName.equals(value)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    public static String allowedValues() {
        return String.join(", ", Arrays.stream(values()).map(EventType::wireName).toList());
    }
}
