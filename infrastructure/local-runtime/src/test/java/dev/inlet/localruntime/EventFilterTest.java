package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The subset of Lambda event filtering the local runtime evaluates, and its refusal of the rest. */
class EventFilterTest {

    private static final Map<String, Object> INSERT = Map.of(
            "eventName", "INSERT",
            "eventSource", "aws:dynamodb",
            "dynamodb", Map.of(
                    "Keys", Map.of("event_key", Map.of("S", "src_1#m1")),
                    "NewImage", Map.of("type", Map.of("S", "track"), "count", Map.of("N", "5"),
                            "tags", Map.of("SS", List.of("a", "b"))),
                    "SizeBytes", 120L));

    private static boolean matches(String... patterns) {
        return EventFilter.compile("Test", List.of(patterns)).matches(INSERT);
    }

    @Test
    void noPatternLetsEverythingThrough() {
        assertTrue(EventFilter.compile("Test", List.of()).matches(Map.of()));
    }

    @Test
    void exactValuesOnTopLevelAndNestedKeys() {
        assertTrue(matches("{\"eventName\": [\"INSERT\"]}"));
        assertTrue(matches("{\"eventName\": [\"MODIFY\", \"INSERT\"]}"));
        assertFalse(matches("{\"eventName\": [\"MODIFY\"]}"));
        assertTrue(matches("{\"eventName\": [\"INSERT\"], \"dynamodb\": {\"NewImage\": {\"type\": {\"S\": [\"track\"]}}}}"));
        assertFalse(matches("{\"eventName\": [\"INSERT\"], \"dynamodb\": {\"NewImage\": {\"type\": {\"S\": [\"page\"]}}}}"));
        assertTrue(matches("{\"dynamodb\": {\"NewImage\": {\"tags\": {\"SS\": [\"b\"]}}}}"), "any element of a list");
        assertTrue(matches("{\"dynamodb\": {\"SizeBytes\": [120]}}"));
        assertFalse(matches("{\"dynamodb\": {\"NewImage\": {\"count\": {\"N\": [5]}}}}"), "the string \"5\" is no number");
        assertTrue(matches("{\"dynamodb\": {\"NewImage\": {\"count\": {\"N\": [\"5\"]}}}}"));
        assertFalse(matches("{\"dynamodb\": {\"OldImage\": {\"type\": {\"S\": [\"track\"]}}}}"), "absent keys never equal");
    }

    @Test
    void patternsAreAlternatives() {
        assertTrue(matches("{\"eventName\": [\"REMOVE\"]}", "{\"eventName\": [\"INSERT\"]}"));
        assertFalse(matches("{\"eventName\": [\"REMOVE\"]}", "{\"eventSource\": [\"aws:kinesis\"]}"));
    }

    @Test
    void operators() {
        assertTrue(matches("{\"eventSource\": [{\"prefix\": \"aws:\"}]}"));
        assertTrue(matches("{\"eventSource\": [{\"suffix\": \"dynamodb\"}]}"));
        assertTrue(matches("{\"eventName\": [{\"equals-ignore-case\": \"insert\"}]}"));
        assertTrue(matches("{\"eventName\": [{\"anything-but\": [\"REMOVE\", \"MODIFY\"]}]}"));
        assertFalse(matches("{\"eventName\": [{\"anything-but\": \"INSERT\"}]}"));
        assertTrue(matches("{\"dynamodb\": {\"OldImage\": [{\"exists\": false}]}}"));
        assertFalse(matches("{\"dynamodb\": {\"NewImage\": [{\"exists\": false}]}}"));
        assertTrue(matches("{\"dynamodb\": {\"NewImage\": {\"type\": [{\"exists\": true}]}}}"));
    }

    @Test
    void numbersCompareByValue() {
        assertTrue(EventFilter.compile("Test", List.of("{\"n\": [1.50]}")).matches(Map.of("n", new BigDecimal("1.5"))));
    }

    @Test
    void whatCannotBeEvaluatedFailsAtCompileTime() {
        for (String pattern : List.of("{\"dynamodb\": {\"SizeBytes\": [{\"numeric\": [\">\", 0]}]}}",
                "{\"eventName\": [{\"wildcard\": \"IN*\"}]}",
                "{\"eventName\": \"INSERT\"}",
                "{\"eventName\": []}",
                "{\"eventName\": [{\"prefix\": \"A\", \"suffix\": \"B\"}]}",
                "{\"eventName\": [{\"anything-but\": {\"prefix\": \"I\"}}]}",
                "[\"INSERT\"]",
                "{}",
                "{\"eventName\": [\"INSERT\"]")) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> EventFilter.compile("Fn.Stream", List.of(pattern)), pattern);
            assertTrue(refused.getMessage().startsWith("Fn.Stream: cannot evaluate filter pattern"), refused.getMessage());
        }
    }
}
