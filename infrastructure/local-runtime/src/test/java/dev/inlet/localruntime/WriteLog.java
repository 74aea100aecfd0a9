package dev.inlet.localruntime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Every DynamoDB write made in this test JVM, with the function that made it ({@link CurrentInvocation}) and the
 * hash-key value of each item written: lets a test see what one request wrote (nothing, for a refusal) and find the
 * events an accepted request stored. Registered beside {@link DynamoDbCallRecorder} in
 * {@code execution.interceptors}; off (recording nothing) until a test turns it on.
 */
public final class WriteLog implements ExecutionInterceptor {

    /** One item written (or attempted: recorded before the call) by {@code function} to {@code table}. */
    public record Write(Optional<String> function, String operation, String table, String hashKey) {
    }

    private static final ConcurrentLinkedQueue<Write> WRITES = new ConcurrentLinkedQueue<>();
    private static volatile boolean recording;

    static void start() {
        WRITES.clear();
        recording = true;
    }

    static void stop() {
        recording = false;
        WRITES.clear();
    }

    /** What was written since the last drain. */
    static List<Write> drain() {
        List<Write> writes = new ArrayList<>();
        for (Write write = WRITES.poll(); write != null; write = WRITES.poll()) {
            writes.add(write);
        }
        return writes;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (!recording) {
            return;
        }
        Optional<String> function = CurrentInvocation.functionLogicalId();
        switch (context.request()) {
            case PutItemRequest put -> record(function, "PutItem", put.tableName(), put.item());
            case UpdateItemRequest update -> record(function, "UpdateItem", update.tableName(), update.key());
            case DeleteItemRequest delete -> record(function, "DeleteItem", delete.tableName(), delete.key());
            case BatchWriteItemRequest batch -> batch.requestItems().forEach((table, requests) -> requests.forEach(
                    request -> record(function, "BatchWriteItem", table, request.putRequest() != null
                            ? request.putRequest().item() : request.deleteRequest().key())));
            case TransactWriteItemsRequest transaction -> transaction.transactItems().forEach(item -> {
                if (item.put() != null) {
                    record(function, "TransactWriteItems", item.put().tableName(), item.put().item());
                } else if (item.update() != null) {
                    record(function, "TransactWriteItems", item.update().tableName(), item.update().key());
                } else if (item.delete() != null) {
                    record(function, "TransactWriteItems", item.delete().tableName(), item.delete().key());
                }
            });
            default -> {
                // reads
            }
        }
    }

    private static void record(Optional<String> function, String operation, String table,
                               Map<String, AttributeValue> item) {
        String hashKey = item.containsKey("event_key") ? item.get("event_key").s() : "";
        WRITES.add(new Write(function, operation, table, hashKey == null ? "" : hashKey));
    }
}
