package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.testing.TestRequests;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * A plain-text body is decoded without the strict decoder (its own UTF-8 encoding is well-formed); it must read
 * exactly as before: the 500 KB limit in bytes, and an unpaired surrogate turned into '?'.
 */
class RequestBodyTest {

    private static final int LIMIT = IngestionLimits.MAX_REQUEST_BYTES;

    @Test
    void theLimitCountsUtf8BytesNotCharacters() {
        String atLimit = "€".repeat(LIMIT / 3) + "x".repeat(LIMIT % 3); // 3 bytes per €
        assertEquals(LIMIT, atLimit.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(atLimit, read(atLimit, null));
        ApiError over = assertThrows(ApiError.class, () -> read(atLimit + "x", null));
        assertEquals(413, over.status());
        assertEquals("payload_too_large", over.code());
        assertEquals(413, assertThrows(ApiError.class, () -> read("🎉".repeat(LIMIT / 4) + "é", "identity")).status());
    }

    @Test
    void anUnpairedSurrogateReadsAsAQuestionMarkAsBefore() {
        assertEquals("a?b?c🎉", read("a\ud800b\udfffc🎉", null));
        assertEquals("a?", read("a\ud83c", "identity"));
    }

    @Test
    void encodedBodiesAndUnsupportedEncodingsAreReadAsBefore() {
        String text = "{\"a\":\"Zoë\"}";
        String base64 = Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        assertEquals(text, RequestBody.read(request(null), base64, true));
        assertEquals("unsupported_media_type", assertThrows(ApiError.class, () -> read(text, "br")).code());
        assertEquals("payload_too_large", assertThrows(ApiError.class, () -> read("x".repeat(LIMIT + 1), "br"))
                .code(), "the size of plain text is checked before its encoding");
    }

    private static String read(String body, String encoding) {
        return RequestBody.read(request(encoding), body, false);
    }

    private static ApiRequest request(String encoding) {
        TestRequests route = TestRequests.route("POST /v1/track").header("content-type", "text/plain");
        return new ApiRequest((encoding == null ? route : route.header("content-encoding", encoding)).build());
    }
}
