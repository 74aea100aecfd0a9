package dev.inlet.functions.ingestion;

import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The body of a tracking call as text: base64-decoded when API Gateway encoded it, gunzipped when the SDK
 * compressed it (reading at most the request limit, so a zip bomb costs 500 KB, not memory), valid UTF-8.
 */
final class RequestBody {

    private RequestBody() {
    }

    static String read(ApiRequest request, String rawBody, boolean base64) {
        checkContentType(request);
        byte[] bytes = bytes(rawBody, base64);
        // Text encoded here is well-formed UTF-8 (an unpaired surrogate became '?'): it needs no strict decoder.
        boolean wellFormed = !base64 && rawBody != null;
        String encoding = request.header("content-encoding").map(e -> e.strip().toLowerCase(Locale.ROOT)).orElse("");
        if (encoding.equals("gzip") || encoding.equals("x-gzip")) {
            bytes = gunzip(bytes);
            wellFormed = false;
        } else if (!encoding.isEmpty() && !encoding.equals("identity")) {
            throw ApiError.unsupportedMediaType("Content-Encoding '" + shorten(encoding)
                    + "' is not supported; send gzip or no encoding");
        }
        if (bytes.length > IngestionLimits.MAX_REQUEST_BYTES) {
            throw tooLarge();
        }
        if (wellFormed) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.invalidJson("The request body is not valid UTF-8");
        }
    }

    /** JSON SDKs send application/json; browsers send text/plain to skip the CORS preflight (and sendBeacon). */
    private static void checkContentType(ApiRequest request) {
        String mediaType = request.header("content-type").map(v -> v.split(";", 2)[0].strip()
                .toLowerCase(Locale.ROOT)).orElse("");
        if (!mediaType.isEmpty() && !mediaType.equals("application/json") && !mediaType.equals("text/plain")) {
            throw ApiError.unsupportedMediaType("Send the body as application/json or text/plain (got "
                    + shorten(mediaType) + ")");
        }
    }

    private static byte[] bytes(String rawBody, boolean base64) {
        if (rawBody == null) {
            return new byte[0];
        }
        if (!base64) {
            if (rawBody.length() > IngestionLimits.MAX_REQUEST_BYTES) { // chars ≤ bytes: early, cheap refusal
                throw tooLarge();
            }
            return rawBody.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getDecoder().decode(rawBody);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidJson("The request body could not be decoded");
        }
    }

    private static byte[] gunzip(byte[] compressed) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            byte[] limited = in.readNBytes(IngestionLimits.MAX_REQUEST_BYTES + 1);
            if (limited.length > IngestionLimits.MAX_REQUEST_BYTES) {
                throw tooLarge();
            }
            return limited;
        } catch (IOException e) {
            throw ApiError.of(400, "invalid_encoding", "The body is not valid gzip, as Content-Encoding says");
        }
    }

    static ApiError tooLarge() {
        return ApiError.of(413, "payload_too_large", "The request is over " + IngestionLimits.MAX_REQUEST_BYTES / 1024
                + " KB (after decompression); send smaller batches");
    }

    private static String shorten(String text) {
        String printable = text.replaceAll("[^\\x20-\\x7E]", "?");
        return printable.length() > 60 ? printable.substring(0, 60) + "…" : printable;
    }
}
