package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.inlet.localaws.DynamoDbLocal;
import dev.inlet.localaws.DynamoDbLocalServer;
import dev.inlet.localaws.LocalClients;

import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The injector's faults, seen through a plain SDK client against DynamoDB Local: each reaches the caller as the SDK
 * reports the real one, after the SDK's own retries, and only on the endpoint the faults are registered for.
 */
class DynamoDbFaultInjectorTest {

    private static final String TABLE = "FaultsTest";
    private static DynamoDbLocalServer server;
    private static DynamoDbClient client;
    private final DynamoDbFaults faults = new DynamoDbFaults();

    @BeforeAll
    static void startDynamoDb() {
        server = DynamoDbLocal.startServer(0, java.util.Optional.empty());
        client = LocalClients.dynamoDb(server.endpoint());
        client.createTable(t -> t.tableName(TABLE).billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S)));
    }

    @AfterAll
    static void stopDynamoDb() {
        client.close();
        server.close();
    }

    @AfterEach
    void unregister() {
        DynamoDbFaults.unregister(server.endpoint(), faults);
    }

    private void inject(DynamoDbFaults.Rule rule) {
        faults.add(rule);
        DynamoDbFaults.register(server.endpoint(), faults);
    }

    @Test
    void throttlingIsRetriedByTheSdkUntilTheCallsTimeout() {
        inject(DynamoDbFaults.always(DynamoDbFaults.Kind.THROTTLING, call -> call.operation().equals("PutItem")));
        String id = UUID.randomUUID().toString();
        // DynamoDB's retry policy backs off throttling for longer than any timeout of the ingestion path: the call
        // ends in its own timeout, or in the throttling exception once the retries are spent.
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> put(id, Duration.ofSeconds(2)));
        assertTrue(thrown instanceof ApiCallTimeoutException
                || thrown instanceof ProvisionedThroughputExceededException throttled && throttled.isThrottlingException(),
                thrown.toString());
        assertTrue(faults.injected(DynamoDbFaults.Kind.THROTTLING) > 1,
                "the SDK retried the throttled call: " + faults.injected());
        assertFalse(stored(id), "a throttled write is not applied");
    }

    @Test
    void aTransientThrottleIsAbsorbedByTheSdkRetries() {
        inject(DynamoDbFaults.times(2, DynamoDbFaults.Kind.THROTTLING, call -> call.operation().equals("PutItem")));
        String id = UUID.randomUUID().toString();
        put(id, Duration.ofSeconds(10));
        assertEquals(2, faults.injected(DynamoDbFaults.Kind.THROTTLING));
        assertTrue(stored(id));
    }

    @Test
    void internalErrorsAreUnmarshalledAndRetriedByTheSdk() {
        inject(DynamoDbFaults.always(DynamoDbFaults.Kind.INTERNAL_ERROR, call -> call.operation().equals("PutItem")));
        String id = UUID.randomUUID().toString();
        InternalServerErrorException thrown = assertThrows(InternalServerErrorException.class,
                () -> put(id, Duration.ofSeconds(10)));
        assertEquals(500, thrown.statusCode());
        assertTrue(faults.injected(DynamoDbFaults.Kind.INTERNAL_ERROR) > 1, faults.injected().toString());
        assertTrue(stored(id), "the request reached the table: a 500 does not say it was not applied");
    }

    @Test
    void aStalledAnswerEndsInTheCallsTimeout() {
        inject(DynamoDbFaults.always(DynamoDbFaults.Kind.TIMEOUT, call -> call.operation().equals("PutItem")));
        long start = System.nanoTime();
        assertThrows(ApiCallTimeoutException.class, () -> put(UUID.randomUUID().toString(), Duration.ofMillis(300)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 290 && millis < 2_000, "ended by the 300 ms call timeout, after " + millis + " ms");
        assertFalse(Thread.currentThread().isInterrupted(), "the SDK's interrupt does not leak to the caller");
        faults.clear();
        put(UUID.randomUUID().toString(), Duration.ofSeconds(5)); // the thread is still usable
    }

    @Test
    void unprocessedItemsAreReallyNotWritten() {
        inject(DynamoDbFaults.always(DynamoDbFaults.Kind.UNPROCESSED_ITEMS, call -> true));
        List<WriteRequest> items = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            items.add(WriteRequest.builder().putRequest(PutRequest.builder()
                    .item(Map.of("id", AttributeValue.fromS(id))).build()).build());
        }
        BatchWriteItemResponse response = client.batchWriteItem(b -> b.requestItems(Map.of(TABLE, items)));
        List<WriteRequest> unprocessed = response.unprocessedItems().get(TABLE);
        assertTrue(unprocessed.size() >= 1 && unprocessed.size() <= 9, "some, never all: " + unprocessed.size());
        Set<String> notWritten = new HashSet<>();
        unprocessed.forEach(item -> notWritten.add(item.putRequest().item().get("id").s()));
        for (String id : ids) {
            assertEquals(!notWritten.contains(id), stored(id), id);
        }
    }

    @Test
    void anotherEndpointOrNoRuleIsNeverFaulted() {
        faults.add(DynamoDbFaults.always(DynamoDbFaults.Kind.THROTTLING, call -> true));
        String id = UUID.randomUUID().toString();
        put(id, Duration.ofSeconds(5)); // not registered for this endpoint
        DynamoDbFaults.register(server.endpoint(), new DynamoDbFaults()); // registered, but no rule
        put(id, Duration.ofSeconds(5));
        assertEquals(0, faults.injected(DynamoDbFaults.Kind.THROTTLING));
    }

    private static void put(String id, Duration timeout) {
        client.putItem(p -> p.tableName(TABLE).item(Map.of("id", AttributeValue.fromS(id)))
                .overrideConfiguration(o -> o.apiCallTimeout(timeout)));
    }

    private static boolean stored(String id) {
        return client.getItem(g -> g.tableName(TABLE).key(Map.of("id", AttributeValue.fromS(id))).consistentRead(true))
                .hasItem();
    }
}
