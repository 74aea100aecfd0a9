package dev.inlet.common.config;

import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Counts the retries the SDK makes (attempts beyond each call's first) on the clients it is added to, for the
 * {@code DynamoDbRetries} metric: throttling shows there before it shows as 503s.
 */
public final class SdkRetries implements ExecutionInterceptor {

    private final LongAdder calls = new LongAdder();
    private final LongAdder attempts = new LongAdder();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        calls.increment();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attempts.increment();
    }

    /** Retries since the last call of this method (one invocation's, in Lambda), counting afresh from now. */
    public long take() {
        return Math.max(0, attempts.sumThenReset() - calls.sumThenReset());
    }
}
