package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;

import dev.inlet.localaws.FunctionDefinition;

class LambdaFunctionTest {

    private static FunctionDefinition definition(String handlerClass, int timeoutSeconds) {
        return new FunctionDefinition("TestFunction", handlerClass, "handleRequest", "", Map.of(), List.of(),
                List.of(), timeoutSeconds, 512);
    }

    @Test
    void constructsTheHandlerSeeingItsTemplateEnvironment() throws Exception {
        LambdaFunction function = LambdaFunction.load(definition(RecordingHandler.class.getName(), 3),
                Map.of("SOURCES_TABLE", "local-sources"), "eu-west-1");
        RecordingHandler handler = (RecordingHandler) function.handler();
        assertEquals(Map.of("SOURCES_TABLE", "local-sources"), handler.environment);

        function.invoke(new APIGatewayV2HTTPEvent());
        Context context = handler.contexts.poll();
        assertEquals("TestFunction", context.getFunctionName());
        assertEquals(512, context.getMemoryLimitInMB());
        assertEquals("arn:aws:lambda:eu-west-1:000000000000:function:TestFunction", context.getInvokedFunctionArn());
        assertTrue(context.getRemainingTimeInMillis() > 2_000 && context.getRemainingTimeInMillis() <= 3_000);
        assertEquals(36, context.getAwsRequestId().length());
    }

    @Test
    void invocationRunsAsTheFunction() throws Exception {
        RecordingHandler handler = new RecordingHandler();
        AtomicReference<Optional<String>> seen = new AtomicReference<>();
        handler.responder = event -> {
            seen.set(CurrentInvocation.functionLogicalId());
            return RecordingHandler.echoRoute(event);
        };
        new LambdaFunction(definition(RecordingHandler.class.getName(), 3), handler, "us-east-1")
                .invoke(new APIGatewayV2HTTPEvent());
        assertEquals(Optional.of("TestFunction"), seen.get());
        assertEquals(Optional.empty(), CurrentInvocation.functionLogicalId());
    }

    @Test
    void overrunningTheTimeoutFails() {
        RecordingHandler handler = new RecordingHandler();
        handler.responder = event -> {
            try {
                Thread.sleep(1_100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return RecordingHandler.echoRoute(event);
        };
        LambdaFunction function = new LambdaFunction(definition(RecordingHandler.class.getName(), 1), handler,
                "us-east-1");
        assertThrows(LambdaFunction.FunctionTimeoutException.class, () -> function.invoke(new APIGatewayV2HTTPEvent()));
    }

    @Test
    void missingOrUnsuitableHandlersFailClearly() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> LambdaFunction.load(definition("dev.inlet.NoSuchHandler", 3), Map.of(), "us-east-1"));
        assertTrue(missing.getMessage().contains("dev.inlet.NoSuchHandler"), missing.getMessage());

        assertThrows(IllegalStateException.class,
                () -> LambdaFunction.load(definition(String.class.getName(), 3), Map.of(), "us-east-1"));
        assertThrows(IllegalStateException.class, () -> LambdaFunction.load(new FunctionDefinition("Fn",
                RecordingHandler.class.getName(), "other", "", Map.of(), List.of(), List.of()), Map.of(), "us-east-1"));

        IllegalStateException failing = assertThrows(IllegalStateException.class,
                () -> LambdaFunction.load(definition(FailingHandler.class.getName(), 3), Map.of(), "us-east-1"));
        assertInstanceOf(IllegalArgumentException.class, failing.getCause());
    }

    /** A handler whose constructor rejects its configuration. */
    public static class FailingHandler extends RecordingHandler {
        public FailingHandler() {
            throw new IllegalArgumentException("SOURCES_TABLE is not set (expected by LambdaFunctionTest)");
        }
    }
}
