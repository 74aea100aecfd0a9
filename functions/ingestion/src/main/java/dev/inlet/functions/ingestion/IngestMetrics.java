package dev.inlet.functions.ingestion;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * CloudWatch metrics of the tracking API in Embedded Metric Format (Powertools, functional API: one EMF line per
 * invocation on stdout, no call to CloudWatch). Per invocation: {@code Requests} and {@code Latency} with the
 * dimension {@code Outcome} (accepted, or the refusal's error code: a bounded set), {@code AcceptedEvents}, and
 * {@code DynamoDbRetries} (the SDK's retries during the request: throttling shows there before it shows as 503s).
 * Sources are deliberately not a dimension: their number is unbounded and each dimension value is a billed custom
 * metric; per-source counts live in the statistics table instead.
 */
final class IngestMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(IngestMetrics.class);

    private final Metrics metrics;
    private boolean coldStartCaptured;

    /**
     * Namespace and service come from the function's environment as template.yaml sets it (Powertools would read the
     * process environment, which the local runtime cannot set per function).
     */
    IngestMetrics(Metrics metrics, Map<String, String> environment) {
        this.metrics = metrics;
        try {
            metrics.setNamespace(environment.getOrDefault("POWERTOOLS_METRICS_NAMESPACE", "Inlet"));
            metrics.setDefaultDimensions(DimensionSet.of("Service",
                    environment.getOrDefault("POWERTOOLS_SERVICE_NAME", "inlet")));
        } catch (RuntimeException e) {
            LOG.warn("Could not configure metrics", e);
        }
    }

    /** Never fails the request: a metrics problem is logged and the answer goes out unchanged. */
    synchronized void record(Context context, String outcome, int acceptedEvents, long latencyMillis,
                             long dynamoDbRetries) {
        try {
            if (!coldStartCaptured && context != null) {
                metrics.captureColdStartMetric(context);
            }
            coldStartCaptured = true;
            metrics.addDimension("Outcome", outcome);
            metrics.addMetric("Requests", 1, MetricUnit.COUNT);
            if (acceptedEvents > 0) {
                metrics.addMetric("AcceptedEvents", acceptedEvents, MetricUnit.COUNT);
            }
            metrics.addMetric("Latency", latencyMillis, MetricUnit.MILLISECONDS);
            if (dynamoDbRetries > 0) {
                metrics.addMetric("DynamoDbRetries", dynamoDbRetries, MetricUnit.COUNT);
            }
            metrics.flush();
        } catch (RuntimeException e) {
            LOG.warn("Could not record metrics for outcome {}", outcome, e);
        }
    }
}
