package dev.inlet.common.ratelimit;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;

import java.util.Map;
import java.util.OptionalLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The shared token buckets in RateLimitsTable: one item per bucket, key {@code bucket_key} (S), changed only by
 * single conditional UpdateItem calls (see {@link SharedBucketStore} for the two branches). Item:
 *
 * <ul>
 *   <li>{@code bucket_key} (S): {@code source#<source id>}, or {@code source#<source id>#<k>} for shard k > 0 of a
 *       sharded bucket ({@link LeasedRateLimiter#shards});</li>
 *   <li>{@code full_at} (N): epoch nanoseconds at which the bucket is full again;</li>
 *   <li>{@code rate_eps}, {@code burst} (N): the policy of the last writer, for operators only;</li>
 *   <li>{@code purge_at} (N): the TTL, epoch seconds, set on every write past any full_at that write can produce,
 *       so DynamoDB deletes only buckets that are full (a missing item reads as a full bucket).</li>
 * </ul>
 *
 * Uses UpdateItem (and GetItem in {@link #fullAt}) only: the permissions template.yaml grants IngestFunction.
 * A failed condition costs a write but returns the old item ({@code ReturnValuesOnConditionCheckFailure=ALL_OLD}),
 * so no read is ever needed before a write.
 */
public final class RateLimitStore implements SharedBucketStore {

    /** The environment variable template.yaml sets to the table's name. */
    public static final String TABLE_VARIABLE = "RATE_LIMITS_TABLE";
    static final java.time.Duration ATTEMPT_TIMEOUT = java.time.Duration.ofMillis(200);
    static final java.time.Duration CALL_TIMEOUT = java.time.Duration.ofMillis(400);
    public static final String KEY_ATTRIBUTE = "bucket_key";
    /** The table's TTL attribute (TimeToLiveSpecification in template.yaml). */
    public static final String TTL_ATTRIBUTE = "purge_at";
    static final String FULL_AT = "full_at";
    static final String RATE = "rate_eps";
    static final String BURST = "burst";

    private static final String SET = "SET " + FULL_AT + " = %s, " + RATE + " = :rate, " + BURST + " = :burst, "
            + TTL_ATTRIBUTE + " = :purge";

    private final DynamoDbClient dynamo;
    private final String table;

    public RateLimitStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** The store of the table the function's environment names. */
    public static RateLimitStore fromEnvironment(DynamoDbClient dynamo, Map<String, String> environment) {
        String table = environment.get(TABLE_VARIABLE);
        if (table == null || table.isBlank()) {
            throw new IllegalStateException("Environment variable " + TABLE_VARIABLE
                    + " is not set (template.yaml sets it on IngestFunction)");
        }
        return new RateLimitStore(dynamo, table);
    }

    @Override
    public Attempt takeFromFull(String bucketKey, long now, long cost, RateLimitPolicy policy,
                                long purgeAtEpochSecond) {
        return update(bucketKey, SET.formatted(":next"),
                "attribute_not_exists(" + FULL_AT + ") OR " + FULL_AT + " <= :now",
                Map.of(":next", n(now + cost), ":now", n(now), ":rate", n(policy.eventsPerSecond()),
                        ":burst", n(policy.burst()), ":purge", n(purgeAtEpochSecond)));
    }

    @Override
    public Attempt takeFromPartial(String bucketKey, long now, long cost, long latest, RateLimitPolicy policy,
                                   long purgeAtEpochSecond) {
        return update(bucketKey, SET.formatted("if_not_exists(" + FULL_AT + ", :now) + :cost"),
                "attribute_not_exists(" + FULL_AT + ") OR (" + FULL_AT + " > :now AND " + FULL_AT + " <= :latest)",
                Map.of(":cost", n(cost), ":now", n(now), ":latest", n(latest), ":rate", n(policy.eventsPerSecond()),
                        ":burst", n(policy.burst()), ":purge", n(purgeAtEpochSecond)));
    }

    /** The bucket's full_at, read strongly consistent; empty when there is no item (a full bucket). */
    public OptionalLong fullAt(String bucketKey) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                .key(Map.of(KEY_ATTRIBUTE, s(bucketKey))).consistentRead(true)).item();
        return fullAt(item);
    }

    private Attempt update(String bucketKey, String updateExpression, String condition,
                           Map<String, AttributeValue> values) {
        try {
            UpdateItemResponse response = dynamo.updateItem(b -> b.tableName(table)
                    .key(Map.of(KEY_ATTRIBUTE, s(bucketKey)))
                    .updateExpression(updateExpression)
                    .conditionExpression(condition)
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.UPDATED_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    // A slow bucket must fail fast into the documented fallback, not hold the request for seconds.
                    .overrideConfiguration(o -> o.apiCallAttemptTimeout(ATTEMPT_TIMEOUT).apiCallTimeout(CALL_TIMEOUT)));
            return Attempt.taken(fullAt(response.attributes()).orElseThrow(() -> new IllegalStateException(
                    "UpdateItem on " + bucketKey + " returned no " + FULL_AT)));
        } catch (ConditionalCheckFailedException current) {
            return Attempt.notTaken(fullAt(current.hasItem() ? current.item() : null));
        }
    }

    private static OptionalLong fullAt(Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty()) {
            return OptionalLong.empty();
        }
        AttributeValue value = item.get(FULL_AT);
        if (value == null || value.n() == null) {
            return OptionalLong.empty(); // an item without full_at (written by hand, say) counts as a full bucket
        }
        return OptionalLong.of(Long.parseLong(value.n()));
    }
}
