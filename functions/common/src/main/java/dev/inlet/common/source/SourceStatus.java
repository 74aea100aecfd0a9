package dev.inlet.common.source;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Active sources ingest; disabled ones are refused (403); revoked is final (401). */
public enum SourceStatus {
    ACTIVE, DISABLED, REVOKED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<SourceStatus> fromWire(String value) {
        return Arrays.stream(values()).filter(s -> s.wireName().equals(value)).findFirst();
    }

    public static String allowedValues() {
        return String.join(", ", Arrays.stream(values()).map(SourceStatus::wireName).toList());
    }
}
