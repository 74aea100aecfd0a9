package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.s;

import dev.inlet.common.source.KeyGrant;
import java.util.Map;
import java.util.Optional;
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

    public Optional<KeyGrant> find(String keyHash) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                .key(Map.of("key_hash", s(keyHash)))
                .consistentRead(true)
                .overrideConfiguration(o -> o.apiCallTimeout(java.time.Duration.ofSeconds(2)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(SourceItems.grantFromKeyItem(item));
    }
}
