package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written timestamp check takes exactly what the TIMESTAMP regex matches. */
class TimestampMatchTest {

    private static final List<String> VALID = List.of("2026-11-22", "2026-11-22T10:00", "2026-11-22 10:00:00",
            "2026-11-22T10:00:00.123456789Z", "2026-11-22T10:00:00,5+01:00", "2026-11-22T10:00:00-0130",
            "2026-11-22T10:00+01", "2026-11-22z", "2026-11-22T10:00:00.000Z");

    @Test
    void knownTimestampsAreTakenAndNearMissesAreNot() {
        VALID.forEach(text -> assertTrue(IncomingEvents.matchesTimestamp(text), text));
        for (String text : List.of("", "2026-11-2", "2026-11-22T", "2026-11-22T10", "2026-11-22T10:00:",
                "2026-11-22T10:00:00.", "2026-11-22T10:00:00.1234567890Z", "2026-11-22T10:00:00+01:",
                "2026-11-22T10:00:00+013", "2026-11-22T10:00:00ZZ", "2026-11-22t10:00", "２０２６-11-22",
                "2026-11-22T10:00:00+01:00:00")) {
            assertFalse(IncomingEvents.matchesTimestamp(text), text);
            assertFalse(IncomingEvents.TIMESTAMP.matcher(text).matches(), text);
        }
    }

    @Test
    void mutatedTimestampsAreJudgedAsTheRegexJudgesThem() {
        SplittableRandom random = new SplittableRandom(42);
        String alphabet = "0123456789-T :.,Zz+xt٣";
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder(VALID.get(random.nextInt(VALID.size())));
            for (int edits = random.nextInt(4); edits > 0; edits--) {
                int at = random.nextInt(text.length() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> text.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> {
                        if (at < text.length()) {
                            text.deleteCharAt(at);
                        }
                    }
                    default -> {
                        if (at < text.length()) {
                            text.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                        }
                    }
                }
            }
            texts.add(text.toString());
        }
        int matched = 0;
        for (String text : texts) {
            boolean expected = IncomingEvents.TIMESTAMP.matcher(text).matches();
            assertEquals(expected, IncomingEvents.matchesTimestamp(text), text);
            matched += expected ? 1 : 0;
        }
        assertTrue(matched > 10_000 && matched < 190_000, "both outcomes are exercised: " + matched);
    }
}
