package dev.inlet.localruntime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * Records every DynamoDB call made in this test JVM as the IAM actions it needs, with the function that made it
 * ({@link CurrentInvocation}). Registered for all SDK clients by
 * {@code src/test/resources/software/amazon/awssdk/global/handlers/execution.interceptors}; the SDK makes one
 * instance per client, hence the static list.
 */
public final class DynamoDbCallRecorder implements ExecutionInterceptor {

    /**
     * One IAM authorization a call needs: {@code action} like {@code dynamodb:PutItem} on {@code tableName}
     * ({@code indexName} for a Query or Scan of an index). {@code operation} is the API call itself:
     * a TransactWriteItems is authorized per item as PutItem, UpdateItem, DeleteItem or ConditionCheckItem.
     */
    public record Access(Optional<String> functionLogicalId, String operation, String action, String tableName,
                         Optional<String> indexName) {
    }

    private static final List<Access> ACCESSES = new CopyOnWriteArrayList<>();

    public static List<Access> accesses() {
        return List.copyOf(ACCESSES);
    }

    /** Accesses made by functions (not by the test or the runtime itself). */
    public static List<Access> functionAccesses() {
        return ACCESSES.stream().filter(access -> access.functionLogicalId().isPresent()).toList();
    }

    public static void clear() {
        ACCESSES.clear();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (!(context.request() instanceof DynamoDbRequest request)) {
            return;
        }
        Optional<String> function = CurrentInvocation.functionLogicalId();
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        ACCESSES.addAll(accessesOf(function, operation, request));
    }

    static List<Access> accessesOf(Optional<String> function, String operation, SdkRequest request) {
        List<Access> accesses = new ArrayList<>();
        switch (request) {
            case TransactWriteItemsRequest transaction -> {
                for (TransactWriteItem item : transaction.transactItems()) {
                    if (item.put() != null) {
                        accesses.add(new Access(function, operation, "dynamodb:PutItem", item.put().tableName(),
                                Optional.empty()));
                    }
                    if (item.update() != null) {
                        accesses.add(new Access(function, operation, "dynamodb:UpdateItem", item.update().tableName(),
                                Optional.empty()));
                    }
                    if (item.delete() != null) {
                        accesses.add(new Access(function, operation, "dynamodb:DeleteItem", item.delete().tableName(),
                                Optional.empty()));
                    }
                    if (item.conditionCheck() != null) {
                        accesses.add(new Access(function, operation, "dynamodb:ConditionCheckItem",
                                item.conditionCheck().tableName(), Optional.empty()));
                    }
                }
            }
            case TransactGetItemsRequest transaction -> transaction.transactItems().forEach(item -> accesses.add(
                    new Access(function, operation, "dynamodb:GetItem", item.get().tableName(), Optional.empty())));
            case BatchWriteItemRequest batch -> batch.requestItems().keySet().forEach(table -> accesses.add(
                    new Access(function, operation, "dynamodb:BatchWriteItem", table, Optional.empty())));
            case BatchGetItemRequest batch -> batch.requestItems().keySet().forEach(table -> accesses.add(
                    new Access(function, operation, "dynamodb:BatchGetItem", table, Optional.empty())));
            default -> accesses.add(new Access(function, operation, "dynamodb:" + operation,
                    request.getValueForField("TableName", String.class).orElse("*"),
                    request.getValueForField("IndexName", String.class)));
        }
        return accesses;
    }

    /** Table name to logical id, for reading accesses against the template. */
    static Optional<String> logicalId(Map<String, String> tableNames, String tableName) {
        return tableNames.entrySet().stream().filter(entry -> entry.getValue().equals(tableName))
                .map(Map.Entry::getKey).findFirst();
    }
}
