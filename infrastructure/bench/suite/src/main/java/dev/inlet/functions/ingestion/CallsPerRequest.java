package dev.inlet.functions.ingestion;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.inlet.bench.AdminApi;
import dev.inlet.bench.CallCounter;
import dev.inlet.bench.TrackingBodies;
import dev.inlet.common.config.SecretValues;
import dev.inlet.common.testing.MutableClock;
import dev.inlet.common.testing.TestRequests;
import dev.inlet.localaws.LocalClients;
import dev.inlet.localruntime.LocalRuntime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.lambda.powertools.metrics.MetricsFactory;

/**
 * Figure 1: DynamoDB API calls per ingestion request, warm and in steady state, at a given request rate per container.
 *
 * <p>One {@link IngestHandler} (one container) with the ingestion function's template environment, against the
 * local runtime's DynamoDB Local, its client counting calls with a {@link CallCounter}. Its clock is simulated and
 * advances 1/rate per request, so the rate-limit leases (2 s), the key cache (5 s) and the refusal counters (10 s)
 * see exactly {@code requestsPerSecond} whatever this machine manages; every DynamoDB call is real.
 */
public final class CallsPerRequest {

    /** Calls per request over the measured requests. */
    public record Result(String scenario, int eventsPerRequest, int requestsPerSecond, int sourceRateLimitEps,
                         long requests, double reads, double eventWrites, double rateLimitWrites,
                         double counterWrites, double otherWrites) {

        /** Everything that is neither a read nor a write of the events themselves. */
        public double amortized() {
            return rateLimitWrites + counterWrites + otherWrites;
        }
    }

    private CallsPerRequest() {
    }

    /**
     * @param sourceRateLimitEps the source's {@code rate_limit_eps}, 0 for the plan's default
     * @param warmRequests       requests before counting starts (the container warms up, leases settle)
     * @param measuredRequests   requests counted
     */
    public static Result measure(LocalRuntime runtime, AdminApi admin, String scenario, int eventsPerRequest,
                                 int requestsPerSecond, int sourceRateLimitEps, int warmRequests,
                                 int measuredRequests) {
        AdminApi.Source source = admin.createSource("calls " + scenario, sourceRateLimitEps);
        CallCounter counter = new CallCounter(runtime.tableNames());
        Map<String, String> environment = runtime.function("IngestFunction").environment();
        MutableClock clock = new MutableClock(Instant.now());
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(runtime.dynamoDbEndpoint())
                .region(LocalClients.REGION)
                .credentialsProvider(LocalClients.dummyCredentials())
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.addExecutionInterceptor(counter))
                .build()) {
            IngestHandler handler = new IngestHandler(dynamo, environment,
                    SecretValues.fromEnvironment(environment, () -> {
                        throw new IllegalStateException("the local runtime passes secrets in plain form");
                    }), clock, MetricsFactory.getMetricsInstance());
            String route = eventsPerRequest == 1 ? "POST /v1/track" : "POST /v1/batch";
            Duration interval = Duration.ofNanos(1_000_000_000L / requestsPerSecond);
            for (int i = 0; i < warmRequests + measuredRequests; i++) {
                if (i == warmRequests) {
                    counter.reset();
                }
                APIGatewayV2HTTPEvent event = TestRequests.route(route)
                        .header("authorization", source.basicAuthorization())
                        .json(TrackingBodies.body(scenario + "-" + i, eventsPerRequest)).build();
                APIGatewayV2HTTPResponse answer = handler.handleRequest(event, null);
                if (answer.getStatusCode() != 200) {
                    throw new IllegalStateException(scenario + ": request " + i + " answered "
                            + answer.getStatusCode() + " " + answer.getBody());
                }
                clock.advance(interval);
            }
        }
        double n = measuredRequests;
        return new Result(scenario, eventsPerRequest, requestsPerSecond, sourceRateLimitEps, measuredRequests,
                counter.count(CallCounter.Kind.READ) / n, counter.count(CallCounter.Kind.EVENT_WRITE) / n,
                counter.count(CallCounter.Kind.RATE_LIMIT_WRITE) / n, counter.count(CallCounter.Kind.COUNTER_WRITE) / n,
                counter.count(CallCounter.Kind.OTHER_WRITE) / n);
    }
}
