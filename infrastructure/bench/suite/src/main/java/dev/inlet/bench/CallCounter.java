package dev.inlet.bench;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;

/**
 * An SDK {@link ExecutionInterceptor} counting DynamoDB calls (API calls, not items) by what they are for: reads,
 * writes of the events themselves, rate-limit bucket writes, statistics counter writes, and anything else.
 */
public final class CallCounter implements ExecutionInterceptor {

    public enum Kind { READ, EVENT_WRITE, RATE_LIMIT_WRITE, COUNTER_WRITE, OTHER_WRITE }

    private static final Set<String> READS = Set.of("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems");

    private final String eventsTable;
    private final String rateLimitsTable;
    private final String countersTable;
    private final Map<Kind, LongAdder> counts = new EnumMap<>(Kind.class);

    /** @param tableNames template logical id to local table name, as the local runtime reports them */
    public CallCounter(Map<String, String> tableNames) {
        this.eventsTable = tableNames.get("EventsTable");
        this.rateLimitsTable = tableNames.get("RateLimitsTable");
        this.countersTable = tableNames.get("SourceStatsTable");
        for (Kind kind : Kind.values()) {
            counts.put(kind, new LongAdder());
        }
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof DynamoDbRequest) {
            record(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), context.request());
        }
    }

    /** Counts one call of {@code operation} (e.g. "PutItem") carrying {@code request}. */
    void record(String operation, SdkRequest request) {
        counts.get(kindOf(operation, request)).increment();
    }

    Kind kindOf(String operation, SdkRequest request) {
        if (READS.contains(operation)) {
            return Kind.READ;
        }
        String table = request instanceof BatchWriteItemRequest batch
                ? String.join(",", batch.requestItems().keySet())
                : request.getValueForField("TableName", String.class).orElse("");
        if (table.equals(eventsTable)) {
            return Kind.EVENT_WRITE;
        }
        if (table.equals(rateLimitsTable)) {
            return Kind.RATE_LIMIT_WRITE;
        }
        if (table.equals(countersTable)) {
            return Kind.COUNTER_WRITE;
        }
        return Kind.OTHER_WRITE;
    }

    public long count(Kind kind) {
        return counts.get(kind).sum();
    }

    public void reset() {
        counts.values().forEach(LongAdder::reset);
    }
}
