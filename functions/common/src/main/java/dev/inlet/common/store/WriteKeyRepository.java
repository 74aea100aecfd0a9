package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.s;

import dev.inlet.common.source.KeyGrant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Ingestion's read of a write key: one strongly consistent GetItem by the key's HMAC. */
public final class WriteKeyRepository {

    private final DynamoDbClient dynamo;
    private final String table;

    public WriteKeyRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /**
     * The key's grant, or empty when no key has that hash.
     *
     * @throws StorageUnavailable when DynamoDB throttled, failed (5xx) or timed out: the key could not be checked, so
     *                            the request can be neither accepted nor refused as unauthorized (a 503, retried)
     */
    public Optional<KeyGrant> find(String keyHash) {
        Map<String, AttributeValue> item;
        try {
            item = dynamo.getItem(b -> b.tableName(table)
                    .key(Map.of("key_hash", s(keyHash)))
                    .consistentRead(true)
                    .overrideConfiguration(o -> o.apiCallTimeout(java.time.Duration.ofSeconds(2)))).item();
        } catch (SdkException e) {
            if (EventStore.isTransient(e)) {
                throw new StorageUnavailable("DynamoDB did not answer the key lookup: " + e.getClass().getSimpleName(),
                        e);
            }
            throw e;
        }
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(SourceItems.grantFromKeyItem(item));
    }
}
