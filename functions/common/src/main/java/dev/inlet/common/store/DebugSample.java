package dev.inlet.common.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One entry of a source's event debugger: an accepted event as it was stored, or a refused request as ingestion saw
 * it. Refused entries never hold the write key: only its display prefix, and a body excerpt with keys masked.
 */
public sealed interface DebugSample permits DebugSample.Accepted, DebugSample.Refused {

    String sourceId();

    Instant at();

    /** The event's messageId, or the refused request's API Gateway request id. */
    String id();

    /** The event types involved (one for an accepted event; those of the request's events for a refusal). */
    List<String> types();

    record Accepted(String sourceId, Instant at, String messageId, String type, String keyId, String requestId,
                    String payloadJson) implements DebugSample {

        @Override
        public String id() {
            return messageId;
        }

        @Override
        public List<String> types() {
            return List.of(type);
        }
    }

    /**
     * @param code        the error code the client got ({@code rate_limited}, {@code invalid_event}, …)
     * @param reason      the statistics' reason for that code ({@code invalid_payload} for {@code invalid_event}, …)
     * @param detailsJson the error's details as the client got them, if any
     * @param eventCount  how many events the body held, when it could be read that far
     * @param bodyBytes   the body's size in bytes as received: base64-decoded when API Gateway encoded it, before
     *                    any gunzip
     */
    record Refused(String sourceId, Instant at, String requestId, int status, String code, String reason,
                   String message, Optional<String> detailsJson, String keyPrefix, Optional<String> origin,
                   List<String> types, Optional<Integer> eventCount, long bodyBytes, String bodyExcerpt)
            implements DebugSample {

        public Refused {
            types = List.copyOf(types);
        }

        @Override
        public String id() {
            return requestId;
        }
    }
}
