package dev.inlet.localruntime;

import java.nio.charset.StandardCharsets;

import com.amazonaws.services.lambda.runtime.LambdaLogger;

/** Lambda sends the context logger to CloudWatch; locally stderr, prefixed with the function so logs stay readable. */
final class StderrLambdaLogger implements LambdaLogger {

    private final String prefix;

    StderrLambdaLogger(String functionName) {
        this.prefix = "[" + functionName + "] ";
    }

    @Override
    public void log(String message) {
        System.err.print(prefix + message + (message.endsWith("\n") ? "" : "\n"));
    }

    @Override
    public void log(byte[] message) {
        log(new String(message, StandardCharsets.UTF_8));
    }
}
