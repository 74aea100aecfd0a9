package dev.inlet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

class CallCounterTest {

    private final CallCounter counter = new CallCounter(Map.of("EventsTable", "events", "RateLimitsTable", "limits",
            "SourceStatsTable", "stats", "WriteKeysTable", "keys"));

    @Test
    void countsCallsByWhatTheyAreFor() {
        counter.record("GetItem", GetItemRequest.builder().tableName("keys").build());
        counter.record("PutItem", PutItemRequest.builder().tableName("events").build());
        counter.record("BatchWriteItem", BatchWriteItemRequest.builder()
                .requestItems(Map.of("events", List.of())).build());
        counter.record("UpdateItem", UpdateItemRequest.builder().tableName("limits").build());
        counter.record("UpdateItem", UpdateItemRequest.builder().tableName("stats").build());
        counter.record("PutItem", PutItemRequest.builder().tableName("keys").build());

        assertEquals(1, counter.count(CallCounter.Kind.READ));
        assertEquals(2, counter.count(CallCounter.Kind.EVENT_WRITE), "a BatchWriteItem is one call, whatever it holds");
        assertEquals(1, counter.count(CallCounter.Kind.RATE_LIMIT_WRITE));
        assertEquals(1, counter.count(CallCounter.Kind.COUNTER_WRITE));
        assertEquals(1, counter.count(CallCounter.Kind.OTHER_WRITE));

        counter.reset();
        assertEquals(0, counter.count(CallCounter.Kind.EVENT_WRITE));
    }
}
