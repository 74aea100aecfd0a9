package dev.inlet.common.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Opaque pagination cursors: the position as JSON, base64url, plus an HMAC so that a client cannot forge a position
 * (for instance inside another project's partition). Anything that does not verify is a 400
 * invalid_parameter naming the cursor.
 */
public final class Cursors {

    private static final int SIGNATURE_LENGTH = 22;
    private static final int MAX_CURSOR_LENGTH = 2048;

    private final SecretHasher hasher;

    public Cursors(SecretHasher hasher) {
        this.hasher = hasher;
    }

    public String encode(Map<String, String> position) {
        ObjectNode node = Json.object();
        position.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> node.put(e.getKey(), e.getValue()));
        String payload = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Json.write(node).getBytes(StandardCharsets.UTF_8));
        return payload + "." + signature(payload);
    }

    public Optional<Map<String, String>> decode(Optional<String> cursor) {
        return cursor.filter(c -> !c.isEmpty()).map(this::decode);
    }

    private Map<String, String> decode(String cursor) {
        int dot = cursor.lastIndexOf('.');
        if (cursor.length() > MAX_CURSOR_LENGTH || dot <= 0) {
            throw invalid();
        }
        String payload = cursor.substring(0, dot);
        byte[] expected = signature(payload).getBytes(StandardCharsets.US_ASCII);
        byte[] actual = cursor.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw invalid();
        }
        JsonNode node;
        try {
            node = Json.parse(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | ApiError e) {
            throw invalid();
        }
        Map<String, String> position = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            position.put(field.getKey(), field.getValue().asText());
        }
        return position;
    }

    private String signature(String payload) {
        return hasher.hash("cursor:" + payload).substring(0, SIGNATURE_LENGTH);
    }

    public static ApiError invalid() {
        return ApiError.invalidParameter("cursor", "The cursor is not one this API returned; start again without it");
    }
}
