package dev.inlet.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The request bodies every figure sends: Segment-style track events of about 450 bytes as analytics-node sends them
 * (with messageId, timestamp, context and properties), alone for {@code /v1/track} or {@code {"batch":[…]}}.
 */
public final class TrackingBodies {

    private TrackingBodies() {
    }

    /** One event; {@code messageId} makes it a distinct item in the events table. */
    public static String event(String messageId) {
        return String.format(Locale.ROOT, "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"user-42\","
                + "\"anonymousId\":\"anon-7\",\"messageId\":\"%s\",\"timestamp\":\"2026-11-22T10:00:00.000Z\","
                + "\"context\":{\"library\":{\"name\":\"analytics-node\",\"version\":\"2.1.0\"},"
                + "\"ip\":\"203.0.113.10\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0\"},"
                + "\"properties\":{\"order_id\":\"o-%s\",\"total\":42.5,\"currency\":\"USD\",\"products\":["
                + "{\"sku\":\"s-1\",\"price\":20.0,\"quantity\":1},{\"sku\":\"s-2\",\"price\":22.5,\"quantity\":1}]}}",
                messageId, messageId);
    }

    /** {@code events} events whose messageIds start with {@code prefix}; one event is sent as itself, not a batch. */
    public static String body(String prefix, int events) {
        if (events == 1) {
            return event(prefix + "-0");
        }
        List<String> batch = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            batch.add(event(prefix + "-" + i));
        }
        return "{\"batch\":[" + String.join(",", batch) + "],\"context\":{\"library\":{\"name\":\"inlet-bench\"}}}";
    }
}
