package dev.inlet.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.inlet.common.crypto.SecretMask;
import dev.inlet.common.error.ApiError;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The parsing limits on {@link Json#MAPPER} (Jackson's StreamReadConstraints): a depth bomb, a huge number, a huge
 * string and too many tokens are each a cheap 400 invalid_json, just past the limit, while the limit itself still
 * parses; an over-long document is a 413. A parser's message never echoes a key or token.
 */
class JsonLimitsTest {

    private static final Duration CHEAP = Duration.ofSeconds(2);

    @Test
    void nestingDeeperThanTheLimitIsInvalidJsonAndABombIsRefusedAtOnce() {
        Json.parse("[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH));
        assertInvalid("[".repeat(Json.MAX_NESTING_DEPTH + 1) + "]".repeat(Json.MAX_NESTING_DEPTH + 1));
        assertInvalid("{\"a\":".repeat(200_000) + "1");
        assertInvalid("[".repeat(Json.MAX_DOCUMENT_LENGTH));
    }

    @Test
    void aNumberLongerThanTheLimitIsInvalidJsonHoweverLong() {
        Json.parse("{\"n\":" + "9".repeat(Json.MAX_NUMBER_LENGTH) + "}");
        assertInvalid("{\"n\":" + "9".repeat(Json.MAX_NUMBER_LENGTH + 1) + "}");
        assertInvalid("{\"n\":" + "9".repeat(Json.MAX_DOCUMENT_LENGTH - 10) + "}");
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

    @Test
    void aDocumentOverTheLengthLimitIsPayloadTooLargeBeforeAnyParsing() {
        String over = "{\"s\":\"" + "a".repeat(Json.MAX_DOCUMENT_LENGTH) + "\"}";
        ApiError error = assertTimeoutPreemptively(CHEAP, () -> assertThrows(ApiError.class, () -> Json.parse(over)));
        assertEquals(413, error.status());
        assertEquals("payload_too_large", error.code());
    }

    @Test
    void moreTokensThanTheLimitIsInvalidJsonAndTheLimitItselfParses() {
        int values = (int) Json.MAX_TOKEN_COUNT - 2; // the array's start and end are tokens too
        Json.parse("[" + "1,".repeat(values - 1) + "1]");
        assertInvalid("[" + "1,".repeat(values) + "1]");
        assertInvalid("[" + "1,".repeat(Json.MAX_DOCUMENT_LENGTH / 2 - 2) + "1]"); // within the length limit
    }

    @Test
    void aParserMessageNeverEchoesAKeyOrToken() {
        String key = "inlet_live_sk_" + "Ab1".repeat(15);
        String token = "inlet_pat_" + "Zz9".repeat(15);
        String root = "root-token-Q7x9v2";
        String localRoot = "inlet_root_" + "Rr7".repeat(13);
        for (String body : List.of("{\"" + localRoot + "\":1,\"" + localRoot + "\":2}", "{\"writeKey\":" + key + "}", "{\"x\":" + token + "}", "{\"x\":" + root + "}",
                "{\"" + key + "\":1,\"" + key + "\":2}", key, "{\"a\":1," + token.substring(0, 20) + "}",
                "[" + "\"x\",".repeat(60) + key + "]")) {
            ApiError error = assertThrows(ApiError.class, () -> Json.parse(body));
            assertEquals("invalid_json", error.code(), body);
            for (String secret : List.of(key, token, root, localRoot, key.substring(0, 20), token.substring(0, 16))) {
                assertFalse(error.getMessage().contains(secret), "the answer echoes '" + secret + "': "
                        + error.getMessage());
            }
        }
        // What helps the caller stays: the cause, and a duplicate field's name when it is no secret.
        ApiError duplicate = assertThrows(ApiError.class, () -> Json.parse("{\"userId\":1,\"userId\":2}"));
        assertTrue(duplicate.getMessage().contains("userId"), duplicate.getMessage());
        ApiError unquoted = assertThrows(ApiError.class, () -> Json.parse("{\"x\":" + key + "}"));
        assertTrue(unquoted.getMessage().contains("Unrecognized token " + SecretMask.MASK), unquoted.getMessage());
    }

    private static void assertInvalid(String body) {
        ApiError error = assertTimeoutPreemptively(CHEAP, () -> assertThrows(ApiError.class, () -> Json.parse(body)));
        assertEquals(400, error.status());
        assertEquals("invalid_json", error.code());
    }
}
