package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.inlet.localaws.SamTemplate;

import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.Update;

/** The checker itself, on hand-made accesses against the real template. */
class PolicyCoverageTest {

    private static final SamTemplate TEMPLATE = SamTemplate.locate();
    private static final Map<String, String> TABLES = Map.of(
            "ProjectsTable", "ProjectsTable", "AdminTokensTable", "AdminTokensTable",
            "SourcesTable", "SourcesTable", "WriteKeysTable", "WriteKeysTable");

    private static List<String> violations(String function, String operation, Object request) {
        var accesses = DynamoDbCallRecorder.accessesOf(Optional.of(function), operation,
                (software.amazon.awssdk.core.SdkRequest) request);
        return PolicyCoverage.violations(TEMPLATE, accesses, TABLES);
    }

    @Test
    void queryNeedsTheIndexResource() {
        assertEquals(List.of(), violations("SourcesFunction", "Query",
                QueryRequest.builder().tableName("SourcesTable").indexName("by_project").build()));
        List<String> baseTable = violations("SourcesFunction", "Query",
                QueryRequest.builder().tableName("SourcesTable").build());
        assertEquals(1, baseTable.size());
        assertTrue(baseTable.getFirst().contains("dynamodb:Query on table/SourcesTable"), baseTable.getFirst());
        assertEquals(1, violations("KeyRotationFunction", "Query",
                QueryRequest.builder().tableName("SourcesTable").indexName("by_project").build()).size());
    }

    @Test
    void transactionsAreAuthorizedPerItem() {
        TransactWriteItemsRequest transaction = TransactWriteItemsRequest.builder().transactItems(
                TransactWriteItem.builder().update(Update.builder().tableName("SourcesTable").build()).build(),
                TransactWriteItem.builder().put(Put.builder().tableName("WriteKeysTable").build()).build()).build();
        assertEquals(List.of(), violations("KeyRotationFunction", "TransactWriteItems", transaction));

        List<String> revocation = violations("KeyRevocationFunction", "TransactWriteItems", transaction);
        assertEquals(List.of("KeyRevocationFunction: dynamodb:PutItem on table/WriteKeysTable (TransactWriteItems)"
                + " is not allowed by its Policies"), revocation);
    }

    @Test
    void unknownTablesAreReported() {
        List<String> unknown = violations("SourcesFunction", "GetItem",
                software.amazon.awssdk.services.dynamodb.model.GetItemRequest.builder().tableName("Elsewhere").build());
        assertEquals(1, unknown.size());
    }

    @Test
    void wildcardsAndDeny() {
        var allowAll = new dev.inlet.localaws.PolicyStatement("Allow", List.of("dynamodb:Get*"), List.of("*"));
        var deny = new dev.inlet.localaws.PolicyStatement("Deny", List.of("dynamodb:GetItem"),
                List.of(Map.of("Fn::GetAtt", List.of("WriteKeysTable", "Arn"))));
        assertTrue(PolicyCoverage.allowed(List.of(allowAll), "dynamodb:GetItem", "table/SourcesTable"));
        assertTrue(!PolicyCoverage.allowed(List.of(allowAll, deny), "dynamodb:GetItem", "table/WriteKeysTable"));
        assertTrue(PolicyCoverage.allowed(List.of(new dev.inlet.localaws.PolicyStatement("Allow",
                List.of("dynamodb:Query"), List.of(Map.of("Fn::Sub", "${SourcesTable.Arn}/index/*")))),
                "dynamodb:Query", "table/SourcesTable/index/by_project"));
    }
}
