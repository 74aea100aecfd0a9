package dev.inlet.localaws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class SamTemplateTest {

    private static final SamTemplate TEMPLATE = SamTemplate.locate();

    @Test
    void shortFormTagsBecomeLongForms() {
        SamTemplate template = SamTemplate.parse("""
                Resources:
                  Thing:
                    Type: Test::Thing
                    Properties:
                      Ref: !Ref Other
                      GetAttScalar: !GetAtt Other.Arn.With.Dots
                      GetAttList: !GetAtt [Other, Arn]
                      Sub: !Sub '${Other.Arn}/index/x'
                      SubList: !Sub ['${A}-x', {A: !Ref Other}]
                      Join: !Join [':', [a, !Ref Other]]
                      If: !If [IsProd, a, b]
                      Equals: !Equals [a, b]
                      Not: !Not [!Condition IsProd]
                      And: !And [!Condition A, !Condition B]
                      Or: !Or [!Condition A, !Condition B]
                      Select: !Select [0, !GetAZs '']
                      Split: !Split [',', 'a,b']
                      FindInMap: !FindInMap [Map, Key, Value]
                      ImportValue: !ImportValue Exported
                      Base64: !Base64 text
                """);
        @SuppressWarnings("unchecked")
        Map<String, Object> properties = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                template.raw().get("Resources")).get("Thing")).get("Properties");

        assertEquals(Map.of("Ref", "Other"), properties.get("Ref"));
        assertEquals(Map.of("Fn::GetAtt", List.of("Other", "Arn.With.Dots")), properties.get("GetAttScalar"));
        assertEquals(Map.of("Fn::GetAtt", List.of("Other", "Arn")), properties.get("GetAttList"));
        assertEquals(Map.of("Fn::Sub", "${Other.Arn}/index/x"), properties.get("Sub"));
        assertEquals(Map.of("Fn::Sub", List.of("${A}-x", Map.of("A", Map.of("Ref", "Other")))), properties.get("SubList"));
        assertEquals(Map.of("Fn::Join", List.of(":", List.of("a", Map.of("Ref", "Other")))), properties.get("Join"));
        assertEquals(Map.of("Fn::If", List.of("IsProd", "a", "b")), properties.get("If"));
        assertEquals(Map.of("Fn::Equals", List.of("a", "b")), properties.get("Equals"));
        assertEquals(Map.of("Fn::Not", List.of(Map.of("Condition", "IsProd"))), properties.get("Not"));
        assertEquals(Map.of("Fn::And", List.of(Map.of("Condition", "A"), Map.of("Condition", "B"))), properties.get("And"));
        assertEquals(Map.of("Fn::Or", List.of(Map.of("Condition", "A"), Map.of("Condition", "B"))), properties.get("Or"));
        assertEquals(Map.of("Fn::Select", List.of(0, Map.of("Fn::GetAZs", ""))), properties.get("Select"));
        assertEquals(Map.of("Fn::Split", List.of(",", "a,b")), properties.get("Split"));
        assertEquals(Map.of("Fn::FindInMap", List.of("Map", "Key", "Value")), properties.get("FindInMap"));
        assertEquals(Map.of("Fn::ImportValue", "Exported"), properties.get("ImportValue"));
        assertEquals(Map.of("Fn::Base64", "text"), properties.get("Base64"));
    }

    @Test
    void parsedTemplateIsImmutable() {
        assertThrows(UnsupportedOperationException.class, () -> TEMPLATE.raw().put("x", "y"));
        FunctionDefinition sources = TEMPLATE.function("SourcesFunction");
        assertThrows(UnsupportedOperationException.class, () -> sources.environment().put("x", "y"));
        assertThrows(UnsupportedOperationException.class, () -> sources.routes().clear());
    }

    @Test
    void locateFindsTheProjectRoot() {
        assertTrue(Files.isRegularFile(SamTemplate.projectRoot().resolve("template.yaml")));
        assertTrue(Files.isRegularFile(SamTemplate.projectRoot().resolve("pom.xml")));
    }

    @Test
    void projectRootIsFoundAboveAModuleDirectory() {
        Path root = SamTemplate.projectRoot();
        String previous = System.getProperty(SamTemplate.PROJECT_ROOT_PROPERTY);
        try {
            // What Maven sets when run from inside a module directory.
            System.setProperty(SamTemplate.PROJECT_ROOT_PROPERTY, root.resolve("infrastructure/local-aws").toString());
            assertEquals(root, SamTemplate.projectRoot());
        } finally {
            if (previous == null) {
                System.clearProperty(SamTemplate.PROJECT_ROOT_PROPERTY);
            } else {
                System.setProperty(SamTemplate.PROJECT_ROOT_PROPERTY, previous);
            }
        }
    }

    @Test
    void functionsCarryHandlerRoutesAndMergedEnvironment() {
        FunctionDefinition sources = TEMPLATE.function("SourcesFunction");

        assertEquals("dev.inlet.functions.sources.SourcesHandler", sources.handlerClass());
        assertEquals("handleRequest", sources.handlerMethod());
        assertEquals("functions/sources/target/lambda/function.jar", sources.codeUri());
        assertEquals(15, sources.timeoutSeconds());
        assertEquals(1024, sources.memorySizeMb());
        // Globals first, the function's own variables overlaid.
        assertEquals("inlet", sources.environment().get("POWERTOOLS_SERVICE_NAME"));
        assertEquals(Map.of("Ref", "SourcesTable"), sources.environment().get("SOURCES_TABLE"));
        assertEquals(Map.of("Ref", "PepperSecret"), sources.environment().get("PEPPER_SECRET_ARN"));
        assertTrue(sources.routes().contains(
                new HttpRoute("SourcesFunction", "UpdateSource", "PATCH", "/api/v1/events/write-keys/{id}")));
        assertEquals("PATCH /api/v1/events/write-keys/{id}", sources.routes().stream()
                .filter(route -> route.eventName().equals("UpdateSource")).findFirst().orElseThrow().routeKey());

        List<String> functionIds = TEMPLATE.functions().stream().map(FunctionDefinition::logicalId).toList();
        assertTrue(functionIds.containsAll(
                List.of("ProjectsFunction", "SourcesFunction", "KeyRotationFunction", "KeyRevocationFunction")),
                functionIds.toString());
    }

    @Test
    void policyStatementsKeepIntrinsicResources() {
        List<PolicyStatement> statements = TEMPLATE.function("SourcesFunction").policyStatements();

        PolicyStatement query = statements.stream()
                .filter(statement -> statement.actions().equals(List.of("dynamodb:Query"))
                        && statement.resources().get(0) instanceof Map<?, ?> resource
                        && resource.containsKey("Fn::Sub"))
                .findFirst().orElseThrow();
        assertEquals("Allow", query.effect());
        assertEquals(List.of(Map.of("Fn::Sub", "${SourcesTable.Arn}/index/by_project")), query.resources());

        PolicyStatement secrets = statements.stream()
                .filter(statement -> statement.actions().contains("secretsmanager:GetSecretValue"))
                .findFirst().orElseThrow();
        assertEquals(List.of(Map.of("Ref", "PepperSecret"), Map.of("Ref", "AdminTokenSecret")), secrets.resources());
    }

    @Test
    void tablesCarryKeysIndexesAndTtl() {
        TableDefinition writeKeys = TEMPLATE.table("WriteKeysTable");
        assertEquals(Optional.of("purge_at"), writeKeys.ttlAttribute());
        assertEquals(new KeySchema("key_hash", Optional.empty()), writeKeys.keySchema());
        assertEquals(Map.of("key_hash", "S"), writeKeys.attributeDefinitions());
        assertEquals(Optional.empty(), writeKeys.streamViewType());

        TableDefinition sources = TEMPLATE.table("SourcesTable");
        assertEquals(Optional.empty(), sources.ttlAttribute());
        assertEquals(List.of(new GlobalSecondaryIndex("by_project",
                new KeySchema("project_id", Optional.of("created_key")), "ALL", List.of())),
                sources.globalSecondaryIndexes());

        List<String> tableIds = TEMPLATE.tables().stream().map(TableDefinition::logicalId).toList();
        assertTrue(tableIds.containsAll(List.of("ProjectsTable", "AdminTokensTable", "SourcesTable", "WriteKeysTable")),
                tableIds.toString());
    }

    @Test
    void ttlOnlyWhenEnabled() {
        SamTemplate template = SamTemplate.parse("""
                Resources:
                  Disabled:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                      KeySchema: [{AttributeName: id, KeyType: HASH}]
                      TimeToLiveSpecification: {AttributeName: gone_at, Enabled: false}
                      StreamSpecification: {StreamViewType: NEW_IMAGE}
                """);
        TableDefinition table = template.table("Disabled");
        assertFalse(table.ttlAttribute().isPresent());
        assertEquals(Optional.of("NEW_IMAGE"), table.streamViewType());
    }

    @Test
    void resourceTypesAndParameters() {
        assertEquals(Optional.of("AWS::SecretsManager::Secret"), TEMPLATE.resourceType("PepperSecret"));
        assertEquals(Optional.of("AWS::DynamoDB::Table"), TEMPLATE.resourceType("WriteKeysTable"));
        assertEquals(Optional.empty(), TEMPLATE.resourceType("NoSuchThing"));

        TemplateParameter retention = TEMPLATE.parameters().get("LogRetentionDays");
        assertEquals(new TemplateParameter("LogRetentionDays", "Number", Optional.of("30")), retention);
    }

    @Test
    void defaultRouteWhenEventHasNoPathOrMethod() {
        SamTemplate template = SamTemplate.parse("""
                Resources:
                  Fallback:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: example.Fallback
                      Events:
                        Everything:
                          Type: HttpApi
                        Scheduled:
                          Type: Schedule
                """);
        FunctionDefinition fallback = template.function("Fallback");
        assertEquals(List.of(new HttpRoute("Fallback", "Everything", "ANY", "$default")), fallback.routes());
        assertEquals("$default", fallback.routes().getFirst().routeKey());
        assertEquals("handleRequest", fallback.handlerMethod());
        assertEquals(3, fallback.timeoutSeconds());
    }

    @Test
    void unknownResourceIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> TEMPLATE.function("ProjectsTable"));
        assertThrows(IllegalArgumentException.class, () -> TEMPLATE.table("Nope"));
    }
}
