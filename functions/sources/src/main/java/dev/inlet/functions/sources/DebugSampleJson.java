package dev.inlet.functions.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.Json;
import dev.inlet.common.store.DebugSample;
import java.util.Optional;

/** The event debugger's entries as the admin API shows them. */
final class DebugSampleJson {

    private DebugSampleJson() {
    }

    static ObjectNode of(DebugSample sample) {
        ObjectNode node = Json.object();
        switch (sample) {
            case DebugSample.Accepted accepted -> {
                node.put("outcome", "accepted");
                node.put("at", accepted.at().toString());
                node.put("type", accepted.type());
                node.put("message_id", accepted.messageId());
                node.put("key_id", accepted.keyId());
                node.put("request_id", accepted.requestId());
                node.set("payload", parsed(accepted.payloadJson()));
            }
            case DebugSample.Refused refused -> {
                node.put("outcome", "refused");
                node.put("at", refused.at().toString());
                node.put("request_id", refused.requestId());
                node.put("status", refused.status());
                node.put("code", refused.code());
                node.put("reason", refused.reason());
                node.put("message", refused.message());
                refused.detailsJson().map(DebugSampleJson::parsed).ifPresent(details -> node.set("details", details));
                node.put("key_prefix", refused.keyPrefix());
                node.put("origin", refused.origin().orElse(null));
                ArrayNode types = node.putArray("types");
                refused.types().forEach(types::add);
                node.put("event_count", refused.eventCount().orElse(null));
                node.put("body_bytes", refused.bodyBytes());
                node.put("body_excerpt", refused.bodyExcerpt());
            }
        }
        return node;
    }

    /** Stored JSON is written by Inlet itself; should it ever not parse, it is shown as text rather than failing. */
    private static JsonNode parsed(String json) {
        try {
            return Json.parse(json);
        } catch (ApiError unreadable) {
            return Json.MAPPER.getNodeFactory().textNode(json);
        }
    }

    static Optional<String> outcome(Optional<String> raw) {
        return raw.map(value -> switch (value) {
            case "accepted", "refused" -> value;
            default -> throw ApiError.invalidParameter("outcome",
                    "Query parameter 'outcome' must be one of: accepted, refused");
        });
    }
}
