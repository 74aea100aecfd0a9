package dev.inlet.localaws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** Streams on tables a persistent data directory kept from before the template declared them. */
class LocalTableStreamsTest {

    private final DynamoDbClient dynamoDb = DynamoDbLocal.embedded();

    private static SamTemplate template(String streamSpecification) {
        return SamTemplate.parse("""
                Resources:
                  EventsTable:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                      KeySchema: [{AttributeName: id, KeyType: HASH}]
                """ + streamSpecification.indent(6));
    }

    private TableDescription describe(String name) {
        return dynamoDb.describeTable(describe -> describe.tableName(name)).table();
    }

    @Test
    void anExistingTableGainsTheStreamTheTemplateNowDeclares() {
        String prefix = LocalTables.uniquePrefix(LocalTableStreamsTest.class);
        String name = LocalTables.createAll(dynamoDb, template(""), prefix).get("EventsTable");
        assertTrue(describe(name).streamSpecification() == null
                || !Boolean.TRUE.equals(describe(name).streamSpecification().streamEnabled()));

        LocalTables.createAll(dynamoDb, template("StreamSpecification: {StreamViewType: NEW_IMAGE}"), prefix);
        TableDescription withStream = describe(name);
        assertEquals("NEW_IMAGE", withStream.streamSpecification().streamViewTypeAsString());
        assertNotNull(withStream.latestStreamArn());

        LocalTables.createAll(dynamoDb, template("StreamSpecification: {StreamViewType: NEW_IMAGE}"), prefix);
        assertEquals(withStream.latestStreamArn(), describe(name).latestStreamArn(), "an unchanged stream is kept");

        LocalTables.createAll(dynamoDb, template("StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}"), prefix);
        TableDescription changed = describe(name);
        assertEquals("NEW_AND_OLD_IMAGES", changed.streamSpecification().streamViewTypeAsString());
        assertNotEquals(withStream.latestStreamArn(), changed.latestStreamArn(), "another view type is another stream");
    }
}
