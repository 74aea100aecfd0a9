package dev.inlet.common.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SecretHasherTest {

    @Test
    void hashIsHmacSha256UnderThePepper() {
        SecretHasher hasher = SecretHasher.withPepper("0123456789abcdef");
        String hash = hasher.hash("inlet_live_sk_example");
        assertEquals(43, hash.length(), "256 bits in unpadded base64url");
        assertEquals(hash, hasher.hash("inlet_live_sk_example"));
        assertNotEquals(hash, SecretHasher.withPepper("fedcba9876543210").hash("inlet_live_sk_example"),
                "without the pepper a stored hash says nothing");
    }

    @Test
    void matchesComparesThroughHashes() {
        SecretHasher hasher = SecretHasher.withPepper("0123456789abcdef");
        assertTrue(hasher.matches("root-token", "root-token"));
        assertFalse(hasher.matches("root-token", "root-tokeN"));
        assertFalse(hasher.matches(null, "root-token"));
    }

    @Test
    void refusesAShortPepper() {
        assertThrows(IllegalStateException.class, () -> SecretHasher.withPepper("short").hash("x"));
    }
}
