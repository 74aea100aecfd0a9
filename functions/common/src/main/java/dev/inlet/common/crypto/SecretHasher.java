package dev.inlet.common.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 of bearer secrets under a pepper kept outside the database, so a leaked table (or export) holds
 * nothing that authenticates. Hashes are the lookup keys of the key and token tables.
 */
public final class SecretHasher {

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] CHECKSUM_DOMAIN = "checksum:".getBytes(StandardCharsets.US_ASCII);

    private final Supplier<byte[]> pepper;
    // Mac is not thread-safe; one per thread avoids a provider lookup per request.
    private final ThreadLocal<Mac> macs;

    /** {@code pepper} is read on first use (it comes from Secrets Manager in AWS, cached by Powertools). */
    public SecretHasher(Supplier<byte[]> pepper) {
        this.pepper = pepper;
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    public static SecretHasher withPepper(String pepper) {
        byte[] bytes = pepper.getBytes(StandardCharsets.UTF_8);
        return new SecretHasher(() -> bytes);
    }

    /** Base64url (no padding) of HMAC-SHA256(pepper, secret). */
    public String hash(String secret) {
        byte[] digest = macs.get().doFinal(secret.getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    /** A keyed checksum of a secret's body: {@code length} base62 characters of HMAC("checksum:" + body). */
    public String checksum(String body, int length) {
        Mac mac = macs.get();
        mac.update(CHECKSUM_DOMAIN); // the same bytes as HMAC("checksum:" + body), without building that string
        byte[] digest = mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
        long value = ((digest[0] & 0xFFL) << 24) | ((digest[1] & 0xFFL) << 16) | ((digest[2] & 0xFFL) << 8)
                | (digest[3] & 0xFFL);
        return Base62.encodeUnsigned32(value, length);
    }

    /** Constant-time check of a presented checksum. */
    public boolean checksumMatches(String body, String presented) {
        return MessageDigest.isEqual(checksum(body, presented.length()).getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    /** Constant-time comparison of a presented secret with a known one, through their hashes. */
    public boolean matches(String presented, String known) {
        if (presented == null || known == null) {
            return false;
        }
        return MessageDigest.isEqual(
                hash(presented).getBytes(StandardCharsets.US_ASCII),
                hash(known).getBytes(StandardCharsets.US_ASCII));
    }

    private Mac newMac() {
        byte[] key = pepper.get();
        if (key == null || key.length < 16) {
            throw new IllegalStateException("The key-hashing pepper is missing or shorter than 16 bytes");
        }
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
