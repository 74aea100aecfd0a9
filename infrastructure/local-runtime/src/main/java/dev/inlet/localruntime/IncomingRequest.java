package dev.inlet.localruntime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as received, before API Gateway's mapping: header names as sent (any case), each occurrence of a
 * repeated header a separate value; {@code rawPath} and {@code rawQuery} still percent-encoded ({@code rawQuery}
 * without '?', empty when absent).
 */
public record IncomingRequest(String method,
                              String rawPath,
                              String rawQuery,
                              Map<String, List<String>> headers,
                              byte[] body,
                              String sourceIp,
                              String protocol,
                              int localPort) {

    public IncomingRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawPath, "rawPath");
        rawQuery = rawQuery == null ? "" : rawQuery;
        Objects.requireNonNull(headers, "headers");
        body = body == null ? new byte[0] : body;
        Objects.requireNonNull(sourceIp, "sourceIp");
        Objects.requireNonNull(protocol, "protocol");
    }

    /** All values of a header, case-insensitively, in arrival order. */
    public List<String> headerValues(String name) {
        return headers.entrySet().stream()
                .filter(header -> header.getKey().equalsIgnoreCase(name))
                .flatMap(header -> header.getValue().stream())
                .toList();
    }

    public String firstHeader(String name) {
        List<String> values = headerValues(name);
        return values.isEmpty() ? null : values.getFirst();
    }
}
