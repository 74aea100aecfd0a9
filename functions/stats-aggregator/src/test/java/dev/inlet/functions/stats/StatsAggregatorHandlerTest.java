package dev.inlet.functions.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.NewSource;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceService;
import dev.inlet.common.source.SourceType;
import dev.inlet.common.store.Attributes;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.testing.AdminFixture;
import dev.inlet.common.testing.CountingDynamoDb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/** The stream aggregator against DynamoDB Local, fed stream records shaped as Lambda delivers them. */
class StatsAggregatorHandlerTest {

    private static AdminFixture fixture;
    private static CountingDynamoDb dynamo;
    private static StatsAggregatorHandler handler;
    private static SourceService sources;
    private static long sequence = 100_000_000_000_000_000L;

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(StatsAggregatorHandlerTest.class);
        dynamo = new CountingDynamoDb(fixture.dynamo);
        handler = new StatsAggregatorHandler(dynamo.client(), fixture.environmentFor("StatsAggregatorFunction"));
        sources = fixture.servicesFor("SourcesFunction").sourceService();
    }

    @Test
    void countsPerSourceAndHourWithOneWritePerGroupAndMovesLastEventForward() {
        String a = newSource();
        String b = newSource();
        Instant now = fixture.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(1800);
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            records.add(insert(a, now.minus(Duration.ofMinutes(i))));
        }
        records.add(insert(a, now.minus(Duration.ofHours(2))));
        records.add(insert(b, now.minusSeconds(30)));
        records.add(modify(b, now)); // overwrites of retried requests are not new events
        dynamo.reset();
        StreamsEventResponse response = handler.handleRequest(event(records), null);
        assertTrue(response.getBatchItemFailures().isEmpty());
        assertEquals(3 + 2, dynamo.calls("updateItem"), "one ADD per (source, hour) and one SET per source (no key ids here)");

        assertEquals(6, volume(a));
        assertEquals(1, volume(b));
        assertEquals(Attributes.sortable(now), lastEvent(a));

        handler.handleRequest(event(List.of(insert(a, now.minus(Duration.ofHours(1))))), null);
        assertEquals(7, volume(a));
        assertEquals(Attributes.sortable(now), lastEvent(a), "an older event never moves last_event_at back");

        handler.handleRequest(event(List.of(insert(a, now.minus(Duration.ofHours(30))))), null);
        assertEquals(7, volume(a), "outside the last 24 hours");
    }

    @Test
    void aFailedWriteReportsTheEarliestUnappliedRecord_withInjectedDynamoDbFault() {
        String a = newSource();
        Instant now = fixture.clock.instant();
        DynamodbEvent.DynamodbStreamRecord first = insert(a, now);
        DynamodbEvent.DynamodbStreamRecord second = insert(a, now);
        dynamo.failWith(DynamoDbException.builder().message("injected throttling").statusCode(400).build(),
                "updateItem");
        StreamsEventResponse response = handler.handleRequest(event(List.of(first, second)), null);
        dynamo.heal();
        assertEquals(List.of(first.getDynamodb().getSequenceNumber()),
                response.getBatchItemFailures().stream().map(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                        .toList());
        handler.handleRequest(event(List.of(first, second)), null); // Lambda re-delivers from the reported record
        assertEquals(2, volume(a));
    }

    @Test
    void keysCountRequestsNotEventsAndRecordTheirLastUse() {
        String a = newSource();
        Instant now = fixture.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(600);
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(withKey(insert(a, now), "key_one", i == 0)); // one batch request of three events
        }
        records.add(withKey(insert(a, now.plusSeconds(5)), "key_one", true));
        records.add(withKey(insert(a, now.minusSeconds(5)), "key_two", true));
        handler.handleRequest(event(records), null);
        SourceStatsRepository stats = new SourceStatsRepository(fixture.dynamo, fixture.table("SourceStatsTable"));
        assertEquals(2, stats.keyRequestsInLast24Hours(a, "key_one", now));
        assertEquals(1, stats.keyRequestsInLast24Hours(a, "key_two", now));
        assertEquals(now.plusSeconds(5), stats.lastUsedAt(a, "key_one").orElseThrow());
        assertEquals(5, stats.acceptedInLast24Hours(a, now), "key slots never leak into the hourly totals");
    }

    private static DynamodbEvent.DynamodbStreamRecord withKey(DynamodbEvent.DynamodbStreamRecord record, String keyId,
                                                              boolean requestHead) {
        record.getDynamodb().getNewImage().put("key_id", new AttributeValue().withS(keyId));
        if (requestHead) {
            record.getDynamodb().getNewImage().put("request_head", new AttributeValue().withBOOL(true));
        }
        return record;
    }

    @Test
    void theDebuggerGetsTheNewestEventsOfEachSourceAndTypeFromABatch() {
        String a = newSource();
        Instant now = fixture.clock.instant();
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            records.add(withEvent(insert(a, now.plusMillis(i)), "t-" + i, "track"));
        }
        records.add(withEvent(insert(a, now), "i-0", "identify"));
        records.add(withEvent(insert(a, now.plusMillis(1)), "i-1", "identify"));
        dynamo.reset();
        assertTrue(handler.handleRequest(event(records), null).getBatchItemFailures().isEmpty());
        assertEquals(1, dynamo.calls("batchWriteItem"), "7 entries, one batch");

        var entries = debugger().recent(a, Optional.empty(), Optional.empty(), 50, Optional.empty(), now).items();
        assertEquals(List.of("t-11", "t-10", "t-9", "t-8", "t-7", "i-1", "i-0"),
                entries.stream().map(DebugSample::id).toList(),
                "the newest " + AcceptedSamples.PER_SOURCE_AND_TYPE + " per type: a rare type is not drowned");
        DebugSample.Accepted newest = (DebugSample.Accepted) entries.get(0);
        assertEquals("{\"messageId\":\"t-11\"}", newest.payloadJson());
        assertEquals("key_one", newest.keyId());
    }

    @Test
    void aFailedDebuggerWriteNeitherFailsNorRepeatsTheBatch_withInjectedDynamoDbFault() {
        String a = newSource();
        dynamo.failWith(DynamoDbException.builder().message("injected throttling").statusCode(400).build(),
                "batchWriteItem");
        StreamsEventResponse response = handler.handleRequest(event(List.of(
                withEvent(insert(a, fixture.clock.instant()), "m-1", "track"))), null);
        dynamo.heal();
        assertTrue(response.getBatchItemFailures().isEmpty(), "a re-delivery would count the events again");
        assertEquals(1, volume(a));
    }

    private static dev.inlet.common.store.DebugSampleRepository debugger() {
        return new dev.inlet.common.store.DebugSampleRepository(fixture.dynamo, fixture.table("DebuggerTable"));
    }

    private static DynamodbEvent.DynamodbStreamRecord withEvent(DynamodbEvent.DynamodbStreamRecord record,
                                                                String messageId, String type) {
        Map<String, AttributeValue> image = record.getDynamodb().getNewImage();
        image.put("message_id", new AttributeValue().withS(messageId));
        image.put("type", new AttributeValue().withS(type));
        image.put("payload", new AttributeValue().withS("{\"messageId\":\"" + messageId + "\"}"));
        image.put("request_id", new AttributeValue().withS("req-" + messageId));
        return withKey(record, "key_one", true);
    }

    @Test
    void recordsWithoutAttributionAreSkippedNotFatal() {
        DynamodbEvent.DynamodbStreamRecord broken = insert("wk_x", fixture.clock.instant());
        broken.getDynamodb().getNewImage().remove("source_id");
        assertTrue(handler.handleRequest(event(List.of(broken)), null).getBatchItemFailures().isEmpty());
    }

    private static long volume(String sourceId) {
        return sources.volumeLast24Hours(sources.get(Principal.root(), sourceId)).orElseThrow();
    }

    private static String lastEvent(String sourceId) {
        return fixture.dynamo.getItem(r -> r.tableName(fixture.table("SourcesTable"))
                .key(Map.of("id", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(sourceId))))
                .item().get("last_event_at").s();
    }

    private static String newSource() {
        return sources.create(Principal.root(), new NewSource("Stats", SourceType.SERVER, SourceEnvironment.PRODUCTION,
                Optional.empty(), Optional.empty(), Optional.empty(), EventType.all(), List.of(), Optional.empty()))
                .source().id();
    }

    private static DynamodbEvent event(List<DynamodbEvent.DynamodbStreamRecord> records) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    private static DynamodbEvent.DynamodbStreamRecord insert(String sourceId, Instant receivedAt) {
        return record("INSERT", sourceId, receivedAt);
    }

    private static DynamodbEvent.DynamodbStreamRecord modify(String sourceId, Instant receivedAt) {
        return record("MODIFY", sourceId, receivedAt);
    }

    private static DynamodbEvent.DynamodbStreamRecord record(String name, String sourceId, Instant receivedAt) {
        Map<String, AttributeValue> image = new java.util.HashMap<>();
        image.put("source_id", new AttributeValue().withS(sourceId));
        image.put("received_at", new AttributeValue().withS(Attributes.sortable(receivedAt)));
        image.put("event_key", new AttributeValue().withS(sourceId + "#" + sequence));
        StreamRecord stream = new StreamRecord();
        stream.setNewImage(image);
        stream.setSequenceNumber(Long.toString(sequence++));
        DynamodbEvent.DynamodbStreamRecord record = new DynamodbEvent.DynamodbStreamRecord();
        record.setEventName(name);
        record.setDynamodb(stream);
        return record;
    }
}
