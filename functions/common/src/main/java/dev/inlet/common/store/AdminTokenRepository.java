package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.s;
import static dev.inlet.common.store.Attributes.time;

import dev.inlet.common.project.AdminToken;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** Project admin tokens, keyed by their HMAC so that authenticating one is a single GetItem. */
public final class AdminTokenRepository {

    private final DynamoDbClient dynamo;
    private final String table;

    public AdminTokenRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    public void create(AdminToken token) {
        dynamo.putItem(b -> b.tableName(table).item(toItem(token))
                .conditionExpression("attribute_not_exists(token_hash)"));
    }

    public Optional<AdminToken> findByHash(String hash) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                .key(Map.of("token_hash", s(hash))).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    /** Every token of a project, revoked ones included (they show when and are kept for the record). */
    public List<AdminToken> listByProject(String projectId) {
        return dynamo.queryPaginator(b -> b.tableName(table).indexName(TableNames.BY_PROJECT_INDEX)
                        .keyConditionExpression("project_id = :project")
                        .expressionAttributeValues(Map.of(":project", s(projectId))))
                .items().stream().map(AdminTokenRepository::fromItem).toList();
    }

    public Optional<AdminToken> find(String projectId, String tokenId) {
        return dynamo.query(b -> b.tableName(table).indexName(TableNames.BY_PROJECT_INDEX)
                        .keyConditionExpression("project_id = :project AND token_id = :token")
                        .expressionAttributeValues(Map.of(":project", s(projectId), ":token", s(tokenId))))
                .items().stream().findFirst().map(AdminTokenRepository::fromItem);
    }

    /** Marks the token revoked (idempotent: the first revocation time is kept). */
    public void revoke(AdminToken token, Instant now) {
        try {
            dynamo.updateItem(b -> b.tableName(table)
                    .key(Map.of("token_hash", s(token.hash())))
                    .updateExpression("SET revoked_at = :now")
                    .conditionExpression("attribute_exists(token_hash) AND attribute_not_exists(revoked_at)")
                    .expressionAttributeValues(Map.of(":now", time(now))));
        } catch (ConditionalCheckFailedException alreadyRevoked) {
            // Nothing to do: revocation is final and its first time stands.
        }
    }

    private static Map<String, AttributeValue> toItem(AdminToken token) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("token_hash", s(token.hash()));
        item.put("token_id", s(token.id()));
        item.put("token_prefix", s(token.prefix()));
        item.put("project_id", s(token.projectId()));
        item.put("name", s(token.name()));
        item.put("created_at", time(token.createdAt()));
        token.revokedAt().ifPresent(at -> item.put("revoked_at", time(at)));
        return item;
    }

    private static AdminToken fromItem(Map<String, AttributeValue> item) {
        return new AdminToken(
                Attributes.string(item, "token_id"),
                Attributes.string(item, "token_hash"),
                Attributes.string(item, "token_prefix"),
                Attributes.string(item, "project_id"),
                Attributes.string(item, "name"),
                Attributes.instant(item, "created_at"),
                Attributes.optionalInstant(item, "revoked_at"));
    }
}
