package dev.inlet.localaws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class LocalTablesTest {

    private static final SamTemplate TEMPLATE = SamTemplate.locate();
    private final DynamoDbClient dynamoDb = DynamoDbLocal.embedded();

    @Test
    void createsEveryTableWithIndexesAndTtl() {
        String prefix = LocalTables.uniquePrefix(LocalTablesTest.class);
        Map<String, String> names = LocalTables.createAll(dynamoDb, TEMPLATE, prefix);

        assertEquals(TEMPLATE.tables().stream().map(TableDefinition::logicalId).toList(), List.copyOf(names.keySet()));
        assertEquals(prefix + "SourcesTable", names.get("SourcesTable"));

        TableDescription sources = describe(names.get("SourcesTable"));
        assertEquals(List.of("by_project"),
                sources.globalSecondaryIndexes().stream().map(GlobalSecondaryIndexDescription::indexName).toList());
        assertEquals("PAY_PER_REQUEST", sources.billingModeSummary().billingModeAsString());

        var ttl = dynamoDb.describeTimeToLive(describe -> describe.tableName(names.get("WriteKeysTable")))
                .timeToLiveDescription();
        assertEquals(TimeToLiveStatus.ENABLED, ttl.timeToLiveStatus());
        assertEquals("purge_at", ttl.attributeName());

        for (TableDefinition table : TEMPLATE.tables()) {
            String name = names.get(table.logicalId());
            TableDescription description = describe(name);
            table.streamViewType().ifPresent(viewType -> assertEquals(viewType,
                    description.streamSpecification().streamViewTypeAsString(), name));
            table.ttlAttribute().ifPresent(attribute -> assertEquals(attribute, dynamoDb.describeTimeToLive(
                    describe -> describe.tableName(name)).timeToLiveDescription().attributeName(), name));
        }

        var noTtl = dynamoDb.describeTimeToLive(describe -> describe.tableName(names.get("ProjectsTable")))
                .timeToLiveDescription();
        assertEquals(TimeToLiveStatus.DISABLED, noTtl.timeToLiveStatus());
    }

    @Test
    void existingTablesAreKeptAndMissingIndexesAdded() {
        String prefix = LocalTables.uniquePrefix(LocalTablesTest.class);
        SamTemplate older = SamTemplate.parse("""
                Resources:
                  SourcesTable:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                      KeySchema: [{AttributeName: id, KeyType: HASH}]
                """);
        String name = LocalTables.createAll(dynamoDb, older, prefix).get("SourcesTable");
        dynamoDb.putItem(put -> put.tableName(name).item(Map.of(
                "id", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("kept"))));

        LocalTables.createAll(dynamoDb, TEMPLATE, prefix);
        LocalTables.createAll(dynamoDb, TEMPLATE, prefix); // idempotent

        assertEquals(1, dynamoDb.scan(scan -> scan.tableName(name)).count());
        assertTrue(describe(name).globalSecondaryIndexes().stream()
                .anyMatch(index -> index.indexName().equals("by_project")));
    }

    private TableDescription describe(String name) {
        return dynamoDb.describeTable(describe -> describe.tableName(name)).table();
    }
}
