package dev.inlet.localaws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class FunctionEnvironmentTest {

    private static final SamTemplate TEMPLATE = SamTemplate.locate();
    private static final Map<String, String> TABLES = TEMPLATE.tables().stream()
            .collect(Collectors.toMap(TableDefinition::logicalId, table -> "p-" + table.logicalId()));

    @Test
    void sourcesFunctionGetsLocalTableNamesAndNeedsPlainSecrets() {
        ResolvedEnvironment environment = FunctionEnvironment.resolve(
                TEMPLATE, TEMPLATE.function("SourcesFunction"), TABLES, Map.of());

        assertEquals("p-SourcesTable", environment.variables().get("SOURCES_TABLE"));
        assertEquals("p-WriteKeysTable", environment.variables().get("WRITE_KEYS_TABLE"));
        assertEquals("inlet", environment.variables().get("POWERTOOLS_SERVICE_NAME"));
        assertEquals(Set.of("PEPPER", "ADMIN_TOKEN"), environment.requiredSecrets());
        assertFalse(environment.variables().containsKey("PEPPER_SECRET_ARN"));
        assertFalse(environment.variables().containsKey("ADMIN_TOKEN_SECRET_ARN"));
    }

    @Test
    void everyTemplateFunctionResolves() {
        for (FunctionDefinition function : TEMPLATE.functions()) {
            ResolvedEnvironment environment = FunctionEnvironment.resolve(TEMPLATE, function, TABLES, Map.of());
            // Every secret a function declares becomes a required plain value locally, and only those.
            boolean declaresPepper = function.environment().containsKey("PEPPER_SECRET_ARN");
            assertEquals(declaresPepper, environment.requiredSecrets().contains("PEPPER"), function.logicalId());
            assertFalse(environment.variables().keySet().stream().anyMatch(v -> v.endsWith("_SECRET_ARN")),
                    function.logicalId());
        }
    }

    @Test
    void parametersTakeOverrideElseDefault() {
        SamTemplate template = SamTemplate.parse("""
                Parameters:
                  Stage: {Type: String, Default: dev}
                  Required: {Type: String}
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: example.Fn
                      Environment:
                        Variables:
                          STAGE: !Ref Stage
                          NEEDED: !Ref Required
                          COUNT: 3
                """);
        FunctionDefinition function = template.function("Fn");

        assertEquals(Map.of("STAGE", "dev", "NEEDED", "x", "COUNT", "3"),
                FunctionEnvironment.resolve(template, function, Map.of(), Map.of("Required", "x")).variables());
        assertEquals("prod", FunctionEnvironment.resolve(template, function, Map.of(),
                Map.of("Stage", "prod", "Required", "x")).variables().get("STAGE"));

        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> FunctionEnvironment.resolve(template, function, Map.of(), Map.of()));
        assertTrue(missing.getMessage().contains("NEEDED"), missing.getMessage());
    }

    @Test
    void unresolvableValuesNameTheVariable() {
        SamTemplate template = SamTemplate.parse("""
                Resources:
                  Secret: {Type: AWS::SecretsManager::Secret}
                  Table: {Type: AWS::DynamoDB::Table}
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: example.Fn
                      Environment:
                        Variables:
                          TABLE_ARN: !GetAtt Table.Arn
                """);
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> FunctionEnvironment.resolve(template, template.function("Fn"), Map.of("Table", "t"), Map.of()));
        assertTrue(error.getMessage().contains("TABLE_ARN"), error.getMessage());

        SamTemplate secretWithoutSuffix = SamTemplate.parse("""
                Resources:
                  Secret: {Type: AWS::SecretsManager::Secret}
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: example.Fn
                      Environment: {Variables: {SECRET: !Ref Secret}}
                """);
        assertThrows(IllegalStateException.class, () -> FunctionEnvironment.resolve(
                secretWithoutSuffix, secretWithoutSuffix.function("Fn"), Map.of(), Map.of()));
    }

    @Test
    void tableWithoutLocalNameIsAnError() {
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> FunctionEnvironment.resolve(
                TEMPLATE, TEMPLATE.function("SourcesFunction"), Map.of(), Map.of()));
        assertTrue(error.getMessage().contains("SourcesFunction"), error.getMessage());
    }
}
