package dev.inlet.functions.ingestion;

import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/** Where a tracking call's write key comes from: HTTP Basic (key as username, empty password) or a body field. */
final class WriteKeyCredentials {

    private WriteKeyCredentials() {
    }

    /** The key from {@code Authorization: Basic}, if that header is present; 401 if it is present but unreadable. */
    static Optional<String> fromBasicAuth(ApiRequest request) {
        Optional<String> header = request.header("authorization");
        if (header.isEmpty() || header.get().isBlank()) {
            return Optional.empty();
        }
        String value = header.get().strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
            throw unauthorized("Send the write key as HTTP Basic username with an empty password");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).strip()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw unauthorized("The Basic credentials are not valid base64");
        }
        int colon = decoded.indexOf(':');
        String key = colon < 0 ? decoded : decoded.substring(0, colon);
        if (key.isEmpty()) {
            throw unauthorized("The Basic credentials carry no write key");
        }
        return Optional.of(key);
    }

    static ApiError unauthorized(String message) {
        return ApiError.of(401, "unauthorized", message).withHeader("WWW-Authenticate", "Basic realm=\"inlet\"");
    }
}
