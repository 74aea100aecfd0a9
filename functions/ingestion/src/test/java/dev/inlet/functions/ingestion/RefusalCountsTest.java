package dev.inlet.functions.ingestion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.CountingDynamoDb;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The refusal counters' writes, on DynamoDB Local. */
class RefusalCountsTest {

    private static AdminFixture fixture;
    private static CountingDynamoDb dynamo;
    private static SourceStatsRepository stats;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(RefusalCountsTest.class);
        dynamo = new CountingDynamoDb(fixture.dynamo);
        stats = new SourceStatsRepository(dynamo.client(), fixture.table("SourceStatsTable"));
    }

    @BeforeEach
    void reset() {
        fixture.clock.advance(Duration.ofSeconds(10));
        dynamo.reset();
    }

    @Test
    void aRoundOfSlowWritesStopsAtItsBudgetAndTheRestWaitsForTheNext_withSlowDynamoDbStub() {
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        software.amazon.awssdk.services.dynamodb.DynamoDbClient slow =
                (software.amazon.awssdk.services.dynamodb.DynamoDbClient) java.lang.reflect.Proxy.newProxyInstance(
                        getClass().getClassLoader(),
                        new Class<?>[]{software.amazon.awssdk.services.dynamodb.DynamoDbClient.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("updateItem")) {
                                writes.incrementAndGet();
                                Thread.sleep(300); // every write as slow as its own bound allows
                            }
                            try {
                                return method.invoke(fixture.dynamo, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
        RefusalCounts counts = new RefusalCounts(Optional.of(new SourceStatsRepository(slow,
                fixture.table("SourceStatsTable"))), fixture.clock);
        String hour = SourceStatsRepository.hourOf(fixture.clock.instant());
        for (int i = 0; i < 10; i++) {
            counts.count(Optional.of("wk_slow_" + i), "invalid_event", 1);
        }
        counts.flushIfDue();
        assertEquals(2, writes.get(), "the third write would start past the 500 ms budget");

        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        counts.flushIfDue();
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        counts.flushIfDue();
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        counts.flushIfDue();
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        counts.flushIfDue();
        assertEquals(10, writes.get(), "two a round: every count written in five rounds, none lost");
        for (int i = 0; i < 10; i++) {
            assertEquals(Map.of("invalid_payload", 1L), refused("wk_slow_" + i, hour), "wk_slow_" + i);
        }
    }

    @Test
    void aLoneRefusalIsWrittenAtOnceAndAFloodOnceASecond() {
        RefusalCounts counts = new RefusalCounts(Optional.of(stats), fixture.clock);
        String hour = SourceStatsRepository.hourOf(fixture.clock.instant());
        counts.count(Optional.of("wk_alone"), "invalid_event", 1);
        counts.flushIfDue();
        assertEquals(1, dynamo.calls("updateItem"), "the first refusal is written by its own request");
        assertEquals(Map.of("invalid_payload", 1L), refused("wk_alone", hour));

        for (int i = 0; i < 100; i++) {
            counts.count(Optional.of("wk_alone"), "rate_limited", 3);
            counts.flushIfDue();
        }
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY.minusMillis(1));
        counts.flushIfDue();
        assertEquals(1, dynamo.calls("updateItem"), "within the second: summed in memory, not written");
        assertEquals(Map.of("invalid_payload", 1L), refused("wk_alone", hour));

        fixture.clock.advance(Duration.ofMillis(1));
        counts.flushIfDue();
        assertEquals(2, dynamo.calls("updateItem"), "one write for the second's 100 refusals");
        assertEquals(Map.of("invalid_payload", 1L, "rate_limited", 300L), refused("wk_alone", hour),
                "refused events: 3 per request");
        counts.flushIfDue();
        assertEquals(2, dynamo.calls("updateItem"), "nothing left to write");
    }

    @Test
    void eventsThatCouldNotBeReadCountOnce() {
        RefusalCounts counts = new RefusalCounts(Optional.of(stats), fixture.clock);
        String hour = SourceStatsRepository.hourOf(fixture.clock.instant());
        counts.count(Optional.empty(), "payload_too_large", 0);
        counts.count(Optional.of("wk_unread"), "invalid_json", 1);
        long before = refused(RefusalCounts.UNATTRIBUTED, hour).getOrDefault("payload_too_large", 0L);
        counts.flushIfDue();
        assertEquals(Map.of("invalid_payload", 1L), refused("wk_unread", hour));
        assertEquals(before + 1, refused(RefusalCounts.UNATTRIBUTED, hour).get("payload_too_large"));
    }

    @Test
    void aRoundWritesTheOldestSourcesFirstAndLeavesTheRestForTheNextSecond() {
        RefusalCounts counts = new RefusalCounts(Optional.of(stats), fixture.clock);
        int sources = RefusalCounts.MAX_WRITES_PER_FLUSH + 5;
        String hour = SourceStatsRepository.hourOf(fixture.clock.instant()); // the hour the refusals count in
        for (int i = 0; i < sources; i++) {
            counts.count(Optional.of("wk_flush_" + i), "rate_limited", 1);
            counts.count(Optional.of("wk_flush_" + i), "invalid_event", 2);
        }
        counts.flushIfDue();
        assertEquals(RefusalCounts.MAX_WRITES_PER_FLUSH, dynamo.calls("updateItem"), "one write per source, capped");
        for (int i = 0; i < sources; i++) {
            assertEquals(i < RefusalCounts.MAX_WRITES_PER_FLUSH, !refused("wk_flush_" + i, hour).isEmpty(),
                    "the oldest first: wk_flush_" + i);
        }
        counts.count(Optional.of("wk_flush_0"), "rate_limited", 1); // waits behind the five left over
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        counts.flushIfDue();
        assertEquals(sources + 1, dynamo.calls("updateItem"), "the rest at the next round");

        for (int i = 0; i < sources; i++) {
            assertEquals(Map.of("rate_limited", i == 0 ? 2L : 1L, "invalid_payload", 2L),
                    refused("wk_flush_" + i, hour), "wk_flush_" + i);
        }
    }

    @Test
    void aFailedWriteIsKeptForTheNextRound_withInjectedDynamoDbFault() {
        RefusalCounts counts = new RefusalCounts(Optional.of(stats), fixture.clock);
        String hour = SourceStatsRepository.hourOf(fixture.clock.instant());
        dynamo.failWith(new RuntimeException("injected: unavailable"), "updateItem");
        counts.count(Optional.of("wk_retry"), "origin_not_allowed", 1);
        counts.flushIfDue();
        dynamo.heal();
        assertTrue(refused("wk_retry", hour).isEmpty());
        counts.count(Optional.of("wk_retry"), "origin_not_allowed", 1);
        fixture.clock.advance(RefusalCounts.FLUSH_EVERY);
        counts.flushIfDue();
        assertEquals(Map.of("origin_not_allowed", 2L), refused("wk_retry", hour));
    }

    private static Map<String, Long> refused(String sourceId, String hour) {
        return stats.hours(sourceId, hour, hour).getFirst().refused();
    }
}
