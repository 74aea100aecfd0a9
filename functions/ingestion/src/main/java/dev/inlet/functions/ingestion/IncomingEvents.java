package dev.inlet.functions.ingestion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.Json;
import dev.inlet.common.source.EventType;
import dev.inlet.common.text.UnicodeText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the events of a tracking call per Segment's spec and normalises them: each gets its {@code type} (implied by
 * the path for single calls), the batch's shared {@code context},
 * {@code integrations} and {@code sentAt} where it has none, and loses any {@code writeKey} (a key is never stored).
 * Every problem is a 400 naming the event's index and field, so the client can fix it.
 */
final class IncomingEvents {

    /**
     * One validated event; {@code messageId} is empty when the client sent none. {@code json} is the payload as
     * {@link Json#write} wrote it for the size check, kept so that storing it need not write it again.
     */
    record Event(EventType type, Optional<String> messageId, ObjectNode payload, String json) {
    }

    private static final String[] OBJECT_FIELDS = {"context", "properties", "traits", "integrations"};
    private static final String[] TIME_FIELDS = {"timestamp", "sentAt", "originalTimestamp"};
    /** The timestamps taken, as a regex: what {@link #matchesTimestamp} matches, by hand (a regex costs more). */
    static final Pattern TIMESTAMP = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}([.,]\\d{1,9})?)?)?(Z|z|[+-]\\d{2}(:?\\d{2})?)?");

    private IncomingEvents() {
    }

    static List<Event> read(CallType call, JsonNode body) {
        if (!body.isObject()) {
            throw ApiError.invalidJson("The request body must be a JSON object");
        }
        if (call != CallType.BATCH) {
            // The parsed body is this request's own and read once: events are validated and completed in place.
            return List.of(event((ObjectNode) body, call.eventType(), null));
        }
        JsonNode batch = body.get("batch");
        if (batch == null || !batch.isArray()) {
            throw invalid("batch", "A batch call needs a 'batch' array of events");
        }
        if (batch.isEmpty()) {
            throw invalid("batch", "The batch is empty");
        }
        if (batch.size() > IngestionLimits.MAX_BATCH_EVENTS) {
            throw ApiError.of(413, "payload_too_large", "A batch holds at most " + IngestionLimits.MAX_BATCH_EVENTS
                    + " events; this one has " + batch.size());
        }
        List<Event> events = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            JsonNode item = batch.get(i);
            if (!item.isObject()) {
                throw invalid("batch[" + i + "]", "Each batch item must be a JSON object");
            }
            ObjectNode event = (ObjectNode) item;
            inherit(event, body, "context");
            inherit(event, body, "integrations");
            inherit(event, body, "sentAt");
            events.add(event(event, Optional.empty(), i));
        }
        return events;
    }

    private static Event event(ObjectNode event, Optional<EventType> impliedType, Integer index) {
        String at = index == null ? "" : "batch[" + index + "].";
        event.remove("writeKey");
        EventType type = type(event, impliedType, at);
        event.put("type", type.wireName());

        boolean hasUser = identifier(event, "userId", at);
        boolean hasAnonymous = identifier(event, "anonymousId", at);
        if (!hasUser && !hasAnonymous) {
            throw invalid(at + "userId", "Every event needs a userId or an anonymousId");
        }
        switch (type) {
            case TRACK -> {
                JsonNode name = event.get("event");
                if (name == null || !name.isTextual() || name.textValue().isBlank()) {
                    throw invalid(at + "event", "A track call needs the event name in 'event'");
                }
            }
            case ALIAS -> {
                if (!identifier(event, "previousId", at) || !hasUser) {
                    throw invalid(at + "previousId", "An alias call needs 'previousId' and 'userId'");
                }
            }
            case GROUP -> {
                if (!identifier(event, "groupId", at)) {
                    throw invalid(at + "groupId", "A group call needs 'groupId'");
                }
            }
            case PAGE, SCREEN -> {
                JsonNode name = event.get("name");
                if (name != null && !name.isNull() && !name.isTextual()) {
                    throw invalid(at + "name", "Field 'name' must be a string");
                }
            }
            default -> {
                // identify: traits are checked with the other object fields
            }
        }
        for (String field : OBJECT_FIELDS) {
            JsonNode value = event.get(field);
            if (value != null && !value.isNull() && !value.isObject()) {
                throw invalid(at + field, "Field '" + field + "' must be an object");
            }
        }
        for (String field : TIME_FIELDS) {
            JsonNode value = event.get(field);
            if (value != null && !value.isNull() && !isTimestamp(value)) {
                throw invalid(at + field, "Field '" + field + "' must be an ISO-8601 date-time");
            }
        }
        Optional<String> messageId = messageId(event, at);
        String json = Json.write(event);
        // The written event holds every field name and string as is (Jackson escapes no surrogate): one scan of it
        // is cheaper than walking the tree, which only a refusal needs, to name the field.
        if (UnicodeText.hasUnpairedSurrogate(json)) {
            checkUnicode(event, at);
            throw invalid(at.isEmpty() ? "event" : at.substring(0, at.length() - 1),
                    "The event holds text that is not valid Unicode (an unpaired surrogate such as \\ud800)");
        }
        int size = json.getBytes(StandardCharsets.UTF_8).length;
        if (size > IngestionLimits.MAX_EVENT_BYTES) {
            throw ApiError.forField(413, "payload_too_large", at.isEmpty() ? "event" : at.substring(0, at.length() - 1),
                    "An event is at most " + IngestionLimits.MAX_EVENT_BYTES / 1024 + " KB; this one is "
                            + size / 1024 + " KB");
        }
        return new Event(type, messageId, event, json);
    }

    private static EventType type(ObjectNode event, Optional<EventType> impliedType, String at) {
        JsonNode declared = event.get("type");
        if (impliedType.isPresent()) {
            if (declared != null && !declared.isNull()
                    && !(declared.isTextual() && declared.textValue().equals(impliedType.get().wireName()))) {
                throw invalid(at + "type", "This endpoint takes '" + impliedType.get().wireName()
                        + "' calls; send other types to their own endpoint or to /v1/batch");
            }
            return impliedType.get();
        }
        if (declared == null || !declared.isTextual()) {
            throw invalid(at + "type", "Each batch event needs a 'type': one of " + EventType.allowedValues());
        }
        return EventType.fromWire(declared.textValue()).orElseThrow(() -> invalid(at + "type",
                "Unknown event type; use one of " + EventType.allowedValues()));
    }

    /** Whether an id field is present; it must then be a non-empty string or a number. */
    private static boolean identifier(ObjectNode event, String field, String at) {
        JsonNode value = event.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isTextual() && !value.textValue().isEmpty() || value.isIntegralNumber()) {
            return true;
        }
        throw invalid(at + field, "Field '" + field + "' must be a non-empty string or a number");
    }

    private static Optional<String> messageId(ObjectNode event, String at) {
        JsonNode value = event.get("messageId");
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual() || value.textValue().isEmpty()
                || value.textValue().length() > IngestionLimits.MAX_MESSAGE_ID_LENGTH) {
            throw invalid(at + "messageId", "Field 'messageId' must be a string of 1 to "
                    + IngestionLimits.MAX_MESSAGE_ID_LENGTH + " characters");
        }
        return Optional.of(value.textValue());
    }

    /**
     * Refuses a lone surrogate ({@code "\\ud800"} without its pair, or a low one alone) in any field name or string of
     * the event: JSON lets a client escape one, but it is no character, and DynamoDB refuses text that is not valid
     * Unicode — a write that would fail after validation passed, answered as an outage, for any client to trigger.
     */
    private static void checkUnicode(ObjectNode event, String at) {
        for (Iterator<Map.Entry<String, JsonNode>> it = event.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (UnicodeText.hasUnpairedSurrogate(field.getKey())) {
                throw invalid(at.isEmpty() ? "event" : at.substring(0, at.length() - 1),
                        "A field name is not valid Unicode (it holds an unpaired surrogate)");
            }
            if (!isValidUnicodeTree(field.getValue())) {
                throw invalid(at + field.getKey(), "Field '" + field.getKey()
                        + "' holds text that is not valid Unicode (an unpaired surrogate such as \\ud800)");
            }
        }
    }

    private static boolean isValidUnicodeTree(JsonNode node) {
        if (node.isTextual()) {
            return !UnicodeText.hasUnpairedSurrogate(node.textValue());
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (UnicodeText.hasUnpairedSurrogate(field.getKey()) || !isValidUnicodeTree(field.getValue())) {
                    return false;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                if (!isValidUnicodeTree(element)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void inherit(ObjectNode event, JsonNode batch, String field) {
        JsonNode shared = batch.get(field);
        if (shared == null || shared.isNull()) {
            return;
        }
        JsonNode own = event.get(field);
        // Shared by reference: nothing below the top level of an event is changed after this.
        if (own == null || own.isNull()) {
            event.set(field, shared);
        } else if (own.isObject() && shared.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = shared.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (!own.has(entry.getKey())) {
                    ((ObjectNode) own).set(entry.getKey(), entry.getValue());
                }
            }
        }
    }

    /** ISO-8601 as SDKs write it: with or without seconds, fraction, 'Z', or an offset with or without a colon. */
    private static boolean isTimestamp(JsonNode value) {
        return value.isTextual() && value.textValue().length() <= 64
                && matchesTimestamp(value.textValue());
    }

    /** {@code TIMESTAMP.matcher(text).matches()}: date, then optionally time, then optionally a zone. */
    static boolean matchesTimestamp(String text) {
        int n = text.length();
        if (n < 10 || !digits(text, 0, 4) || text.charAt(4) != '-' || !digits(text, 5, 2) || text.charAt(7) != '-'
                || !digits(text, 8, 2)) {
            return false;
        }
        int i = 10;
        if (i < n && (text.charAt(i) == 'T' || text.charAt(i) == ' ')) {
            if (n < i + 6 || !digits(text, i + 1, 2) || text.charAt(i + 3) != ':' || !digits(text, i + 4, 2)) {
                return false;
            }
            i += 6;
            if (i < n && text.charAt(i) == ':') {
                if (n < i + 3 || !digits(text, i + 1, 2)) {
                    return false;
                }
                i += 3;
                if (i < n && (text.charAt(i) == '.' || text.charAt(i) == ',')) {
                    int end = i + 1;
                    while (end < n && end - i <= 9 && isDigit(text.charAt(end))) {
                        end++;
                    }
                    if (end == i + 1) {
                        return false;
                    }
                    i = end;
                }
            }
        }
        if (i == n) {
            return true;
        }
        char zone = text.charAt(i);
        if (zone == 'Z' || zone == 'z') {
            return i + 1 == n;
        }
        if (zone != '+' && zone != '-' || n < i + 3 || !digits(text, i + 1, 2)) {
            return false;
        }
        i += 3;
        if (i < n && text.charAt(i) == ':') {
            i++;
        }
        return i == n && text.charAt(i - 1) != ':' || n == i + 2 && digits(text, i, 2);
    }

    private static boolean digits(String text, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static ApiError invalid(String field, String message) {
        return ApiError.forField(400, "invalid_event", field, message);
    }
}
