package dev.inlet.common.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.testing.AdminFixture;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/**
 * {@link EventStore} against DynamoDB Local when a call fails although its write may have landed (a 500 or a timeout
 * after DynamoDB applied it): the store reads the events back before anything is answered. The faults come from a
 * proxy in front of DynamoDB Local that lets a call through and then throws (landed), or throws without calling.
 */
class EventStoreReadBackTest {

    private static final Duration BUDGET = Duration.ofSeconds(3);
    private static AdminFixture fixture;
    private static final AtomicLong SOURCES = new AtomicLong();

    @BeforeAll
    static void setUp() {
        fixture = new AdminFixture(EventStoreReadBackTest.class);
    }

    enum Fault { NONE, LANDS_THEN_500, THROTTLED }

    /** DynamoDB Local behind faults chosen per operation; counts calls per operation. */
    private static final class FaultyDynamo {
        final Map<String, Fault> faults = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        /** Calls of an operation let through without fault before the fault applies (-1: always faulted). */
        final Map<String, AtomicInteger> cleanFirst = new ConcurrentHashMap<>();
        final DynamoDbClient client = (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[]{DynamoDbClient.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class || Set.of("close", "serviceName",
                            "serviceClientConfiguration").contains(method.getName())) {
                        return method.invoke(fixture.dynamo, args);
                    }
                    calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
                    AtomicInteger clean = cleanFirst.get(method.getName());
                    Fault fault = clean != null && clean.getAndDecrement() > 0 ? Fault.NONE
                            : faults.getOrDefault(method.getName(), Fault.NONE);
                    if (fault == Fault.THROTTLED) {
                        throw ProvisionedThroughputExceededException.builder().message("injected").statusCode(400)
                                .awsErrorDetails(AwsErrorDetails.builder()
                                        .errorCode("ProvisionedThroughputExceededException").build())
                                .build();
                    }
                    Object result;
                    try {
                        result = method.invoke(fixture.dynamo, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (fault == Fault.LANDS_THEN_500) {
                        throw DynamoDbException.builder().message("injected after the write").statusCode(500)
                                .build();
                    }
                    return result;
                });

        int calls(String operation) {
            AtomicInteger n = calls.get(operation);
            return n == null ? 0 : n.get();
        }

        EventStore store() {
            return new EventStore(client, fixture.table("EventsTable"));
        }
    }

    private static List<StoredEvent> events(String source, int n) {
        List<StoredEvent> events = new ArrayList<>();
        Instant now = fixture.clock.instant();
        for (int i = 0; i < n; i++) {
            events.add(new StoredEvent(source, "prj_1", "key_1", "req", i == 0, "m" + i, "track", now, "{}",
                    now.plus(Duration.ofDays(1))));
        }
        return events;
    }

    private static String newSource() {
        return "src_readback_" + SOURCES.incrementAndGet();
    }

    private static int stored(String source, int n) {
        int found = 0;
        for (int i = 0; i < n; i++) {
            String key = source + "#m" + i;
            found += fixture.dynamo.getItem(b -> b.tableName(fixture.table("EventsTable")).consistentRead(true)
                    .key(Map.of("event_key", AttributeValue.fromS(key)))).hasItem() ? 1 : 0;
        }
        return found;
    }

    @Test
    void anAcceptedWriteReadsNothing_withInjectedDynamoDbFault() {
        FaultyDynamo dynamo = new FaultyDynamo();
        String source = newSource();
        dynamo.store().write(events(source, 30), BUDGET);
        dynamo.store().write(events(newSource(), 1), BUDGET);
        assertEquals(30, stored(source, 30));
        assertEquals(0, dynamo.calls("batchGetItem") + dynamo.calls("getItem"), "the happy path makes no read");
    }

    @Test
    void aPutThatLandedBeforeItsCallFailedIsConfirmedByTheReadBackNotRefused_withInjectedDynamoDbFault() {
        FaultyDynamo dynamo = new FaultyDynamo();
        dynamo.faults.put("putItem", Fault.LANDS_THEN_500);
        String source = newSource();
        dynamo.store().write(events(source, 1), BUDGET); // returns: the event is stored, so a 200 is honest
        assertEquals(1, stored(source, 1));
        assertEquals(1, dynamo.calls("putItem"), "found stored: not written again");
        assertEquals(1, dynamo.calls("batchGetItem"));
    }

    @Test
    void aBatchWhoseCallsLandButFailIsCompletedChunkByChunk_withInjectedDynamoDbFault() {
        FaultyDynamo dynamo = new FaultyDynamo();
        dynamo.faults.put("batchWriteItem", Fault.LANDS_THEN_500);
        String source = newSource();
        // The first chunk of 25 lands and fails, so the second is never sent; the read-back finds 25 and the
        // missing 5 are written again (landing, failing, confirmed by the next read-back).
        dynamo.store().write(events(source, 30), BUDGET);
        assertEquals(30, stored(source, 30));
        assertEquals(2, dynamo.calls("batchWriteItem"));
        assertEquals(2, dynamo.calls("batchGetItem"));
    }

    @Test
    void whatCannotBeWrittenInTheBudgetIsReportedWithHowManyAreStored_withInjectedDynamoDbFault() {
        FaultyDynamo dynamo = new FaultyDynamo();
        dynamo.faults.put("batchWriteItem", Fault.THROTTLED);
        dynamo.cleanFirst.put("batchWriteItem", new AtomicInteger(1)); // the first chunk gets in, then throttling
        String source = newSource();
        StorageUnavailable outage = assertThrows(StorageUnavailable.class,
                () -> dynamo.store().write(events(source, 30), Duration.ofMillis(600)));
        assertEquals(30, outage.total());
        assertEquals(25, outage.confirmedStored().getAsInt(), outage.getMessage());
        assertEquals(25, stored(source, 30));

        FaultyDynamo nothing = new FaultyDynamo();
        nothing.faults.put("putItem", Fault.THROTTLED);
        String other = newSource();
        StorageUnavailable none = assertThrows(StorageUnavailable.class,
                () -> nothing.store().write(events(other, 1), Duration.ofMillis(600)));
        assertEquals(0, none.confirmedStored().getAsInt());
        assertEquals(0, stored(other, 1));
    }

    @Test
    void whenTheReadBackFailsTooTheOutcomeIsUnknownNeverA500_withInjectedDynamoDbFault() {
        FaultyDynamo dynamo = new FaultyDynamo();
        dynamo.faults.put("putItem", Fault.LANDS_THEN_500);
        dynamo.faults.put("batchGetItem", Fault.THROTTLED);
        String source = newSource();
        StorageUnavailable outage = assertThrows(StorageUnavailable.class,
                () -> dynamo.store().write(events(source, 1), Duration.ofMillis(600)));
        assertTrue(outage.confirmedStored().isEmpty(), "unknown: it may be stored");
        assertEquals(1, stored(source, 1), "and indeed it is");

        FaultyDynamo denied = new FaultyDynamo(); // e.g. a role without dynamodb:BatchGetItem
        denied.faults.put("putItem", Fault.LANDS_THEN_500);
        denied.faults.put("batchGetItem", Fault.NONE);
        DynamoDbClient deniedReads = (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[]{DynamoDbClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("batchGetItem")) {
                        throw DynamoDbException.builder().message("injected: access denied").statusCode(400).build();
                    }
                    try {
                        return method.invoke(denied.client, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        StorageUnavailable unknown = assertThrows(StorageUnavailable.class, () -> new EventStore(deniedReads,
                fixture.table("EventsTable")).write(events(newSource(), 1), Duration.ofMillis(600)));
        assertTrue(unknown.confirmedStored().isEmpty());
    }
}
