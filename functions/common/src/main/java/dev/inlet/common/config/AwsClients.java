package dev.inlet.common.config;

import com.amazonaws.xray.interceptors.TracingInterceptor;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * SDK clients built once per container: explicit region (no region lookup chain at start-up), the light
 * URL-connection HTTP client (no Apache, no Netty), and the default credentials chain, which SnapStart needs.
 */
public final class AwsClients {

    /**
     * Set by Lambda when the function's {@code Tracing} is {@code Active} (template.yaml): then every SDK call is an
     * X-Ray subsegment (service, operation, table, retries, errors) of the invocation's trace.
     */
    public static final String XRAY_DAEMON_ADDRESS = "AWS_XRAY_DAEMON_ADDRESS";

    /** Local runtime only: the DynamoDB Local endpoint. Absent in AWS. */
    public static final String DYNAMODB_ENDPOINT = "DYNAMODB_ENDPOINT";

    private AwsClients() {
    }

    public static Region region(Map<String, String> environment) {
        String region = environment.get("AWS_REGION");
        if (region == null || region.isBlank()) {
            throw new IllegalStateException("AWS_REGION is not set (Lambda sets it; the local runtime too)");
        }
        return Region.of(region);
    }

    public static DynamoDbClient dynamoDb(Map<String, String> environment) {
        return dynamoDb(environment, null);
    }

    /** A DynamoDB client whose retries {@code retries} counts (when not null). */
    public static DynamoDbClient dynamoDb(Map<String, String> environment, SdkRetries retries) {
        ClientOverrideConfiguration.Builder overrides = overrides(environment).toBuilder();
        if (retries != null) {
            overrides.addExecutionInterceptor(retries);
        }
        var builder = DynamoDbClient.builder()
                .region(region(environment))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(overrides.build());
        Optional.ofNullable(environment.get(DYNAMODB_ENDPOINT)).filter(e -> !e.isBlank())
                .map(URI::create).ifPresent(builder::endpointOverride);
        return builder.build();
    }

    public static SecretsManagerClient secretsManager(Map<String, String> environment) {
        return SecretsManagerClient.builder()
                .region(region(environment))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(overrides(environment))
                .build();
    }

    static ClientOverrideConfiguration overrides(Map<String, String> environment) {
        ClientOverrideConfiguration.Builder overrides = ClientOverrideConfiguration.builder();
        if (!environment.getOrDefault(XRAY_DAEMON_ADDRESS, "").isBlank()) {
            overrides.addExecutionInterceptor(new TracingInterceptor());
        }
        return overrides.build();
    }
}
