package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.inlet.common.http.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The stored payload is built from the JSON each event was validated as, not written again; it must be exactly
 * what writing the completed event gives, whatever the client sent (and whether it sent messageId or receivedAt).
 */
class StoredJsonTest {

    private static final String RECEIVED_AT = "2026-11-22T19:04:05.123456Z";

    @Test
    void theStoredJsonIsWhatWritingTheCompletedEventGives() {
        assertSameAsWritten(CallType.TRACK, "{\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"m-1\"}");
        assertSameAsWritten(CallType.TRACK, "{\"userId\":\"u\",\"event\":\"e\"}");
        // A null messageId is replaced where it stands, and so is a receivedAt the client sent.
        assertSameAsWritten(CallType.TRACK, "{\"messageId\":null,\"userId\":\"u\",\"event\":\"e\"}");
        assertSameAsWritten(CallType.TRACK, "{\"receivedAt\":\"x\",\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"m\"}");
        assertSameAsWritten(CallType.TRACK, "{\"receivedAt\":null,\"userId\":\"u\",\"event\":\"e\"}");
        assertSameAsWritten(CallType.IDENTIFY, "{\"userId\":7,\"type\":\"identify\",\"writeKey\":\"k\",\"traits\":"
                + "{\"n\\\"ame\":\"Zoë \\ud83c\\udf89 \\u0001 \\\\ </script>\",\"x\":[1.50,2e3,-0,null,true]},"
                + "\"messageId\":\"\\u00e9\\\"\"}");
        assertSameAsWritten(CallType.BATCH, "{\"context\":{\"ip\":\"1.2.3.4\"},\"sentAt\":\"2026-11-22T10:00:00Z\","
                + "\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"a\"},"
                + "{\"type\":\"page\",\"anonymousId\":\"a\",\"context\":{\"page\":\"p\"}},"
                + "{\"type\":\"group\",\"userId\":\"u\",\"groupId\":\"g\",\"messageId\":null}]}");
    }

    private static void assertSameAsWritten(CallType call, String body) {
        List<IncomingEvents.Event> events = IncomingEvents.read(call, Json.parse(body));
        for (IncomingEvents.Event event : events) {
            String messageId = event.messageId().orElse("inlet-0123456789abcdef0123456789abcdef");
            IngestService.Completed completed = IngestService.Completed.before(event);
            event.payload().put("messageId", messageId);
            event.payload().put("receivedAt", RECEIVED_AT);
            assertEquals(Json.write(event.payload()), IngestService.storedJson(completed, messageId, RECEIVED_AT),
                    body);
        }
    }
}
