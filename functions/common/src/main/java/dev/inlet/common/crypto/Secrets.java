package dev.inlet.common.crypto;

import java.security.SecureRandom;

/**
 * Bearer secrets (write keys, admin tokens) in one format: {@code <prefix><39 random base62><6-character checksum>}.
 * The checksum is a keyed one (HMAC under the pepper, see {@link SecretHasher#checksum}): a malformed or made-up
 * secret is refused without a database read, and nobody without the pepper can make up one that passes, so a flood
 * of invented keys never turns into a flood of reads. The fixed prefix and length give secret scanners a precise
 * pattern.
 */
public final class Secrets {

    /** 39 base62 characters ≈ 232 bits; the 6 shown in a display prefix leave ≈ 196 bits unseen. */
    public static final int RANDOM_LENGTH = 39;
    public static final int CHECKSUM_LENGTH = 6;
    public static final int DISPLAYED_RANDOM_CHARACTERS = 6;

    // SecureRandom is created lazily, never at class initialisation: a SnapStart snapshot must not carry its state.
    private static volatile SecureRandom random;

    private Secrets() {
    }

    public static String generate(String prefix, SecretHasher hasher) {
        String body = prefix + Base62.random(secureRandom(), RANDOM_LENGTH);
        return body + hasher.checksum(body, CHECKSUM_LENGTH);
    }

    /**
     * True when {@code secret} has the prefix, length and alphabet of a secret, and its checksum holds. The cheap
     * shape checks come first, so garbage never costs an HMAC (nor, on a cold container, a pepper fetch).
     */
    public static boolean isWellFormed(String secret, String prefix, SecretHasher hasher) {
        if (secret == null || !secret.startsWith(prefix)
                || secret.length() != prefix.length() + RANDOM_LENGTH + CHECKSUM_LENGTH
                || !Base62.isBase62(secret, prefix.length(), secret.length())) {
            return false;
        }
        String body = secret.substring(0, secret.length() - CHECKSUM_LENGTH);
        return hasher.checksumMatches(body, secret.substring(secret.length() - CHECKSUM_LENGTH));
    }

    /** A non-secret handle to tell secrets apart in listings: the prefix and the first six random characters. */
    public static String displayPrefix(String secret, String prefix) {
        return secret.substring(0, prefix.length() + DISPLAYED_RANDOM_CHARACTERS);
    }

    public static SecureRandom secureRandom() {
        SecureRandom current = random;
        if (current == null) {
            synchronized (Secrets.class) {
                current = random;
                if (current == null) {
                    current = new SecureRandom();
                    random = current;
                }
            }
        }
        return current;
    }
}
