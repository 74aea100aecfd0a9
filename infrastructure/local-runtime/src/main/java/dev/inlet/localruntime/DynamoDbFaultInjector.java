package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Injects the faults of {@link DynamoDbFaults} into DynamoDB calls, as an SDK interceptor of every client in the JVM
 * (registered by {@code software/amazon/awssdk/global/handlers/execution.interceptors}, so the functions' own clients,
 * built by production code, get it too). It does nothing to a client whose endpoint has no active faults, so nothing
 * at all unless a local runtime was given fault rules. Each fault goes through the SDK as a real one would:
 * <ul>
 *   <li>throttling: a {@code ProvisionedThroughputExceededException} (400) thrown before the attempt is sent, inside
 *       the SDK's retry loop, so its retry policy and backoff apply;</li>
 *   <li>a 500: the attempt is sent (the write may apply, as it may in DynamoDB), then its HTTP answer is replaced by
 *       a 500 {@code InternalServerError} that the SDK unmarshals and retries itself;</li>
 *   <li>a timeout: the attempt is sent, then its answer is held back past the call's timeout (the call's
 *       {@code apiCallAttemptTimeout} or {@code apiCallTimeout}; 2 s more when it has none, then an I/O error);</li>
 *   <li>unprocessed items: a random part (at least one, never all) of a BatchWriteItem's items is kept out of the
 *       request and returned as {@code UnprocessedItems}: those items are really not written.</li>
 * </ul>
 */
public final class DynamoDbFaultInjector implements ExecutionInterceptor {

    private static final ExecutionAttribute<DynamoDbFaults.Kind> ATTEMPT_FAULT =
            new ExecutionAttribute<>("inlet.injectedFault");
    private static final ExecutionAttribute<Map<String, List<WriteRequest>>> WITHHELD =
            new ExecutionAttribute<>("inlet.withheldItems");
    private static final Set<DynamoDbFaults.Kind> PER_ATTEMPT = Set.of(DynamoDbFaults.Kind.THROTTLING,
            DynamoDbFaults.Kind.INTERNAL_ERROR, DynamoDbFaults.Kind.TIMEOUT);
    /** How long a stalled answer waits when the call has no timeout of its own (a socket timeout stands in). */
    private static final Duration STALL_WITHOUT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PAST_TIMEOUT = Duration.ofMillis(250);

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        if (!(context.request() instanceof BatchWriteItemRequest batch) || batch.requestItems().size() != 1) {
            return context.request();
        }
        Optional<DynamoDbFaults> faults = faultsOf(attributes.getAttribute(SdkExecutionAttribute.CLIENT_ENDPOINT));
        if (faults.isEmpty()) {
            return batch;
        }
        String table = batch.requestItems().keySet().iterator().next();
        List<WriteRequest> items = batch.requestItems().get(table);
        if (items.size() < 2 || faults.get().pick(call(attributes, batch), Set.of(DynamoDbFaults.Kind.UNPROCESSED_ITEMS))
                .isEmpty()) {
            return batch;
        }
        List<WriteRequest> shuffled = new ArrayList<>(items);
        Collections.shuffle(shuffled, ThreadLocalRandom.current());
        int withheld = ThreadLocalRandom.current().nextInt(1, items.size()); // at least one sent, at least one not
        attributes.putAttribute(WITHHELD, Map.of(table, List.copyOf(shuffled.subList(0, withheld))));
        return batch.toBuilder().requestItems(Map.of(table, List.copyOf(shuffled.subList(withheld, items.size()))))
                .build();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attributes.putAttribute(ATTEMPT_FAULT, null);
        if (!(context.request() instanceof DynamoDbRequest request)) {
            return;
        }
        Optional<DynamoDbFaults> faults = faultsOf(URI.create(context.httpRequest().protocol() + "://"
                + context.httpRequest().host() + ":" + context.httpRequest().port()));
        if (faults.isEmpty()) {
            return;
        }
        Optional<DynamoDbFaults.Kind> fault = faults.get().pick(call(attributes, request), PER_ATTEMPT);
        if (fault.isEmpty()) {
            return;
        }
        if (fault.get() == DynamoDbFaults.Kind.THROTTLING) {
            throw ProvisionedThroughputExceededException.builder()
                    .message("The level of configured provisioned throughput for the table was exceeded (injected)")
                    .statusCode(400)
                    .awsErrorDetails(AwsErrorDetails.builder().serviceName("DynamoDb")
                            .errorCode("ProvisionedThroughputExceededException")
                            .errorMessage("The level of configured provisioned throughput for the table was exceeded "
                                    + "(injected)")
                            .sdkHttpResponse(SdkHttpResponse.builder().statusCode(400).build()).build())
                    .build();
        }
        attributes.putAttribute(ATTEMPT_FAULT, fault.get()); // applied to the answer, once the request was sent
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        DynamoDbFaults.Kind fault = attributes.getAttribute(ATTEMPT_FAULT);
        if (fault == DynamoDbFaults.Kind.TIMEOUT) {
            stallPastTimeout(context.request());
        }
        if (fault != DynamoDbFaults.Kind.INTERNAL_ERROR) {
            return context.httpResponse();
        }
        // The body changes, so its CRC32 and length no longer hold: drop them, as a proxy's error page would have none.
        return context.httpResponse().toBuilder().statusCode(500).statusText("Internal Server Error")
                .removeHeader("x-amz-crc32").removeHeader("Content-Length").build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        if (attributes.getAttribute(ATTEMPT_FAULT) != DynamoDbFaults.Kind.INTERNAL_ERROR) {
            return context.responseBody();
        }
        String body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
                + "\"message\":\"Internal server error (injected)\"}";
        return Optional.of(new ByteArrayInputStream(body.getBytes(UTF_8)));
    }

    @Override
    public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
        Map<String, List<WriteRequest>> withheld = attributes.getAttribute(WITHHELD);
        if (withheld == null || !(context.response() instanceof BatchWriteItemResponse response)) {
            return context.response();
        }
        Map<String, List<WriteRequest>> unprocessed = new HashMap<>(response.unprocessedItems());
        withheld.forEach((table, items) -> {
            List<WriteRequest> all = new ArrayList<>(unprocessed.getOrDefault(table, List.of()));
            all.addAll(items);
            unprocessed.put(table, all);
        });
        return response.toBuilder().unprocessedItems(unprocessed).build();
    }

    /**
     * Waits past the call's timeout: the SDK's timer interrupts the wait and reports its own timeout exception.
     * Without a timeout, an I/O error after {@link #STALL_WITHOUT_TIMEOUT} stands in for the socket's.
     */
    private static void stallPastTimeout(SdkRequest request) {
        Optional<Duration> timeout = request.overrideConfiguration().flatMap(o -> o.apiCallAttemptTimeout()
                .or(o::apiCallTimeout));
        try {
            Thread.sleep(timeout.map(PAST_TIMEOUT::plus).orElse(STALL_WITHOUT_TIMEOUT).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the SDK's timeout interrupted us: it turns this into its exception
            throw SdkClientException.create("Injected stall interrupted by the call's timeout", e);
        }
        throw SdkClientException.create("Read timed out (injected)", new java.net.SocketTimeoutException(
                "Read timed out (injected)"));
    }

    private static DynamoDbFaults.Call call(ExecutionAttributes attributes, DynamoDbRequest request) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        String table = request instanceof BatchWriteItemRequest batch && batch.requestItems().size() == 1
                ? batch.requestItems().keySet().iterator().next()
                : request.getValueForField("TableName", String.class).orElse("");
        return new DynamoDbFaults.Call(CurrentInvocation.functionLogicalId(), operation, table, request);
    }

    private static Optional<DynamoDbFaults> faultsOf(URI endpoint) {
        return DynamoDbFaults.forEndpoint(endpoint);
    }
}
