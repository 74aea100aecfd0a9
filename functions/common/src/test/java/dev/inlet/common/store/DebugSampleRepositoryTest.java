package dev.inlet.common.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.testing.AdminFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The debugger's entries on DynamoDB Local: order, filters, pagination, expiry and the item mapping. */
class DebugSampleRepositoryTest {

    private static AdminFixture fixture;
    private static DebugSampleRepository repository;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(DebugSampleRepositoryTest.class);
        repository = new DebugSampleRepository(fixture.dynamo, fixture.table("DebuggerTable"));
    }

    @Test
    void entriesComeBackNewestFirstWithEveryField() {
        String source = "wk_order";
        Instant t0 = fixture.clock.instant();
        DebugSample.Accepted accepted = accepted(source, t0, "m-1", "track");
        DebugSample.Refused refused = new DebugSample.Refused(source, t0.plusMillis(5), "req-2", 429, "rate_limited",
                "rate_limited", "3 events refused", Optional.of("{\"limit\":10}"), "inlet_live_pk_Ab12",
                Optional.of("https://app.example.com"), List.of("track", "identify"), Optional.of(3), 120,
                "{\"batch\":[…");
        DebugSample.Refused unread = new DebugSample.Refused(source, t0.plusMillis(9), "req-3", 400, "invalid_json",
                "invalid_payload", "not JSON", Optional.empty(), "inlet_live_pk_Ab12", Optional.empty(), List.of(),
                Optional.empty(), 4, "{{{{");
        assertEquals(0, repository.putAll(List.of(accepted, refused)));
        repository.put(unread, Duration.ofSeconds(1));

        Page<DebugSample> page = repository.recent(source, Optional.empty(), Optional.empty(), 10, Optional.empty(),
                t0);
        assertEquals(List.of(unread, refused, accepted), page.items(), "newest first, every field round-trips");
        assertEquals(Optional.empty(), page.next());
    }

    @Test
    void outcomeAndTypeFiltersSelectEntriesAndPagesFollowCursors() {
        String source = "wk_filters";
        Instant t0 = fixture.clock.instant();
        List<DebugSample> written = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            written.add(i % 3 == 0 ? accepted(source, t0.plusMillis(i), "m-" + i, "identify")
                    : accepted(source, t0.plusMillis(i), "m-" + i, "track"));
        }
        written.add(refused(source, t0.plusMillis(100), "r-1", List.of("identify")));
        repository.putAll(written);

        assertEquals(List.of("r-1"), ids(repository.recent(source, Optional.of("refused"), Optional.empty(), 10,
                Optional.empty(), t0)));
        List<String> identify = ids(repository.recent(source, Optional.empty(), Optional.of("identify"), 50,
                Optional.empty(), t0));
        assertEquals(List.of("r-1", "m-27", "m-24", "m-21", "m-18", "m-15", "m-12", "m-9", "m-6", "m-3", "m-0"),
                identify, "a refusal matches each type it named");

        List<String> paged = new ArrayList<>();
        Optional<Map<String, String>> cursor = Optional.empty();
        int pages = 0;
        do {
            Page<DebugSample> page = repository.recent(source, Optional.of("accepted"), Optional.of("track"), 7,
                    cursor, t0);
            page.items().forEach(sample -> paged.add(sample.id()));
            cursor = page.next();
            pages++;
        } while (cursor.isPresent());
        assertEquals(3, pages, "20 entries, 7 per page");
        assertEquals(20, paged.size());
        assertEquals("m-29", paged.get(0));
        assertEquals("m-1", paged.get(19));
        assertEquals(paged.stream().distinct().count(), paged.size(), "no entry twice across pages");
    }

    @Test
    void aCursorOfAnotherSourceIsIgnoredRatherThanReadingItsPartition() {
        Instant t0 = fixture.clock.instant();
        repository.putAll(List.of(accepted("wk_mine", t0, "mine", "track")));
        Page<DebugSample> page = repository.recent("wk_mine", Optional.empty(), Optional.empty(), 10,
                Optional.of(Map.of("source_id", "wk_other", "sample_key", "0000000000000#x")), t0);
        assertEquals(List.of("mine"), ids(page));
    }

    @Test
    void expiredEntriesAreHiddenBeforeTheTtlSweepDeletesThem() {
        String source = "wk_expiry";
        Instant t0 = fixture.clock.instant();
        repository.putAll(List.of(accepted(source, t0, "old", "track"),
                accepted(source, t0.plus(Duration.ofHours(2)), "new", "track")));
        Map<String, AttributeValue> item = DebugSampleRepository.item(accepted(source, t0, "old", "track"));
        assertEquals(t0.plus(DebugSampleRepository.RETENTION).getEpochSecond(),
                Long.parseLong(item.get(TableNames.DEBUGGER_TTL_ATTRIBUTE).n()));

        Instant later = t0.plus(DebugSampleRepository.RETENTION).plusSeconds(1);
        assertEquals(List.of("new"), ids(repository.recent(source, Optional.empty(), Optional.empty(), 10,
                Optional.empty(), later)));
    }

    @Test
    void aSparseFilterStopsAfterABoundedReadAndHandsBackACursor() {
        String source = "wk_sparse";
        Instant t0 = fixture.clock.instant();
        List<DebugSample> written = new ArrayList<>();
        written.add(refused(source, t0, "needle", List.of("alias")));
        for (int i = 1; i <= DebugSampleRepository.MAX_EVALUATED + 50; i++) {
            written.add(accepted(source, t0.plusMillis(i), "hay-" + i, "track"));
        }
        repository.putAll(written);

        Page<DebugSample> first = repository.recent(source, Optional.of("refused"), Optional.empty(), 10,
                Optional.empty(), t0);
        assertTrue(first.items().isEmpty(), "the needle lies beyond the evaluation bound");
        assertTrue(first.next().isPresent(), "…so the page is short but says where to go on");
        Page<DebugSample> second = repository.recent(source, Optional.of("refused"), Optional.empty(), 10,
                first.next(), t0);
        assertEquals(List.of("needle"), ids(second));
        assertEquals(Optional.empty(), second.next());
    }

    private static DebugSample.Accepted accepted(String source, Instant at, String messageId, String type) {
        return new DebugSample.Accepted(source, at, messageId, type, "key_1", "req-" + messageId,
                "{\"type\":\"" + type + "\",\"messageId\":\"" + messageId + "\"}");
    }

    private static DebugSample.Refused refused(String source, Instant at, String requestId, List<String> types) {
        return new DebugSample.Refused(source, at, requestId, 403, "event_type_not_allowed", "event_type_not_allowed",
                "not allowed", Optional.empty(), "inlet_live_pk_Ab12", Optional.empty(), types, Optional.of(1), 40,
                "{}");
    }

    private static List<String> ids(Page<DebugSample> page) {
        return page.items().stream().map(DebugSample::id).toList();
    }
}
