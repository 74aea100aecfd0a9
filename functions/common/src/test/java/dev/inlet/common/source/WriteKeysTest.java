package dev.inlet.common.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.crypto.Secrets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WriteKeysTest {

    private static final SecretHasher HASHER = SecretHasher.withPepper("0123456789abcdef-pepper");

    @Test
    void prefixTellsLiveOrTestAndPublishableOrSecret() {
        assertTrue(key(SourceEnvironment.PRODUCTION, SourceType.WEB).startsWith("inlet_live_pk_"));
        assertTrue(key(SourceEnvironment.PRODUCTION, SourceType.MOBILE).startsWith("inlet_live_pk_"));
        assertTrue(key(SourceEnvironment.STAGING, SourceType.WEBSITE).startsWith("inlet_test_pk_"));
        assertTrue(key(SourceEnvironment.DEVELOPMENT, SourceType.SERVER).startsWith("inlet_test_sk_"));
        assertTrue(key(SourceEnvironment.PRODUCTION, SourceType.INTEGRATION).startsWith("inlet_live_sk_"));
    }

    @Test
    void generatedKeysAreWellFormedDistinctAndKeepAtLeast190BitsUnseen() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            WriteKeys.NewKey key = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.SERVER, HASHER);
            assertTrue(WriteKeys.isWellFormed(key.key(), HASHER), key.key());
            assertEquals(WriteKeys.LENGTH, key.key().length());
            assertTrue(key.key().startsWith(key.prefix()));
            assertTrue(seen.add(key.key()));
        }
        double unseenBits = (Secrets.RANDOM_LENGTH - Secrets.DISPLAYED_RANDOM_CHARACTERS) * (Math.log(62) / Math.log(2));
        assertTrue(unseenBits >= 190, "entropy not shown by key_prefix: " + unseenBits);
    }

    @Test
    void anyAlteredCharacterFailsTheChecksum() {
        String key = key(SourceEnvironment.PRODUCTION, SourceType.WEB);
        int caught = 0;
        for (int i = "inlet_live_pk_".length(); i < key.length(); i++) {
            char replacement = key.charAt(i) == 'a' ? 'b' : 'a';
            String altered = key.substring(0, i) + replacement + key.substring(i + 1);
            if (!WriteKeys.isWellFormed(altered, HASHER)) {
                caught++;
            }
        }
        assertEquals(key.length() - "inlet_live_pk_".length(), caught);
    }

    @Test
    void keysMadeUpWithoutThePepperFailTheChecksum() {
        SecretHasher attacker = SecretHasher.withPepper("a-guess-at-the-pepper");
        int passed = 0;
        for (int i = 0; i < 1000; i++) {
            if (WriteKeys.isWellFormed(WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.WEB, attacker)
                    .key(), HASHER)) {
                passed++;
            }
        }
        assertEquals(0, passed, "a keyed checksum cannot be produced without the pepper");
    }

    @Test
    void refusesWhatCannotBeAKey() {
        String key = key(SourceEnvironment.PRODUCTION, SourceType.WEB);
        assertFalse(WriteKeys.isWellFormed(null, HASHER));
        assertFalse(WriteKeys.isWellFormed("", HASHER));
        assertFalse(WriteKeys.isWellFormed(key + "x", HASHER));
        assertFalse(WriteKeys.isWellFormed(key.substring(1), HASHER));
        assertFalse(WriteKeys.isWellFormed(key.replace("inlet_live_pk_", "inlet_prod_pk_"), HASHER));
        assertFalse(WriteKeys.isWellFormed(key.substring(0, key.length() - 1) + "!", HASHER));
        WriteKeys.NewKey generated = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.WEB, HASHER);
        assertFalse(generated.toString().contains(generated.key()));
    }

    private static String key(SourceEnvironment environment, SourceType type) {
        return WriteKeys.generate(environment, type, HASHER).key();
    }
}
