package dev.inlet.common.error;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A refusal a client can act on: an HTTP status, a stable machine-readable code, a human message and, for validation
 * errors, the offending field. Rendered as {@code {"error":{"code":…,"message":…,"field":…}}}.
 */
public final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String field;
    private final Map<String, String> headers;
    private final transient JsonNode details;

    private ApiError(int status, String code, String message, String field, Map<String, String> headers,
                     JsonNode details) {
        super(message, null, false, false); // no stack trace: these are expected outcomes, not bugs
        this.status = status;
        this.code = code;
        this.field = field;
        this.headers = Map.copyOf(headers);
        this.details = details;
    }

    public static ApiError of(int status, String code, String message) {
        return new ApiError(status, code, message, null, Map.of(), null);
    }

    public static ApiError forField(int status, String code, String field, String message) {
        return new ApiError(status, code, message, field, Map.of(), null);
    }

    public ApiError withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiError(status, code, getMessage(), field, more, details);
    }

    /** Machine-readable detail beyond one field, e.g. each refused event of a batch with its index and type. */
    public ApiError withDetails(JsonNode moreDetail) {
        return new ApiError(status, code, getMessage(), field, headers, moreDetail);
    }

    public Optional<JsonNode> details() {
        return Optional.ofNullable(details);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    public Map<String, String> headers() {
        return headers;
    }

    // The catalogue of refusals shared by every function. README's error table lists each code.

    public static ApiError unauthorized(String message) {
        return of(401, "unauthorized", message).withHeader("WWW-Authenticate", "Bearer realm=\"inlet\"");
    }

    public static ApiError forbidden(String message) {
        return of(403, "forbidden", message);
    }

    public static ApiError notFound(String what) {
        return of(404, "not_found", what + " was not found");
    }

    public static ApiError invalidJson(String message) {
        return of(400, "invalid_json", message);
    }

    public static ApiError unknownField(String field) {
        String shown = field.length() > 40 ? field.substring(0, 40) + "…" : field;
        return forField(400, "unknown_field", shown, "Unknown field '" + shown.replaceAll("[^\\x20-\\x7E…]", "?")
                + "'");
    }

    public static ApiError invalidType(String field, String expected) {
        return forField(400, "invalid_type", field, "Field '" + field + "' must be " + expected);
    }

    public static ApiError invalidValue(String field, String message) {
        return forField(422, "invalid_value", field, message);
    }

    public static ApiError missingField(String field) {
        return forField(422, "missing_field", field, "Field '" + field + "' is required");
    }

    public static ApiError invalidParameter(String parameter, String message) {
        return forField(400, "invalid_parameter", parameter, message);
    }

    public static ApiError unsupportedMediaType(String message) {
        return of(415, "unsupported_media_type", message);
    }

    public static ApiError conflict(String code, String message) {
        return of(409, code, message);
    }
}
