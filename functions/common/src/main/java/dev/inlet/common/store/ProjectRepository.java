package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.s;
import static dev.inlet.common.store.Attributes.time;

import dev.inlet.common.project.Project;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/** Projects: few, small, read by id; listed by a scan (an operator's view, not a hot path). */
public final class ProjectRepository {

    private final DynamoDbClient dynamo;
    private final String table;

    public ProjectRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Writes the project unless one with its id exists; returns whether it was written. */
    public boolean createIfAbsent(Project project) {
        try {
            dynamo.putItem(b -> b.tableName(table).item(toItem(project))
                    .conditionExpression("attribute_not_exists(id)"));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    public Optional<Project> find(String id) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                .key(Map.of("id", s(id))).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    public Page<Project> list(int limit, Optional<Map<String, String>> after) {
        Map<String, AttributeValue> start = after.map(key -> Map.of("id", s(key.get("id")))).orElse(null);
        ScanResponse response = dynamo.scan(b -> b.tableName(table).limit(limit).consistentRead(true)
                .exclusiveStartKey(start));
        List<Project> projects = new ArrayList<>(response.items().stream().map(ProjectRepository::fromItem).toList());
        Optional<Map<String, String>> next = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                ? Optional.of(Map.of("id", response.lastEvaluatedKey().get("id").s()))
                : Optional.empty();
        return new Page<>(projects, next);
    }

    private static Map<String, AttributeValue> toItem(Project project) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("id", s(project.id()));
        item.put("name", s(project.name()));
        item.put("created_at", time(project.createdAt()));
        return item;
    }

    private static Project fromItem(Map<String, AttributeValue> item) {
        return new Project(Attributes.string(item, "id"), Attributes.string(item, "name"),
                Attributes.instant(item, "created_at"));
    }
}
