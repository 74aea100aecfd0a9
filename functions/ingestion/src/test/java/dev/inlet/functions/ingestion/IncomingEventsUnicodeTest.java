package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lone surrogates — a high surrogate without its low half, or a low one alone, which JSON lets a client escape but
 * which are no Unicode and which DynamoDB refuses — are a 400 invalid_event naming the field, in values and names,
 * at any depth, in single and batch calls.
 */
class IncomingEventsUnicodeTest {

    private static final String HIGH = "\\ud800";
    private static final String LOW = "\\udfff";

    @Test
    void aLoneSurrogateInAnEventFieldIsRefusedNamingTheField() {
        assertRefused(CallType.TRACK, "{\"userId\":\"u" + HIGH + "\",\"event\":\"e\"}", "userId");
        assertRefused(CallType.TRACK, "{\"userId\":\"u\",\"event\":\"" + LOW + "x\"}", "event");
        assertRefused(CallType.TRACK, "{\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"m" + HIGH + "\"}",
                "messageId");
        // Reversed pair: a low surrogate then a high one is two lone ones.
        assertRefused(CallType.TRACK, "{\"userId\":\"u\",\"event\":\"e" + LOW + HIGH + "\"}", "event");
    }

    @Test
    void aLoneSurrogateDeepInPropertiesOrInAFieldNameIsRefused() {
        assertRefused(CallType.TRACK, "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"a\":[1,{\"b\":\""
                + HIGH + "\"}]}}", "properties");
        assertRefused(CallType.TRACK, "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"k" + LOW + "\":1}}",
                "properties");
        assertRefused(CallType.IDENTIFY, "{\"userId\":\"u\",\"tr" + HIGH + "aits\":{}}", "event");
    }

    @Test
    void inABatchTheEventIsNamedAndASharedContextCountsForEveryEvent() {
        assertRefused(CallType.BATCH, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"},"
                + "{\"type\":\"page\",\"userId\":\"u\",\"name\":\"" + HIGH + "\"}]}", "batch[1].name");
        assertRefused(CallType.BATCH, "{\"context\":{\"ip\":\"" + LOW + "\"},\"batch\":[{\"type\":\"track\","
                + "\"userId\":\"u\",\"event\":\"e\"}]}", "batch[0].context");
        assertRefused(CallType.BATCH, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\","
                + "\"x" + HIGH + "\":1}]}", "batch[0]");
    }

    @Test
    void pairedSurrogatesAndOtherUnicodeAreAccepted() {
        List<IncomingEvents.Event> events = IncomingEvents.read(CallType.TRACK, Json.parse(
                "{\"userId\":\"u\",\"event\":\"\\ud83c\\udf89 🎉 ü \\u0000 \\u202e\",\"properties\":{\"🎉\":\"\\ud83c\\udf89\"}}"));
        assertEquals("🎉 🎉 ü \u0000 \u202e", events.getFirst().payload().get("event").asText());
    }

    private static void assertRefused(CallType call, String json, String field) {
        ApiError error = assertThrows(ApiError.class, () -> IncomingEvents.read(call, Json.parse(json)), json);
        assertEquals(400, error.status(), json);
        assertEquals("invalid_event", error.code(), json);
        assertEquals(field, error.field().orElse(null), json);
    }
}
