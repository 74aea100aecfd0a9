package dev.inlet.localruntime;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import dev.inlet.localaws.FunctionDefinition;

/** The Lambda context of one local invocation; remaining time counts down from the template's Timeout. */
final class LocalLambdaContext implements Context {

    static final String ACCOUNT_ID = "000000000000";

    private final String awsRequestId;
    private final FunctionDefinition function;
    private final String region;
    private final long deadlineMillis;
    private final LambdaLogger logger;

    LocalLambdaContext(String awsRequestId, FunctionDefinition function, String region, long startMillis) {
        this.awsRequestId = awsRequestId;
        this.function = function;
        this.region = region;
        this.deadlineMillis = startMillis + function.timeoutSeconds() * 1000L;
        this.logger = new StderrLambdaLogger(function.logicalId());
    }

    @Override
    public String getAwsRequestId() {
        return awsRequestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + function.logicalId();
    }

    @Override
    public String getLogStreamName() {
        return "local/[$LATEST]" + function.logicalId();
    }

    @Override
    public String getFunctionName() {
        return function.logicalId();
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:" + region + ":" + ACCOUNT_ID + ":function:" + function.logicalId();
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
        return (int) Math.max(0, deadlineMillis - System.currentTimeMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
        return function.memorySizeMb();
    }

    @Override
    public LambdaLogger getLogger() {
        return logger;
    }
}
