package dev.inlet.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.inlet.common.error.ApiError;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The parsing limits on {@link Json#MAPPER} (Jackson's StreamReadConstraints): a depth bomb, a huge number and a huge
 * string are each a cheap 400 invalid_json, just past the limit, while the limit itself still parses.
 */
class JsonLimitsTest {

    private static final Duration CHEAP = Duration.ofSeconds(2);

    @Test
    void nestingDeeperThanTheLimitIsInvalidJsonAndABombIsRefusedAtOnce() {
        Json.parse("[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH));
        assertInvalid("[".repeat(Json.MAX_NESTING_DEPTH + 1) + "]".repeat(Json.MAX_NESTING_DEPTH + 1));
        assertInvalid("{\"a\":".repeat(1_000_000) + "1");
        assertInvalid("[".repeat(5_000_000));
    }

    @Test
    void aNumberLongerThanTheLimitIsInvalidJsonHoweverLong() {
        Json.parse("{\"n\":" + "9".repeat(Json.MAX_NUMBER_LENGTH) + "}");
        assertInvalid("{\"n\":" + "9".repeat(Json.MAX_NUMBER_LENGTH + 1) + "}");
        assertInvalid("{\"n\":" + "9".repeat(5_000_000) + "}");
        assertInvalid("{\"n\":0." + "1".repeat(1_000_000) + "}");
    }

    @Test
    void aStringLongerThanTheLimitIsInvalidJson() {
        Json.parse("{\"s\":\"" + "a".repeat(Json.MAX_STRING_LENGTH) + "\"}");
        assertInvalid("{\"s\":\"" + "a".repeat(Json.MAX_STRING_LENGTH + 1) + "\"}");
    }

    @Test
    void duplicateKeysAndTrailingTokensAreInvalidJson() {
        assertInvalid("{\"userId\":\"a\",\"userId\":\"b\"}");
        assertInvalid("{\"a\":{\"k\":1,\"k\":2}}");
        assertInvalid("{}{}");
    }

    private static void assertInvalid(String body) {
        ApiError error = assertTimeoutPreemptively(CHEAP, () -> assertThrows(ApiError.class, () -> Json.parse(body)));
        assertEquals(400, error.status());
        assertEquals("invalid_json", error.code());
    }
}
