package dev.inlet.common.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.common.testing.AdminFixture;
import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.PolicyStatement;
import dev.inlet.localaws.TableDefinition;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class RateLimitStoreTest {

    private static final AdminFixture FIXTURE = new AdminFixture(RateLimitStoreTest.class);
    private static final long NOW = 1_795_000_000_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    /** purge_at values in the real future: DynamoDB Local's TTL sweeper deletes by the real clock. */
    private static final long FAR = 4_102_444_800L; // 2100-01-01

    private final RateLimitStore store = RateLimitStore.fromEnvironment(FIXTURE.dynamo,
            FIXTURE.environmentFor("IngestFunction"));
    private final RateLimitPolicy policy = new RateLimitPolicy(5000, 5000);

    @Test
    void takeFromFullCreatesTheBucketWithItsTtl() {
        String key = "source#src_create";
        SharedBucketStore.Attempt taken = store.takeFromFull(key, NOW, 20_000_000, policy, FAR + 2L);
        assertTrue(taken.taken());
        assertEquals(OptionalLong.of(NOW + 20_000_000), taken.fullAt());
        Map<String, AttributeValue> item = item(key);
        assertEquals(Long.toString(NOW + 20_000_000), item.get("full_at").n());
        assertEquals(Long.toString(FAR + 2), item.get("purge_at").n());
        assertEquals("5000", item.get("rate_eps").n());
        assertEquals("5000", item.get("burst").n());
        assertEquals(OptionalLong.of(NOW + 20_000_000), store.fullAt(key));
        assertEquals(OptionalLong.empty(), store.fullAt("source#src_absent"));
    }

    @Test
    void eachBranchRefusesTheOtherBranchesStateAndReportsTheCurrentFullAtWithoutChangingIt() {
        String key = "source#src_branches";
        assertTrue(store.takeFromFull(key, NOW, SECOND, policy, FAR).taken()); // full_at = NOW + 1 s

        SharedBucketStore.Attempt notFull = store.takeFromFull(key, NOW + 1, 5, policy, FAR + 1);
        assertFalse(notFull.taken());
        assertEquals(OptionalLong.of(NOW + SECOND), notFull.fullAt());

        SharedBucketStore.Attempt pastLatest = store.takeFromPartial(key, NOW, 5, NOW + SECOND - 1, policy,
                FAR + 1);
        assertFalse(pastLatest.taken());
        assertEquals(OptionalLong.of(NOW + SECOND), pastLatest.fullAt());

        SharedBucketStore.Attempt fullAgain = store.takeFromPartial(key, NOW + SECOND, 5, Long.MAX_VALUE, policy,
                FAR + 1);
        assertFalse(fullAgain.taken()); // full_at <= now: the full branch's state
        assertEquals(OptionalLong.of(NOW + SECOND), fullAgain.fullAt());
        assertEquals(Long.toString(FAR), item(key).get("purge_at").n());

        SharedBucketStore.Attempt created = store.takeFromPartial("source#src_new", NOW, 5, Long.MAX_VALUE, policy,
                FAR + 1);
        assertTrue(created.taken(), "a missing bucket is created by either branch");
        assertEquals(OptionalLong.of(NOW + 5), created.fullAt());
    }

    @Test
    void takeFromPartialAddsTheCostExactlyAndTakeFromFullRestartsFromNow() {
        String key = "source#src_partial";
        assertTrue(store.takeFromFull(key, NOW, 200_000, policy, FAR).taken());
        SharedBucketStore.Attempt added = store.takeFromPartial(key, NOW + 1, 123_456_789, NOW + SECOND, policy,
                FAR + 9);
        assertTrue(added.taken());
        assertEquals(OptionalLong.of(NOW + 200_000 + 123_456_789), added.fullAt());
        assertEquals(Long.toString(FAR + 9), item(key).get("purge_at").n());

        long later = NOW + 10 * SECOND; // long after full_at: the bucket is full again
        SharedBucketStore.Attempt restarted = store.takeFromFull(key, later, 7, policy, FAR + 10);
        assertTrue(restarted.taken());
        assertEquals(OptionalLong.of(later + 7), restarted.fullAt());
    }

    @Test
    void templateDeclaresTheTableKeyTtlEnvironmentAndPermissionsTheStoreUses() {
        TableDefinition table = AdminFixture.template().table("RateLimitsTable");
        assertEquals(RateLimitStore.KEY_ATTRIBUTE, table.keySchema().hashKey());
        assertEquals("S", table.attributeDefinitions().get(RateLimitStore.KEY_ATTRIBUTE));
        assertEquals(java.util.Optional.of(RateLimitStore.TTL_ATTRIBUTE), table.ttlAttribute());

        Map<String, String> environment = FIXTURE.environmentFor("IngestFunction");
        assertEquals(FIXTURE.table("RateLimitsTable"), environment.get(RateLimitStore.TABLE_VARIABLE));
        RateLimitPolicy.Defaults defaults = RateLimitPolicy.Defaults.fromEnvironment(environment);
        assertEquals(RateLimitPolicy.Defaults.TEMPLATE, defaults);

        FunctionDefinition ingest = AdminFixture.template().function("IngestFunction");
        boolean updateAllowed = ingest.policyStatements().stream()
                .filter(statement -> statement.resources().toString().contains("RateLimitsTable"))
                .map(PolicyStatement::actions)
                .anyMatch(actions -> actions.contains("dynamodb:UpdateItem"));
        assertTrue(updateAllowed, "IngestFunction may UpdateItem on RateLimitsTable: "
                + ingest.policyStatements());
    }

    private static Map<String, AttributeValue> item(String key) {
        return FIXTURE.dynamo.getItem(b -> b.tableName(FIXTURE.table("RateLimitsTable"))
                .key(Map.of("bucket_key", AttributeValue.fromS(key))).consistentRead(true)).item();
    }
}
