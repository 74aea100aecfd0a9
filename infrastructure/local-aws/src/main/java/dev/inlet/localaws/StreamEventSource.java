package dev.inlet.localaws;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code Type: DynamoDB} event of a function: the event source mapping AWS creates from it, reading the stream of
 * table {@code tableLogicalId} ({@code Stream: !GetAtt Table.StreamArn}). Absent properties take Lambda's defaults:
 * batch size {@value #DEFAULT_BATCH_SIZE}, no batching window, no partial batch responses, no filters, retries
 * {@value #RETRY_UNTIL_EXPIRED} (until the records expire), no bisection, no on-failure destination, enabled.
 * {@code filterPatterns} are the FilterCriteria patterns as written (JSON text). {@code onFailureDestination} names
 * DestinationConfig.OnFailure's destination (the logical id for {@code !GetAtt Queue.Arn} or {@code !Ref Topic}).
 * {@code unmodelledProperties} names the properties this model does not carry (e.g. ParallelizationFactor), so
 * that the local runtime can decide whether ignoring them is safe.
 */
public record StreamEventSource(String functionLogicalId,
                                String eventName,
                                String tableLogicalId,
                                StartingPosition startingPosition,
                                int batchSize,
                                int maximumBatchingWindowSeconds,
                                boolean reportBatchItemFailures,
                                List<String> filterPatterns,
                                int maximumRetryAttempts,
                                boolean bisectBatchOnFunctionError,
                                Optional<String> onFailureDestination,
                                boolean enabled,
                                List<String> unmodelledProperties) {

    public static final int DEFAULT_BATCH_SIZE = 100;
    public static final int MAX_BATCH_SIZE = 10_000;
    public static final int MAX_BATCHING_WINDOW_SECONDS = 300;
    public static final int RETRY_UNTIL_EXPIRED = -1;

    /** Where a new mapping starts reading a shard it has no checkpoint for (AT_TIMESTAMP is Kinesis only). */
    public enum StartingPosition { TRIM_HORIZON, LATEST }

    public StreamEventSource {
        Objects.requireNonNull(functionLogicalId, "functionLogicalId");
        Objects.requireNonNull(eventName, "eventName");
        Objects.requireNonNull(tableLogicalId, "tableLogicalId");
        Objects.requireNonNull(startingPosition, "startingPosition");
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException(where(functionLogicalId, eventName) + ": BatchSize must be 1 to "
                    + MAX_BATCH_SIZE + ", is " + batchSize);
        }
        if (maximumBatchingWindowSeconds < 0 || maximumBatchingWindowSeconds > MAX_BATCHING_WINDOW_SECONDS) {
            throw new IllegalArgumentException(where(functionLogicalId, eventName) + ": MaximumBatchingWindowInSeconds"
                    + " must be 0 to " + MAX_BATCHING_WINDOW_SECONDS + ", is " + maximumBatchingWindowSeconds);
        }
        if (maximumRetryAttempts < RETRY_UNTIL_EXPIRED || maximumRetryAttempts > 10_000) {
            throw new IllegalArgumentException(where(functionLogicalId, eventName) + ": MaximumRetryAttempts must be"
                    + " -1 to 10000, is " + maximumRetryAttempts);
        }
        filterPatterns = List.copyOf(filterPatterns);
        Objects.requireNonNull(onFailureDestination, "onFailureDestination");
        unmodelledProperties = List.copyOf(unmodelledProperties);
    }

    /** For tests that declare a mapping by hand: retries, bisection, destination and Enabled at their defaults. */
    public StreamEventSource(String functionLogicalId, String eventName, String tableLogicalId,
                             StartingPosition startingPosition, int batchSize, int maximumBatchingWindowSeconds,
                             boolean reportBatchItemFailures, List<String> filterPatterns) {
        this(functionLogicalId, eventName, tableLogicalId, startingPosition, batchSize, maximumBatchingWindowSeconds,
                reportBatchItemFailures, filterPatterns, RETRY_UNTIL_EXPIRED, false, Optional.empty(), true, List.of());
    }

    /** {@code Function.Event}, for messages and names. */
    public String id() {
        return where(functionLogicalId, eventName);
    }

    private static String where(String functionLogicalId, String eventName) {
        return functionLogicalId + "." + eventName;
    }
}
