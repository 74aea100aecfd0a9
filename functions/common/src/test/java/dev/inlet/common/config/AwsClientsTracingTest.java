package dev.inlet.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.xray.AWSXRay;
import com.amazonaws.xray.AWSXRayRecorder;
import com.amazonaws.xray.AWSXRayRecorderBuilder;
import com.amazonaws.xray.emitters.Emitter;
import com.amazonaws.xray.entities.Segment;
import com.amazonaws.xray.entities.Subsegment;
import com.amazonaws.xray.strategy.sampling.AllSamplingStrategy;
import dev.inlet.localaws.DynamoDbLocal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * X-Ray subsegments of SDK calls, with a real recorder whose emitter keeps the segments instead of sending them to a
 * daemon (there is none here), and real calls to DynamoDB Local over HTTP.
 */
class AwsClientsTracingTest {

    private final AWSXRayRecorder original = AWSXRay.getGlobalRecorder();
    private final List<Segment> emitted = new ArrayList<>();

    @AfterEach
    void restore() {
        AWSXRay.setGlobalRecorder(original);
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @Test
    void withTracingActiveEveryDynamoDbCallIsASubsegmentOfTheInvocation() {
        AWSXRay.setGlobalRecorder(AWSXRayRecorderBuilder.standard().withEmitter(capturing())
                .withSamplingStrategy(new AllSamplingStrategy()).build());
        DynamoDbClient dynamo = AwsClients.dynamoDb(Map.of("AWS_REGION", "us-east-1",
                AwsClients.DYNAMODB_ENDPOINT, DynamoDbLocal.sharedServer().endpoint().toString(),
                AwsClients.XRAY_DAEMON_ADDRESS, "169.254.79.129:2000"));
        // The default credentials chain, as in Lambda; DynamoDB Local accepts any credentials.
        System.setProperty("aws.accessKeyId", "local");
        System.setProperty("aws.secretAccessKey", "local");

        AWSXRay.beginSegment("invocation");
        dynamo.listTables();
        try {
            dynamo.getItem(b -> b.tableName("no-such-table").key(Map.of("id",
                    software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("x"))));
        } catch (ResourceNotFoundException expected) {
            // a failed call is traced too
        }
        AWSXRay.endSegment();

        assertEquals(1, emitted.size());
        List<Subsegment> calls = emitted.getFirst().getSubsegments();
        assertEquals(List.of("DynamoDb", "DynamoDb"), calls.stream().map(Subsegment::getName).toList());
        assertEquals("ListTables", calls.get(0).getAws().get("operation"));
        assertEquals("GetItem", calls.get(1).getAws().get("operation"));
        assertEquals("no-such-table", calls.get(1).getAws().get("table_name"));
        assertTrue(calls.get(1).isFault() || calls.get(1).isError(), "the failed call is marked");
    }

    @Test
    void withoutTracingNoInterceptorIsAdded() {
        assertTrue(AwsClients.overrides(Map.of()).executionInterceptors().isEmpty());
        assertEquals(1, AwsClients.overrides(Map.of(AwsClients.XRAY_DAEMON_ADDRESS, "127.0.0.1:2000"))
                .executionInterceptors().size());
    }

    private Emitter capturing() {
        return new Emitter() {
            @Override
            public boolean sendSegment(Segment segment) {
                emitted.add(segment);
                return true;
            }

            @Override
            public boolean sendSubsegment(Subsegment subsegment) {
                return true;
            }
        };
    }
}
