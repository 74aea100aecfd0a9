package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The runtime against LocalStack's DynamoDB instead of DynamoDB Local ({@code --dynamodb-endpoint}). Needs Docker;
 * without it the class is skipped, and says why on the build output.
 */
@Testcontainers
@EnabledIf("dev.inlet.localruntime.DockerCheck#available") // elsewhere: this class's init needs Docker
class LocalStackRuntimeTest {

    @Container
    private static final LocalStackContainer LOCALSTACK =
            new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4")).withServices("dynamodb");

    @Test
    void tablesAndApiWorkOnLocalStack() throws Exception {
        LocalRuntime.Options options = LocalRuntime.Options.forTests()
                .withDynamoDbEndpoint(LOCALSTACK.getEndpoint())
                .withEnvironment(Map.of("AWS_REGION", LOCALSTACK.getRegion()));
        try (LocalRuntime runtime = LocalRuntime.start(options)) {
            List<String> tables = runtime.dynamoDb().listTables().tableNames();
            assertTrue(tables.containsAll(runtime.tableNames().values()), tables.toString());
            assertEquals(LOCALSTACK.getEndpoint(), runtime.dynamoDbEndpoint());

            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(
                            URI.create(runtime.baseUri() + "/api/v1/projects"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), anonymous.body());

            HttpResponse<String> created = client.send(HttpRequest.newBuilder(
                            URI.create(runtime.baseUri() + "/api/v1/projects"))
                    .header("Authorization", "Bearer " + runtime.adminToken())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"On LocalStack\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
        }
    }
}
