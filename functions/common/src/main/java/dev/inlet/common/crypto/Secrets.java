package dev.inlet.common.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.zip.CRC32;

/**
 * Bearer secrets (write keys, admin tokens) in one format: {@code <prefix><random base62><6-char CRC32 checksum>}.
 * The checksum lets a malformed or made-up secret be refused without a database read, and gives secret scanners a
 * pattern with few false positives (the approach GitHub uses for its tokens).
 */
public final class Secrets {

    /** 33 base62 characters: 33 × log2(62) ≈ 196 bits of entropy. */
    public static final int RANDOM_LENGTH = 33;
    public static final int CHECKSUM_LENGTH = 6;

    // SecureRandom is created lazily, never at class initialisation: a SnapStart snapshot must not carry its state.
    private static volatile SecureRandom random;

    private Secrets() {
    }

    public static String generate(String prefix) {
        String body = prefix + Base62.random(secureRandom(), RANDOM_LENGTH);
        return body + checksum(body);
    }

    /** True when {@code secret} starts with {@code prefix}, has the right length and alphabet, and its checksum holds. */
    public static boolean isWellFormed(String secret, String prefix) {
        if (secret == null || !secret.startsWith(prefix)
                || secret.length() != prefix.length() + RANDOM_LENGTH + CHECKSUM_LENGTH) {
            return false;
        }
        String tail = secret.substring(prefix.length());
        if (!Base62.isBase62(tail)) {
            return false;
        }
        String body = secret.substring(0, secret.length() - CHECKSUM_LENGTH);
        return checksum(body).equals(secret.substring(secret.length() - CHECKSUM_LENGTH));
    }

    /** A non-secret handle to tell secrets apart in listings: the prefix and the first six random characters. */
    public static String displayPrefix(String secret, String prefix) {
        return secret.substring(0, prefix.length() + 6);
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

    static String checksum(String body) {
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.US_ASCII));
        return Base62.encodeUnsigned32(crc.getValue(), CHECKSUM_LENGTH);
    }
}
