package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.CountingDynamoDb;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The refusal counters' writes, on DynamoDB Local. */
class RefusalCountsTest {

    @Test
    void aFlushWritesAFewSourcesAndLeavesTheRestForTheNextOne() {
        AdminFixture fixture = new AdminFixture(RefusalCountsTest.class);
        CountingDynamoDb dynamo = new CountingDynamoDb(fixture.dynamo);
        SourceStatsRepository stats = new SourceStatsRepository(dynamo.client(), fixture.table("SourceStatsTable"));
        RefusalCounts counts = new RefusalCounts(Optional.of(stats), fixture.clock);
        int sources = RefusalCounts.MAX_WRITES_PER_FLUSH + 5;
        String hour = SourceStatsRepository.hourOf(fixture.clock.instant()); // the hour the refusals count in
        for (int i = 0; i < sources; i++) {
            counts.count(Optional.of("wk_flush_" + i), "rate_limited");
            counts.count(Optional.of("wk_flush_" + i), "invalid_event");
        }
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        counts.flushIfDue();
        assertEquals(RefusalCounts.MAX_WRITES_PER_FLUSH, dynamo.calls("updateItem"), "one write per source, capped");
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        counts.flushIfDue();
        assertEquals(sources, dynamo.calls("updateItem"), "the rest at the next flush");

        for (int i = 0; i < sources; i++) {
            var refused = stats.hours("wk_flush_" + i, hour, hour).getFirst().refused();
            assertEquals(1L, refused.get("rate_limited"), "wk_flush_" + i);
            assertEquals(1L, refused.get("invalid_payload"), "wk_flush_" + i);
        }
    }
}
