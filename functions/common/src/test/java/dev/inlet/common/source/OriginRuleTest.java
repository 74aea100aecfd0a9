package dev.inlet.common.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OriginRuleTest {

    @ParameterizedTest
    @CsvSource({
            "https://app.example.com, https://app.example.com",
            "HTTPS://App.Example.com, https://app.example.com",
            "http://localhost:3000, http://localhost:3000",
            "https://*.example.com, https://*.example.com",
            "https://*.Example.com:8443, https://*.example.com:8443",
            "https://*.shop.co.uk, https://*.shop.co.uk"})
    void acceptsOriginsInCanonicalForm(String input, String canonical) {
        assertEquals(Optional.of(canonical), OriginRule.canonical(input));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a url", "app.example.com", "ftp://example.com", "https://example.com/",
            "https://example.com/path", "https://user@example.com", "https://*.com", "https://*.co.uk",
            "https://*.com.au", "https://a.*.example.com", "https://*.*.example.com", "*", "https://example.com?x=1", " https://example.com", "https://",
            "https://example.com:99999", "javascript:alert(1)"})
    void refusesAnythingElse(String input) {
        assertEquals(Optional.empty(), OriginRule.canonical(input));
    }

    @Test
    void exactRulesMatchOnlyThatOrigin() {
        assertTrue(OriginRule.allows("https://app.example.com", "https://app.example.com"));
        assertTrue(OriginRule.allows("https://app.example.com", "https://APP.example.com"));
        assertFalse(OriginRule.allows("https://app.example.com", "http://app.example.com"));
        assertFalse(OriginRule.allows("https://app.example.com", "https://app.example.com:8443"));
        assertFalse(OriginRule.allows("https://app.example.com", "https://app.example.com.evil.com"));
        assertFalse(OriginRule.allows("https://app.example.com", null));
    }

    @Test
    void wildcardRulesMatchSubdomainsButNotTheApexOrLookalikes() {
        String rule = "https://*.example.com";
        assertTrue(OriginRule.allows(rule, "https://a.example.com"));
        assertTrue(OriginRule.allows(rule, "https://a.b.example.com"));
        assertFalse(OriginRule.allows(rule, "https://example.com"));
        assertFalse(OriginRule.allows(rule, "https://evilexample.com"));
        assertFalse(OriginRule.allows(rule, "http://a.example.com"));
        assertFalse(OriginRule.allows(rule, "https://a.example.com:444"));
        assertFalse(OriginRule.allows(rule, "https://a/b.example.com"));
    }
}
