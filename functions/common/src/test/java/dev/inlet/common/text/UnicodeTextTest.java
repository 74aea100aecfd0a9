package dev.inlet.common.text;

import static dev.inlet.common.text.UnicodeText.hasUnpairedSurrogate;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnicodeTextTest {

    @Test
    void aLoneHighOrLowSurrogateAnywhereIsUnpaired() {
        assertTrue(hasUnpairedSurrogate("\ud800"));
        assertTrue(hasUnpairedSurrogate("\udbff"));
        assertTrue(hasUnpairedSurrogate("\udc00"));
        assertTrue(hasUnpairedSurrogate("\udfff"));
        assertTrue(hasUnpairedSurrogate("x\ud800y"));
        assertTrue(hasUnpairedSurrogate("a\ud83c"), "an emoji's high half at the end");
        assertTrue(hasUnpairedSurrogate("\udf89a"), "an emoji's low half at the start");
        assertTrue(hasUnpairedSurrogate("\ud800\ud800"), "two high halves are no pair");
    }

    @Test
    void aPairReversedIsTwoLoneSurrogates() {
        assertTrue(hasUnpairedSurrogate("\udf89\ud83c"));
        assertTrue(hasUnpairedSurrogate("🎉\udf89"), "a pair then a stray low half");
    }

    @Test
    void pairedSurrogatesAndOtherTextAreValid() {
        assertFalse(hasUnpairedSurrogate(""));
        assertFalse(hasUnpairedSurrogate("plain ascii"));
        assertFalse(hasUnpairedSurrogate("a🎉b"));
        assertFalse(hasUnpairedSurrogate("🎉🎉"));
        assertFalse(hasUnpairedSurrogate("\ud83c\udf89"));
        assertFalse(hasUnpairedSurrogate("Grüße, 東京, \u202e, \u0000"), "other oddities are other rules' business");
    }
}
