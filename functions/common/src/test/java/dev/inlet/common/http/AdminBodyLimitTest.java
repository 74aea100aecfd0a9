package dev.inlet.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.testing.TestRequests;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The admin body cap of {@link ApiRequest#jsonBody}: bytes as sent, plain or base64, checked before parsing. */
class AdminBodyLimitTest {

    private static final int CAP = ApiRequest.MAX_ADMIN_BODY_BYTES;

    @Test
    void aBodyAtTheCapIsReadAndOneByteMoreIsPayloadTooLarge() {
        assertEquals(CAP, body(CAP).getBytes(StandardCharsets.UTF_8).length);
        assertEquals(CAP - 11, request(body(CAP), false).jsonBody(false).get("name").asText().length());
        assertTooLarge(request(body(CAP + 1), false));
    }

    @Test
    void theCapCountsUtf8BytesNotCharacters() {
        // 'é' is two bytes: a body of fewer characters than the cap but more bytes is refused.
        String body = "{\"name\":\"" + "é".repeat(CAP / 2) + "\"}";
        assertTrue(body.length() < CAP);
        assertTooLarge(request(body, false));
    }

    @Test
    void aBase64BodyIsMeasuredDecodedAndRefusedBeforeDecodingWhenClearlyOver() {
        String atCap = Base64.getEncoder().encodeToString(body(CAP).getBytes(StandardCharsets.UTF_8));
        assertEquals(CAP - 11, request(atCap, true).jsonBody(false).get("name").asText().length());
        assertTooLarge(request(Base64.getEncoder().encodeToString(body(CAP + 1).getBytes(StandardCharsets.UTF_8)),
                true));
        // Not even valid base64: refused for its size alone, without decoding.
        assertTooLarge(request("!".repeat(CAP * 2), true));
    }

    @Test
    void theCapComesBeforeTheContentTypeAndTheParse() {
        APIGatewayV2HTTPEvent event = TestRequests.route("POST /api/v1/projects").body("{" + " ".repeat(CAP) + "x")
                .header("content-type", "text/plain").build();
        assertTooLarge(new ApiRequest(event));
    }

    /** {"name":"xxx…"}: exactly {@code bytes} bytes. */
    private static String body(int bytes) {
        return "{\"name\":\"" + "x".repeat(bytes - 11) + "\"}";
    }

    private static ApiRequest request(String body, boolean base64) {
        APIGatewayV2HTTPEvent event = TestRequests.route("POST /api/v1/projects").json(body).build();
        event.setIsBase64Encoded(base64);
        return new ApiRequest(event);
    }

    private static void assertTooLarge(ApiRequest request) {
        ApiError error = assertThrows(ApiError.class, () -> request.jsonBody(false));
        assertEquals(413, error.status());
        assertEquals("payload_too_large", error.code());
    }
}
