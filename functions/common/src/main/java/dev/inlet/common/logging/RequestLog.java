package dev.inlet.common.logging;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.function.Supplier;
import org.slf4j.MDC;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The fields every log line of one invocation carries. Powertools' JSON layout (inlet-log4j2.xml) prints the Lambda
 * context (function, Lambda request id, cold start, X-Ray trace id) and every MDC entry, so a field set here is on
 * each line logged until the invocation ends: the API Gateway request id that error bodies quote, the route, and once
 * known the source, project or admin actor and the outcome. Functional API, no AspectJ weaving (see README).
 *
 * <p>Only ids go here, never a key, token or body: this is what makes "no secret in any log line" checkable.
 */
public final class RequestLog {

    public static final String REQUEST_ID = "request_id";
    public static final String ROUTE = "route";
    public static final String SOURCE_ID = "source_id";
    public static final String PROJECT_ID = "project_id";
    public static final String ACTOR = "actor";
    public static final String OUTCOME = "outcome";
    /** The outcome of a line logged while the request is still being answered. */
    public static final String IN_PROGRESS = "in_progress";
    public static final String STATUS = "status";
    public static final String LATENCY_MS = "latency_ms";
    public static final String EVENTS = "events";
    public static final String HELD_BACK = "similar_lines_held_back";

    private RequestLog() {
    }

    /** Runs one HTTP invocation with its log fields, and clears them afterwards (containers are reused). */
    public static <T> T around(Context context, String requestId, String route, Supplier<T> invocation) {
        return around(context, () -> {
            MDC.put(REQUEST_ID, requestId);
            MDC.put(ROUTE, route);
            // Every line has an outcome: a line logged before the answer (a retry, a fallback) says it was pending.
            MDC.put(OUTCOME, IN_PROGRESS);
            return invocation.get();
        });
    }

    /** Runs one invocation (of any event) with the Lambda context's log fields, cleared afterwards. */
    public static <T> T around(Context context, Supplier<T> invocation) {
        LoggingStartup.awaitReady();
        try {
            // Tests and SnapStart priming have no Lambda context.
            return context == null ? invocation.get() : PowertoolsLogging.withLogging(context, invocation);
        } finally {
            MDC.clear();
        }
    }
    /** The source (and its project) the request's key belongs to. */
    public static void source(String sourceId, String projectId) {
        MDC.put(SOURCE_ID, sourceId);
        MDC.put(PROJECT_ID, projectId);
    }

    /** Who an admin request authenticated as ({@code root} or {@code token:<id>}), and its project if any. */
    public static void actor(String actor, String projectId) {
        MDC.put(ACTOR, actor);
        if (projectId != null) {
            MDC.put(PROJECT_ID, projectId);
        }
    }

    public static void outcome(String outcome) {
        MDC.put(OUTCOME, outcome);
    }

    /**
     * The answer's status and latency, on the request's last line. Fields go through the MDC rather than as extra
     * log arguments: log4j warns on every call whose arguments outnumber the message's placeholders.
     */
    public static void answered(int status, long latencyMillis) {
        MDC.put(STATUS, Integer.toString(status));
        MDC.put(LATENCY_MS, Long.toString(latencyMillis));
    }

    /** How many events an ingestion request carried. */
    public static void events(int count) {
        MDC.put(EVENTS, Integer.toString(count));
    }

    /** How many similar lines a {@link LogLimit} held back before this one. */
    public static void heldBack(long lines) {
        if (lines > 0) {
            MDC.put(HELD_BACK, Long.toString(lines));
        }
    }
}
