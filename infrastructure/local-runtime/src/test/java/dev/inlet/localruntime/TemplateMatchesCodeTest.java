package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.http.Json;
import dev.inlet.common.store.TableNames;
import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.HttpRoute;
import dev.inlet.localaws.SamTemplate;
import dev.inlet.localaws.TableDefinition;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** template.yaml is the single truth; this checks the code and the samples agree with it. */
class TemplateMatchesCodeTest {

    private static final SamTemplate TEMPLATE = SamTemplate.locate();

    @Test
    void everyHandlerExistsAsALambdaHandlerWithANoArgConstructor() throws Exception {
        for (FunctionDefinition function : TEMPLATE.functions()) {
            Class<?> handler = Class.forName(function.handlerClass());
            assertTrue(RequestHandler.class.isAssignableFrom(handler), function.handlerClass());
            assertTrue(Modifier.isPublic(handler.getConstructor().getModifiers()), function.handlerClass());
            assertEquals("handleRequest", function.handlerMethod(), function.logicalId());
            String codeUri = function.codeUri();
            assertTrue(codeUri.startsWith("functions/") && codeUri.endsWith("/target/lambda/function.jar"),
                    function.logicalId() + " CodeUri " + codeUri);
            assertTrue(Files.isRegularFile(SamTemplate.projectRoot().resolve(codeUri.replace(
                    "/target/lambda/function.jar", "/pom.xml"))), "CodeUri names a function module: " + codeUri);
        }
    }

    @Test
    void everyRouteHasExactlyOneSampleEventAndEverySampleARoute() throws IOException {
        Set<String> routes = TEMPLATE.functions().stream().flatMap(f -> f.routes().stream())
                .map(HttpRoute::routeKey).collect(Collectors.toCollection(TreeSet::new));
        Map<String, List<String>> samples;
        try (Stream<Path> files = Files.list(SamTemplate.projectRoot().resolve("events"))) {
            samples = files.filter(p -> p.toString().endsWith(".json")).collect(Collectors.groupingBy(
                    TemplateMatchesCodeTest::routeKeyOf, java.util.TreeMap::new,
                    Collectors.mapping(p -> p.getFileName().toString(), Collectors.toList())));
        }
        assertEquals(routes, samples.keySet(), "routes in template.yaml vs routeKeys in events/*.json");
        samples.forEach((route, files) -> assertEquals(1, files.size(), route + " has samples " + files));
        for (FunctionDefinition function : TEMPLATE.functions()) {
            for (HttpRoute route : function.routes()) {
                Path sample = SamTemplate.projectRoot().resolve("events").resolve(route.eventName() + ".json");
                assertTrue(Files.isRegularFile(sample), "events/" + route.eventName() + ".json");
            }
        }
    }

    @Test
    void tablesIndexesAndTtlTheCodeUsesAreDeclared() {
        Map<String, TableDefinition> tables = TEMPLATE.tables().stream()
                .collect(Collectors.toMap(TableDefinition::logicalId, t -> t));
        for (FunctionDefinition function : TEMPLATE.functions()) {
            for (String variable : List.of(TableNames.PROJECTS, TableNames.ADMIN_TOKENS, TableNames.SOURCES,
                    TableNames.WRITE_KEYS)) {
                Object value = function.environment().get(variable);
                if (value != null) {
                    assertTrue(value instanceof Map<?, ?> ref && tables.containsKey(String.valueOf(ref.get("Ref"))),
                            function.logicalId() + " " + variable + " must !Ref a table, is " + value);
                }
            }
        }
        assertEquals("id", tables.get("SourcesTable").keySchema().hashKey());
        assertEquals("key_hash", tables.get("WriteKeysTable").keySchema().hashKey());
        assertEquals("token_hash", tables.get("AdminTokensTable").keySchema().hashKey());
        assertEquals("id", tables.get("ProjectsTable").keySchema().hashKey());
        assertTrue(tables.get("SourcesTable").globalSecondaryIndexes().stream()
                .anyMatch(i -> i.indexName().equals(TableNames.BY_PROJECT_INDEX)));
        assertTrue(tables.get("AdminTokensTable").globalSecondaryIndexes().stream()
                .anyMatch(i -> i.indexName().equals(TableNames.BY_PROJECT_INDEX)));
        assertEquals(TableNames.WRITE_KEYS_TTL_ATTRIBUTE, tables.get("WriteKeysTable").ttlAttribute().orElseThrow());
    }

    @Test
    void dataAndThePepperThatMakesItUsableOutliveTheStack() {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) TEMPLATE.raw().get("Resources");
        resources.forEach((id, resource) -> {
            String type = String.valueOf(resource.get("Type"));
            if (type.equals("AWS::DynamoDB::Table") || type.equals("AWS::SecretsManager::Secret")) {
                assertEquals("Retain", resource.get("DeletionPolicy"), id);
                assertEquals("Retain", resource.get("UpdateReplacePolicy"), id);
            }
        });
    }

    private static String routeKeyOf(Path sample) {
        try {
            JsonNode event = Json.parse(Files.readString(sample));
            return event.path("routeKey").asText();
        } catch (IOException e) {
            throw new IllegalStateException(sample.toString(), e);
        }
    }
}
