package dev.inlet.bench.coldstart;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child JVM of the cold-start figure, standing in for the Lambda runtime: loads the handler class named on the
 * command line (from the function's jar, first on the class path), constructs it (Lambda's init), reads the
 * payload-v2 event from a file into {@link APIGatewayV2HTTPEvent} (the runtime's deserialisation), invokes it once
 * and prints one line {@code COLDSTART status=… init_ms=… invoke_ms=…}. The parent times process start to that line.
 * The same for every function and for the floor.
 */
public final class ColdStartLauncher {

    public static final String ANSWER_PREFIX = "COLDSTART ";

    private ColdStartLauncher() {
    }

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        Class<?> type = Class.forName(args[0]);
        @SuppressWarnings("unchecked")
        var handler = (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) type.getConstructor()
                .newInstance();
        long constructed = System.nanoTime();
        APIGatewayV2HTTPEvent event = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(Files.readAllBytes(Path.of(args[1])), APIGatewayV2HTTPEvent.class);
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, new InvocationContext(
                event.getRequestContext().getRequestId()));
        long answered = System.nanoTime();
        String body = response.getBody() == null ? "" : response.getBody();
        System.out.println(ANSWER_PREFIX + "status=" + response.getStatusCode()
                + " init_ms=" + (constructed - start) / 1_000_000
                + " invoke_ms=" + (answered - constructed) / 1_000_000
                + " body=" + body.substring(0, Math.min(body.length(), 300)).replace('\n', ' '));
        System.out.flush();
        System.exit(0); // the figure ends at the answer; whatever the SDK does at exit is not Lambda's concern
    }

    /** What the handlers read of a Lambda context: a request id, the time left, a logger. */
    private record InvocationContext(String requestId) implements Context {
        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/" + getFunctionName();
        }

        @Override
        public String getLogStreamName() {
            return "cold-start";
        }

        @Override
        public String getFunctionName() {
            return System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_NAME", "bench");
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:000000000000:function:" + getFunctionName();
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return 15_000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 1024;
        }

        /** No handler logs through the context (they use SLF4J on stderr). */
        @Override
        public LambdaLogger getLogger() {
            return null;
        }
    }
}
