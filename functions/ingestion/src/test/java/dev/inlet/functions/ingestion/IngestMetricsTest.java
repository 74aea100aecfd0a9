package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.http.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.lambda.powertools.metrics.provider.EmfMetricsProvider;

class IngestMetricsTest {

    /** The tracking API's refusal codes and statuses, as README's ingestion error table lists them. */
    private static final Map<String, Integer> REFUSALS = Map.ofEntries(
            Map.entry("invalid_json", 400), Map.entry("invalid_event", 400), Map.entry("invalid_encoding", 400),
            Map.entry("unauthorized", 401), Map.entry("key_expired", 401), Map.entry("key_revoked", 401),
            Map.entry("source_disabled", 403), Map.entry("event_type_not_allowed", 403),
            Map.entry("origin_not_allowed", 403), Map.entry("rate_limited", 429),
            Map.entry("batch_exceeds_burst", 413), Map.entry("payload_too_large", 413),
            Map.entry("unsupported_media_type", 415));

    private final RecordingMetrics recorded = new RecordingMetrics();
    private final IngestMetrics metrics = new IngestMetrics(recorded, Map.of());

    @Test
    void aRefusalCarriesItsReasonAsASecondDimensionSet() {
        metrics.record(null, 400, "invalid_json", 0, 1, 3, 0);
        metrics.record(null, 413, "batch_exceeds_burst", 0, 40, 3, 0);
        metrics.record(null, 401, "key_revoked", 0, 2, 3, 2);
        assertEquals(List.of("Reason=invalid_payload Outcome=invalid_json Requests=1.0 RefusedEvents=1.0",
                "Reason=payload_too_large Outcome=batch_exceeds_burst Requests=1.0 RefusedEvents=40.0",
                "Reason=unauthorized Outcome=key_revoked Requests=1.0 RefusedEvents=2.0 DynamoDbRetries=2.0"),
                recorded.flushedWithoutLatency());
    }

    /**
     * What the alarms rely on, with Powertools' real EMF output (surefire sets AWS_EMF_ENVIRONMENT=Local, so it
     * prints): each dimension is a dimension set of its own, Reason among them, in one line.
     */
    @Test
    void powertoolsPrintsOutcomeAndReasonAsDimensionSetsOfTheirOwnInOneLine() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            new IngestMetrics(new EmfMetricsProvider().getMetricsInstance(), Map.of()).record(null, 415,
                    "unsupported_media_type", 0, 1, 3, 0);
        } finally {
            System.setOut(original);
        }
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains("\"_aws\"")).toList();
        assertEquals(1, lines.size(), printed.toString(StandardCharsets.UTF_8));
        JsonNode line = Json.parse(lines.getFirst());
        JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
        assertEquals("Inlet", directive.get("Namespace").asText());
        Set<String> sets = new TreeSet<>();
        directive.get("Dimensions").forEach(set -> sets.add(set.toString()));
        assertEquals(Set.of("[\"Service\"]", "[\"Outcome\"]", "[\"Reason\"]"), sets, directive.toString());
        assertEquals("invalid_payload", line.get("Reason").asText());
        assertEquals("unsupported_media_type", line.get("Outcome").asText());
        assertEquals(1.0, line.get("Requests").asDouble());
        assertEquals(1.0, line.get("RefusedEvents").asDouble());
    }

    @Test
    void answersThatAreNoRefusalHaveNoReason() {
        metrics.record(null, 200, IngestMetrics.ACCEPTED, 2, 0, 3, 0);
        metrics.record(null, 204, IngestMetrics.PREFLIGHT, 0, 0, 1, 0);
        metrics.record(null, 404, "route_not_found", 0, 0, 1, 0);
        metrics.record(null, 503, "storage_unavailable", 0, 5, 1, 0);
        metrics.record(null, 500, "internal_error", 0, 0, 1, 0);
        assertEquals(List.of("Outcome=accepted Requests=1.0 AcceptedEvents=2.0", "Outcome=preflight Requests=1.0",
                "Outcome=route_not_found Requests=1.0", "Outcome=storage_unavailable Requests=1.0 RefusedEvents=5.0",
                "Outcome=internal_error Requests=1.0"), recorded.flushedWithoutLatency());
    }

    @Test
    void everyRefusalCodeMapsOntoOneOfTheEightReasonsAndEachReasonIsReached() {
        Set<String> reached = new TreeSet<>();
        REFUSALS.forEach((code, status) -> {
            String reason = IngestMetrics.reasonOf(status, code);
            assertTrue(IngestMetrics.REASONS.contains(reason), code + " -> " + reason);
            reached.add(reason);
        });
        assertEquals(new TreeSet<>(IngestMetrics.REASONS), reached, "no reason the alarms watch is unreachable");
        // A code added later still lands on a bounded value (the statistics' default), never a new dimension value.
        assertEquals("invalid_payload", IngestMetrics.reasonOf(400, "some_future_code"));
        assertNull(IngestMetrics.reasonOf(200, "accepted"));
    }

    @Test
    void theReasonsAreExactlyWhatTheStatisticsCount() {
        Set<String> mapped = new TreeSet<>();
        REFUSALS.keySet().forEach(code -> mapped.add(RefusalCounts.reason(code)));
        assertEquals(new TreeSet<>(IngestMetrics.REASONS), mapped);
    }
}
