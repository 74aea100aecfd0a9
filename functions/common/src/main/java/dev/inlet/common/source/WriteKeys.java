package dev.inlet.common.source;

import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.crypto.Secrets;

/**
 * Write-key format: {@code inlet_<live|test>_<pk|sk>_<39 base62><6 keyed checksum>}. {@code live} keys belong to production
 * sources; {@code pk} ("publishable") keys to client-side sources whose key ships in browsers and apps, {@code sk}
 * ("secret") keys to server-side ones. The prefix is readable by people and by secret scanners alike.
 */
public final class WriteKeys {

    public static final String FAMILY = "inlet_";
    public static final int LENGTH = "inlet_live_pk_".length() + Secrets.RANDOM_LENGTH + Secrets.CHECKSUM_LENGTH;

    private WriteKeys() {
    }

    /** A freshly generated key. {@code key} exists only in memory and in the one response that shows it. */
    public record NewKey(String key, String prefix) {
        @Override
        public String toString() {
            return "NewKey[prefix=" + prefix + "]"; // never print the key itself
        }
    }

    public static NewKey generate(SourceEnvironment environment, SourceType type, SecretHasher hasher) {
        String prefix = prefixFor(environment, type);
        String key = Secrets.generate(prefix, hasher);
        return new NewKey(key, Secrets.displayPrefix(key, prefix));
    }

    public static String prefixFor(SourceEnvironment environment, SourceType type) {
        return FAMILY + (environment.isLive() ? "live" : "test") + "_" + (type.isClientSide() ? "pk" : "sk") + "_";
    }

    /** Format and checksum check: a key that fails it cannot exist, so it is refused without any lookup. */
    public static boolean isWellFormed(String key, SecretHasher hasher) {
        if (key == null || key.length() != LENGTH || !key.startsWith(FAMILY)) {
            return false;
        }
        String prefix = key.substring(0, "inlet_live_pk_".length());
        return switch (prefix) {
            case "inlet_live_pk_", "inlet_live_sk_", "inlet_test_pk_", "inlet_test_sk_" ->
                    Secrets.isWellFormed(key, prefix, hasher);
            default -> false;
        };
    }
}
