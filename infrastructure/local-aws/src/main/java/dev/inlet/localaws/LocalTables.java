package dev.inlet.localaws;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateGlobalSecondaryIndexAction;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexUpdate;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/** Creates the template's tables in a local DynamoDB, so nobody repeats their keys, indexes or TTL by hand. */
public final class LocalTables {

    private static final Duration ACTIVE_TIMEOUT = Duration.ofSeconds(60);

    private LocalTables() {
    }

    /**
     * Creates every table of the template named {@code namePrefix + logicalId} (PAY_PER_REQUEST, GSIs, TTL, streams),
     * waiting until each is ACTIVE. Tables that already exist are kept, so a persistent data directory survives a
     * restart; indexes, TTL or a stream the template gained since are added to them.
     *
     * @return logical id to table name, in template order
     */
    public static Map<String, String> createAll(DynamoDbClient dynamoDb, SamTemplate template, String namePrefix) {
        Map<String, String> names = new LinkedHashMap<>();
        for (TableDefinition table : template.tables()) {
            String name = namePrefix + table.logicalId();
            create(dynamoDb, table, name);
            names.put(table.logicalId(), name);
        }
        return Collections.unmodifiableMap(names);
    }

    /** A prefix unique to one test class, so test classes can share one DynamoDB Local without seeing each other. */
    public static String uniquePrefix(Class<?> owner) {
        return owner.getSimpleName() + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    private static void create(DynamoDbClient dynamoDb, TableDefinition table, String name) {
        try {
            dynamoDb.createTable(createRequest(table, name));
        } catch (ResourceInUseException alreadyExists) {
            TableDescription existing = awaitActive(dynamoDb, name);
            addMissingIndexes(dynamoDb, table, name, existing);
            table.streamViewType().ifPresent(viewType -> enableStream(dynamoDb, name, viewType, existing));
        }
        awaitActive(dynamoDb, name);
        table.ttlAttribute().ifPresent(attribute -> enableTimeToLive(dynamoDb, name, attribute));
    }

    private static CreateTableRequest createRequest(TableDefinition table, String name) {
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attributeDefinitions(table))
                .keySchema(keySchema(table.keySchema()));
        if (!table.globalSecondaryIndexes().isEmpty()) {
            request.globalSecondaryIndexes(table.globalSecondaryIndexes().stream().map(LocalTables::index).toList());
        }
        table.streamViewType().ifPresent(viewType -> request.streamSpecification(
                StreamSpecification.builder().streamEnabled(true).streamViewType(viewType).build()));
        return request.build();
    }

    private static List<AttributeDefinition> attributeDefinitions(TableDefinition table) {
        return table.attributeDefinitions().entrySet().stream()
                .map(attribute -> AttributeDefinition.builder()
                        .attributeName(attribute.getKey()).attributeType(attribute.getValue()).build())
                .toList();
    }

    private static software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex index(GlobalSecondaryIndex index) {
        Projection.Builder projection = Projection.builder().projectionType(index.projectionType());
        if (!index.nonKeyAttributes().isEmpty()) {
            projection.nonKeyAttributes(index.nonKeyAttributes());
        }
        return software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex.builder()
                .indexName(index.indexName())
                .keySchema(keySchema(index.keySchema()))
                .projection(projection.build())
                .build();
    }

    private static List<KeySchemaElement> keySchema(KeySchema keySchema) {
        List<KeySchemaElement> elements = new ArrayList<>();
        elements.add(KeySchemaElement.builder().attributeName(keySchema.hashKey()).keyType(KeyType.HASH).build());
        keySchema.rangeKey().ifPresent(range ->
                elements.add(KeySchemaElement.builder().attributeName(range).keyType(KeyType.RANGE).build()));
        return elements;
    }

    /** A persistent data dir may predate an index the template gained; DynamoDB creates one GSI per UpdateTable. */
    private static void addMissingIndexes(DynamoDbClient dynamoDb, TableDefinition table, String name,
                                          TableDescription existing) {
        Set<String> present = existing.globalSecondaryIndexes().stream()
                .map(GlobalSecondaryIndexDescription::indexName)
                .collect(Collectors.toSet());
        for (GlobalSecondaryIndex missing : table.globalSecondaryIndexes()) {
            if (present.contains(missing.indexName())) {
                continue;
            }
            var index = index(missing);
            dynamoDb.updateTable(update -> update.tableName(name)
                    .attributeDefinitions(attributeDefinitions(table))
                    .globalSecondaryIndexUpdates(GlobalSecondaryIndexUpdate.builder()
                            .create(CreateGlobalSecondaryIndexAction.builder()
                                    .indexName(index.indexName())
                                    .keySchema(index.keySchema())
                                    .projection(index.projection())
                                    .build())
                            .build()));
            awaitActive(dynamoDb, name);
        }
    }

    /**
     * A persistent data dir may predate the template's stream. Another view type needs a new stream (DynamoDB cannot
     * change it in place), so the old one is disabled first; its records stay readable for 24 hours, as in AWS.
     */
    private static void enableStream(DynamoDbClient dynamoDb, String name, String viewType, TableDescription existing) {
        StreamSpecification current = existing.streamSpecification();
        boolean enabled = current != null && Boolean.TRUE.equals(current.streamEnabled());
        if (enabled && viewType.equals(current.streamViewTypeAsString())) {
            return;
        }
        if (enabled) {
            dynamoDb.updateTable(update -> update.tableName(name).streamSpecification(stream -> stream
                    .streamEnabled(false)));
            awaitActive(dynamoDb, name);
        }
        dynamoDb.updateTable(update -> update.tableName(name).streamSpecification(stream -> stream
                .streamEnabled(true).streamViewType(viewType)));
        awaitActive(dynamoDb, name);
    }

    private static void enableTimeToLive(DynamoDbClient dynamoDb, String name, String attribute) {
        TimeToLiveDescription current = dynamoDb.describeTimeToLive(describe -> describe.tableName(name))
                .timeToLiveDescription();
        boolean enabled = current.timeToLiveStatus() == TimeToLiveStatus.ENABLED
                || current.timeToLiveStatus() == TimeToLiveStatus.ENABLING;
        if (enabled && attribute.equals(current.attributeName())) {
            return;
        }
        if (enabled) {
            throw new IllegalStateException("table " + name + " has TTL on " + current.attributeName()
                    + " but the template says " + attribute + "; delete the local data directory to start over");
        }
        dynamoDb.updateTimeToLive(update -> update.tableName(name)
                .timeToLiveSpecification(ttl -> ttl.attributeName(attribute).enabled(true)));
    }

    private static TableDescription awaitActive(DynamoDbClient dynamoDb, String name) {
        Instant deadline = Instant.now().plus(ACTIVE_TIMEOUT);
        while (true) {
            TableDescription table = dynamoDb.describeTable(describe -> describe.tableName(name)).table();
            boolean indexesActive = table.globalSecondaryIndexes().stream()
                    .allMatch(index -> index.indexStatus() == IndexStatus.ACTIVE);
            if (table.tableStatus() == TableStatus.ACTIVE && indexesActive) {
                return table;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("table " + name + " not ACTIVE after " + ACTIVE_TIMEOUT);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for table " + name, e);
            }
        }
    }
}
