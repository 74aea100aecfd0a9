package dev.inlet.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.error.ApiError;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Json#parse} reads without tracking names first and leaves a refusal to the strict mapper: every document,
 * duplicate keys anywhere, broken or not, must come out as the strict mapper alone reads it, tree or error alike.
 */
class JsonDuplicateKeysTest {

    @Test
    void aDuplicateKeyAnywhereIsTheStrictMappersError() {
        for (String body : new String[] {"{\"a\":1,\"a\":2}", "{\"a\":{},\"b\":[{\"c\":1,\"d\":2,\"c\":3}]}",
                "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"a\":[1]}", "[{\"x\":null,\"x\":null}]",
                "{\"a\":{\"b\":{\"c\":1}},\"a\":{\"b\":2}}", "{\"a\":1,\"a\":[1,2,}"}) {
            ApiError refused = assertThrows(ApiError.class, () -> Json.parse(body), body);
            assertEquals(strictly(body), "400 " + refused.code() + " " + refused.getMessage(), body);
        }
        assertTrue(strictly("{\"a\":1,\"a\":2}").contains("Duplicate field 'a'"), strictly("{\"a\":1,\"a\":2}"));
    }

    @Test
    void randomDocumentsReadAsTheStrictMapperReadsThem() {
        SplittableRandom random = new SplittableRandom(11);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder body = new StringBuilder();
            value(random, body, 0);
            if (random.nextInt(4) == 0) { // broken: cut short, or a character put in
                int at = random.nextInt(body.length());
                if (random.nextBoolean()) {
                    body.setLength(Math.max(1, at));
                } else {
                    body.insert(at, ",:}]\"{[1 x".charAt(random.nextInt(10)));
                }
            }
            String text = body.toString();
            String expected = strictly(text);
            String actual;
            try {
                JsonNode tree = Json.parse(text);
                actual = "tree " + tree;
            } catch (ApiError e) {
                actual = e.status() + " " + e.code() + " " + e.getMessage();
                refused++;
            }
            assertEquals(expected, actual, text);
        }
        assertTrue(refused > 2_000 && refused < 18_000, "both outcomes exercised: " + refused);
    }

    /** How the strict mapper alone reads {@code body}, and what parse answered when it was the only one. */
    private static String strictly(String body) {
        ApiError refusal;
        try {
            return "tree " + Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            refusal = ApiError.invalidJson("The request body is not valid JSON: " + Json.describe(e.getOriginalMessage()));
        } catch (IOException e) {
            refusal = ApiError.invalidJson("The request body could not be read as JSON");
        }
        return refusal.status() + " " + refusal.code() + " " + refusal.getMessage();
    }

    private static void value(SplittableRandom random, StringBuilder out, int depth) {
        int kind = depth > 3 ? 2 + random.nextInt(3) : random.nextInt(5);
        switch (kind) {
            case 0 -> {
                out.append('{');
                for (int n = random.nextInt(6), i = 0; i < n; i++) {
                    out.append(i > 0 ? "," : "").append('"').append("abcdef".charAt(random.nextInt(6))).append("\":");
                    value(random, out, depth + 1);
                }
                out.append('}');
            }
            case 1 -> {
                out.append('[');
                for (int n = random.nextInt(4), i = 0; i < n; i++) {
                    out.append(i > 0 ? "," : "");
                    value(random, out, depth + 1);
                }
                out.append(']');
            }
            case 2 -> out.append(random.nextInt(1000));
            case 3 -> out.append("\"s").append(random.nextInt(10)).append('"');
            default -> out.append(random.nextBoolean() ? "null" : "1.5e3");
        }
    }
}
