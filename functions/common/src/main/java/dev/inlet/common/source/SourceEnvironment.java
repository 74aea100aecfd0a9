package dev.inlet.common.source;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Where a source's events come from. Production sources get live keys; the others get test keys. */
public enum SourceEnvironment {
    PRODUCTION, STAGING, DEVELOPMENT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isLive() {
        return this == PRODUCTION;
    }

    public static Optional<SourceEnvironment> fromWire(String value) {
        return Arrays.stream(values()).filter(e -> e.wireName().equals(value)).findFirst();
    }

    public static String allowedValues() {
        return String.join(", ", Arrays.stream(values()).map(SourceEnvironment::wireName).toList());
    }
}
