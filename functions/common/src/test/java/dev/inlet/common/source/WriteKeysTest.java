package dev.inlet.common.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WriteKeysTest {

    @Test
    void prefixTellsLiveOrTestAndPublishableOrSecret() {
        assertTrue(WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.WEB).key().startsWith("inlet_live_pk_"));
        assertTrue(WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.MOBILE).key()
                .startsWith("inlet_live_pk_"));
        assertTrue(WriteKeys.generate(SourceEnvironment.STAGING, SourceType.WEBSITE).key()
                .startsWith("inlet_test_pk_"));
        assertTrue(WriteKeys.generate(SourceEnvironment.DEVELOPMENT, SourceType.SERVER).key()
                .startsWith("inlet_test_sk_"));
        assertTrue(WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.INTEGRATION).key()
                .startsWith("inlet_live_sk_"));
    }

    @Test
    void generatedKeysAreWellFormedDistinctAndCarryAtLeast190Bits() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            WriteKeys.NewKey key = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.SERVER);
            assertTrue(WriteKeys.isWellFormed(key.key()), key.key());
            assertEquals(WriteKeys.LENGTH, key.key().length());
            assertTrue(key.key().startsWith(key.prefix()));
            assertTrue(seen.add(key.key()));
        }
        double bits = dev.inlet.common.crypto.Secrets.RANDOM_LENGTH * (Math.log(62) / Math.log(2));
        assertTrue(bits >= 190, "entropy " + bits);
    }

    @Test
    void anyAlteredCharacterFailsTheChecksum() {
        String key = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.WEB).key();
        int caught = 0;
        for (int i = "inlet_live_pk_".length(); i < key.length(); i++) {
            char replacement = key.charAt(i) == 'a' ? 'b' : 'a';
            String altered = key.substring(0, i) + replacement + key.substring(i + 1);
            if (!WriteKeys.isWellFormed(altered)) {
                caught++;
            }
        }
        assertEquals(key.length() - "inlet_live_pk_".length(), caught);
    }

    @Test
    void refusesWhatCannotBeAKey() {
        String key = WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.WEB).key();
        assertFalse(WriteKeys.isWellFormed(null));
        assertFalse(WriteKeys.isWellFormed(""));
        assertFalse(WriteKeys.isWellFormed(key + "x"));
        assertFalse(WriteKeys.isWellFormed(key.substring(1)));
        assertFalse(WriteKeys.isWellFormed(key.replace("inlet_live_pk_", "inlet_prod_pk_")));
        assertFalse(WriteKeys.isWellFormed(key.substring(0, key.length() - 1) + "!"));
        assertFalse(WriteKeys.generate(SourceEnvironment.PRODUCTION, SourceType.WEB).toString().contains(key));
    }
}
