package dev.inlet.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.inlet.localaws.DynamoDbLocal;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/** The SDK's retries as the DynamoDbRetries metric counts them, on real calls to DynamoDB Local. */
class SdkRetriesTest {

    @Test
    void countsAttemptsBeyondEachCallsFirstAndStartsAfreshWhenRead_withInjectedThrottling() {
        SdkRetries retries = new SdkRetries();
        AtomicInteger throttlesLeft = new AtomicInteger(2);
        ExecutionInterceptor throttleTwice = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                if (throttlesLeft.getAndDecrement() > 0) {
                    throw ProvisionedThroughputExceededException.builder().message("injected").statusCode(400)
                            .awsErrorDetails(AwsErrorDetails.builder().serviceName("DynamoDb")
                                    .errorCode("ProvisionedThroughputExceededException").build())
                            .build();
                }
            }
        };
        URI endpoint = DynamoDbLocal.sharedServer().endpoint();
        try (DynamoDbClient dynamo = DynamoDbClient.builder().region(Region.US_EAST_1).endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.addExecutionInterceptor(retries).addExecutionInterceptor(throttleTwice))
                .build()) {
            dynamo.listTables();
            dynamo.listTables();
            assertEquals(2, retries.take(), "two throttled attempts were retried within the first call");
            dynamo.listTables();
            assertEquals(0, retries.take(), "counting starts afresh");
        }
    }
}
