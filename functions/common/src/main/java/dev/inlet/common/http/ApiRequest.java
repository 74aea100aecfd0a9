package dev.inlet.common.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.error.ApiError;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Read access to an API Gateway HTTP API (payload v2) request, with the checks every admin route shares. */
public final class ApiRequest {

    /**
     * The largest admin body, in UTF-8 bytes as sent. The largest valid one — a source with 50 origins of up to 273
     * characters, a 1,000-character description (4 KB of UTF-8 at most), a 100-character name and every event type —
     * is under 20 KB as SDKs write it; 64 KiB leaves room for escapes and growth, and keeps a hostile body's parse to
     * a few milliseconds.
     */
    public static final int MAX_ADMIN_BODY_BYTES = 64 * 1024;

    private final APIGatewayV2HTTPEvent event;

    public ApiRequest(APIGatewayV2HTTPEvent event) {
        this.event = event;
    }

    /** "POST /api/v1/events/write-keys/{id}": the route template.yaml declares, as API Gateway reports it. */
    public String routeKey() {
        return event.getRouteKey() == null ? "" : event.getRouteKey();
    }

    public String requestId() {
        return event.getRequestContext() == null || event.getRequestContext().getRequestId() == null
                ? "unknown" : event.getRequestContext().getRequestId();
    }

    /** Header value by case-insensitive name (API Gateway lower-cases names; tests and tools may not). */
    public Optional<String> header(String name) {
        Map<String, String> headers = event.getHeaders();
        if (headers == null) {
            return Optional.empty();
        }
        String value = headers.get(name.toLowerCase(Locale.ROOT));
        if (value != null) {
            return Optional.of(value);
        }
        for (Map.Entry<String, String> header : headers.entrySet()) { // a loop: absent headers are looked up often
            if (header.getKey().equalsIgnoreCase(name)) {
                return Optional.of(header.getValue());
            }
        }
        return Optional.empty();
    }

    public String pathParameter(String name) {
        Map<String, String> parameters = event.getPathParameters();
        String value = parameters == null ? null : parameters.get(name);
        if (value == null || value.isEmpty()) {
            throw ApiError.notFound("The resource");
        }
        return value;
    }

    public Optional<String> queryParameter(String name) {
        Map<String, String> parameters = event.getQueryStringParameters();
        return parameters == null ? Optional.empty() : Optional.ofNullable(parameters.get(name));
    }

    /** An integer query parameter within bounds, or the default when absent; anything else is a 400. */
    public int intQueryParameter(String name, int defaultValue, int min, int max) {
        Optional<String> raw = queryParameter(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiError.invalidParameter(name, "Query parameter '" + name + "' must be a whole number from "
                + min + " to " + max);
    }

    /** The body exactly as API Gateway delivered it (see {@link #isBase64Encoded()}). */
    public String rawBody() {
        return event.getBody();
    }

    public boolean isBase64Encoded() {
        return event.getIsBase64Encoded();
    }

    public String method() {
        if (event.getRequestContext() != null && event.getRequestContext().getHttp() != null
                && event.getRequestContext().getHttp().getMethod() != null) {
            return event.getRequestContext().getHttp().getMethod();
        }
        int space = routeKey().indexOf(' ');
        return space < 0 ? "" : routeKey().substring(0, space);
    }

    /** The body as text: base64-decoded when API Gateway encoded it, and refused unless it is valid UTF-8. */
    public Optional<String> bodyText() {
        String body = event.getBody();
        if (body == null || body.isEmpty()) {
            return Optional.empty();
        }
        if (!event.getIsBase64Encoded()) {
            return Optional.of(body);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidJson("The request body could not be decoded");
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw ApiError.invalidJson("The request body is not valid UTF-8");
        }
    }

    /**
     * The JSON body of an admin request: at most {@link #MAX_ADMIN_BODY_BYTES} (413 otherwise), requires
     * {@code Content-Type: application/json} (415 otherwise) and a JSON object (400 otherwise). An absent body reads
     * as an empty object when {@code optional} is true.
     */
    public JsonNode jsonBody(boolean optional) {
        String raw = event.getBody();
        // Before decoding: base64 holds 3 bytes in 4 characters, and text at least one byte per character.
        if (raw != null && (event.getIsBase64Encoded() ? raw.length() / 4 * 3 - 2 : raw.length())
                > MAX_ADMIN_BODY_BYTES) {
            throw adminBodyTooLarge();
        }
        Optional<String> text = bodyText();
        if (text.isPresent() && text.get().getBytes(StandardCharsets.UTF_8).length > MAX_ADMIN_BODY_BYTES) {
            throw adminBodyTooLarge();
        }
        if (text.isEmpty() || text.get().isBlank()) {
            if (optional) {
                return Json.object();
            }
            throw ApiError.invalidJson("The request body is empty; send a JSON object");
        }
        String contentType = header("content-type").orElse("");
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            throw ApiError.unsupportedMediaType("Send the body as Content-Type: application/json"
                    + (mediaType.isEmpty() ? "" : " (got " + truncate(mediaType) + ")"));
        }
        if (header("content-encoding").filter(e -> !e.isBlank() && !e.equalsIgnoreCase("identity")).isPresent()) {
            throw ApiError.unsupportedMediaType("Admin requests must not be compressed (Content-Encoding)");
        }
        JsonNode body = Json.parse(text.get());
        if (!body.isObject()) {
            throw ApiError.invalidJson("The request body must be a JSON object");
        }
        return body;
    }

    private static ApiError adminBodyTooLarge() {
        return ApiError.of(413, "payload_too_large", "An admin request body is at most " + MAX_ADMIN_BODY_BYTES / 1024
                + " KB");
    }

    private static String truncate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
