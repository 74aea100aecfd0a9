package dev.inlet.functions.ingestion;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * CloudWatch metrics of the tracking API in Embedded Metric Format (Powertools, functional API: one EMF line per
 * invocation on stdout, no call to CloudWatch). Per invocation: {@code Requests} and {@code Latency} with the
 * dimension {@code Outcome} (accepted, or the refusal's error code: a bounded set), {@code AcceptedEvents},
 * {@code RefusedEvents} (a refused call's events, 1 when they were not read), and
 * {@code DynamoDbRetries} (the SDK's retries during the request: throttling shows there before it shows as 503s).
 * A refused request (a 4xx the statistics count) carries a second dimension set, {@code Reason}: one of the eight
 * {@link #REASONS}, mapped from its code as the statistics map it ({@link RefusalCounts#reason}), so an alarm per
 * reason covers every refusal code, new ones included. Both sets are bounded (about 20 codes, 8 reasons). Sources
 * are deliberately not a dimension: their number is unbounded and each dimension value is a billed custom metric;
 * per-source counts live in the statistics table instead. The constants are what template.yaml's alarms and
 * dashboard may name (a test checks them against the template).
 */
public final class IngestMetrics {

    public static final String REQUESTS = "Requests";
    public static final String ACCEPTED_EVENTS = "AcceptedEvents";
    public static final String REFUSED_EVENTS = "RefusedEvents";
    public static final String LATENCY = "Latency";
    public static final String DYNAMODB_RETRIES = "DynamoDbRetries";
    public static final List<String> METRIC_NAMES = List.of(REQUESTS, ACCEPTED_EVENTS, REFUSED_EVENTS, LATENCY,
            DYNAMODB_RETRIES);

    public static final String OUTCOME = "Outcome";
    public static final String REASON = "Reason";
    /** Outcomes besides the error codes. */
    public static final String ACCEPTED = "accepted";
    public static final String PREFLIGHT = "preflight";
    /** The statistics' refusal reasons: the only values of {@link #REASON}. */
    public static final List<String> REASONS = List.of("unauthorized", "key_expired", "source_disabled",
            "event_type_not_allowed", "origin_not_allowed", "rate_limited", "payload_too_large", "invalid_payload");

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

    /**
     * The reason a refused request is counted under, or null when the answer is no refusal: the same rule as the
     * statistics (IngestService counts 4xx answers except {@code route_not_found}), the same mapping.
     */
    static String reasonOf(int status, String outcome) {
        if (status < 400 || status >= 500 || outcome.equals("route_not_found")) {
            return null;
        }
        return RefusalCounts.reason(outcome);
    }

    /** Never fails the request: a metrics problem is logged and the answer goes out unchanged. */
    synchronized void record(Context context, int status, String outcome, int acceptedEvents, int refusedEvents,
                             long latencyMillis, long dynamoDbRetries) {
        try {
            if (!coldStartCaptured && context != null) {
                metrics.captureColdStartMetric(context);
            }
            coldStartCaptured = true;
            metrics.addDimension(OUTCOME, outcome);
            String reason = reasonOf(status, outcome);
            if (reason != null) {
                // Its own dimension set in the same line: no second EMF line per refusal under a flood.
                metrics.addDimension(REASON, reason);
            }
            metrics.addMetric(REQUESTS, 1, MetricUnit.COUNT);
            if (acceptedEvents > 0) {
                metrics.addMetric(ACCEPTED_EVENTS, acceptedEvents, MetricUnit.COUNT);
            }
            if (refusedEvents > 0) {
                metrics.addMetric(REFUSED_EVENTS, refusedEvents, MetricUnit.COUNT);
            }
            metrics.addMetric(LATENCY, latencyMillis, MetricUnit.MILLISECONDS);
            if (dynamoDbRetries > 0) {
                metrics.addMetric(DYNAMODB_RETRIES, dynamoDbRetries, MetricUnit.COUNT);
            }
            metrics.flush();
        } catch (RuntimeException e) {
            LOG.warn("Could not record metrics for outcome {}", outcome, e);
        }
    }
}
