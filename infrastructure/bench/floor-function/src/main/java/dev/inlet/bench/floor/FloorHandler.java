package dev.inlet.bench.floor;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The cold-start floor of this stack (scripts/bench): a handler that only builds a {@link DynamoDbClient} the way
 * Inlet's functions do (URL-connection HTTP client, explicit region, default credentials chain) and answers each
 * HTTP API event with one {@code GetItem}. Nothing of Inlet is in its jar; no function can start faster than this.
 */
public final class FloorHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private final DynamoDbClient dynamo;
    private final String table;

    public FloorHandler() {
        Map<String, String> environment = System.getenv();
        var builder = DynamoDbClient.builder()
                .region(Region.of(environment.get("AWS_REGION")))
                .httpClient(UrlConnectionHttpClient.create());
        String endpoint = environment.get("DYNAMODB_ENDPOINT"); // the local runtime's variable; absent in AWS
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        this.dynamo = builder.build();
        this.table = environment.get("WRITE_KEYS_TABLE");
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        boolean found = dynamo.getItem(get -> get.tableName(table)
                .key(Map.of("key_hash", AttributeValue.fromS("floor-" + event.getRequestContext().getRequestId()))))
                .hasItem();
        return APIGatewayV2HTTPResponse.builder().withStatusCode(200)
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"found\":" + found + "}").build();
    }
}
