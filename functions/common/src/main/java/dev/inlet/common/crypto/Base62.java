package dev.inlet.common.crypto;

import java.security.SecureRandom;

/** Base62 text for identifiers and secrets: URL-safe, no punctuation, copy-paste friendly. */
public final class Base62 {

    static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private Base62() {
    }

    /** {@code length} characters drawn uniformly (rejection sampling, so no modulo bias) from {@code random}. */
    public static String random(SecureRandom random, int length) {
        StringBuilder out = new StringBuilder(length);
        byte[] buffer = new byte[length * 2];
        while (out.length() < length) {
            random.nextBytes(buffer);
            for (int i = 0; i < buffer.length && out.length() < length; i++) {
                int value = buffer[i] & 0xFF;
                if (value < 248) { // 248 = 4 * 62: values above would favour the first characters
                    out.append(ALPHABET.charAt(value % 62));
                }
            }
        }
        return out.toString();
    }

    /** Fixed-width base62 encoding of an unsigned 32-bit value (six characters cover 2^32). */
    public static String encodeUnsigned32(long value, int width) {
        char[] chars = new char[width];
        long rest = value & 0xFFFFFFFFL;
        for (int i = width - 1; i >= 0; i--) {
            chars[i] = ALPHABET.charAt((int) (rest % 62));
            rest /= 62;
        }
        return new String(chars);
    }

    public static boolean isBase62(CharSequence text) {
        return isBase62(text, 0, text.length());
    }

    /** True when the characters of {@code text} from {@code start} (inclusive) to {@code end} are all base62. */
    public static boolean isBase62(CharSequence text, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                return false;
            }
        }
        return true;
    }
}
