package dev.inlet.common.source;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What kind of producer a source is: the union of both product descriptions' vocabularies. */
public enum SourceType {
    WEB(true), MOBILE(true), SERVER(false), OTHER(false),
    BACKEND(false), WEBSITE(true), SERVICE(false), WORKER(false), INTEGRATION(false);

    private final boolean clientSide;

    SourceType(boolean clientSide) {
        this.clientSide = clientSide;
    }

    /** Client-side sources run in browsers and apps, where their key is public: they get publishable keys. */
    public boolean isClientSide() {
        return clientSide;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<SourceType> fromWire(String value) {
        return Arrays.stream(values()).filter(t -> t.wireName().equals(value)).findFirst();
    }

    public static String allowedValues() {
        return String.join(", ", Arrays.stream(values()).map(SourceType::wireName).toList());
    }
}
