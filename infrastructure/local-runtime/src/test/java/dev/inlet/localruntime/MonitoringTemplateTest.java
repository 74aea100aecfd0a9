package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.http.Json;
import dev.inlet.functions.ingestion.IngestMetrics;
import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.GlobalSecondaryIndex;
import dev.inlet.localaws.SamTemplate;
import dev.inlet.localaws.TableDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * template.yaml's alarms and dashboard watch what the code emits and what the template declares: every custom
 * metric they name is one IngestMetrics emits (name, dimension, value), every AWS metric's dimension refers to a
 * resource of the right type, every table (and index) has a throttle alarm, every function an errors and a throttles
 * alarm and active tracing, and the dashboard shows accepted events and refusals by reason.
 */
class MonitoringTemplateTest {

    private static final SamTemplate TEMPLATE = SamTemplate.locate();
    /** Powertools adds {Service} as a dimension set of its own to every line. */
    private static final Set<String> EMITTED_DIMENSIONS = Set.of(IngestMetrics.OUTCOME, IngestMetrics.REASON,
            "Service");

    /** One metric an alarm or the dashboard names: namespace, name, dimensions (values as parsed). */
    record MetricRef(String where, String namespace, String name, Map<String, Object> dimensions) {
    }

    @Test
    void customMetricsInAlarmsAreWhatIngestMetricsEmits() {
        String namespace = String.valueOf(globalsEnvironment().get("POWERTOOLS_METRICS_NAMESPACE"));
        List<MetricRef> custom = alarmMetrics().stream().filter(m -> !m.namespace().startsWith("AWS/")).toList();
        assertFalse(custom.isEmpty(), "the refusal alarm watches the ingestion metrics");
        for (MetricRef metric : custom) {
            assertCustomMetricIsEmitted(metric, namespace);
        }
    }

    @Test
    void theRefusalAlarmCoversEveryReasonSoEveryRefusalCode() {
        List<MetricRef> refusal = alarmMetrics().stream().filter(m -> m.where().startsWith("RefusalSpikeAlarm"))
                .toList();
        Set<String> reasons = new TreeSet<>();
        for (MetricRef metric : refusal) {
            assertEquals(IngestMetrics.REQUESTS, metric.name(), metric.where());
            assertEquals(Set.of(IngestMetrics.REASON), metric.dimensions().keySet(), metric.where());
            reasons.add(String.valueOf(metric.dimensions().get(IngestMetrics.REASON)));
        }
        assertEquals(new TreeSet<>(IngestMetrics.REASONS), reasons);
        Map<String, Object> alarm = properties("RefusalSpikeAlarm");
        assertTrue(((List<?>) alarm.get("Metrics")).size() <= 10, "CloudWatch allows 10 metrics per alarm");
    }

    @Test
    void awsMetricDimensionsReferToResourcesOfTheRightType() {
        Map<String, String> types = Map.of("FunctionName", "AWS::Serverless::Function",
                "TableName", "AWS::DynamoDB::Table", "ApiId", "AWS::Serverless::HttpApi", "QueueName", "AWS::SQS::Queue");
        for (MetricRef metric : alarmMetrics()) {
            if (!metric.namespace().startsWith("AWS/")) {
                continue;
            }
            assertFalse(metric.dimensions().isEmpty(), metric.where());
            metric.dimensions().forEach((name, value) -> {
                if (name.equals("GlobalSecondaryIndexName")) {
                    TableDefinition table = TEMPLATE.table(referenced(metric.dimensions().get("TableName")));
                    assertTrue(table.index(String.valueOf(value)).isPresent(), metric.where() + " index " + value);
                    return;
                }
                assertTrue(types.containsKey(name), metric.where() + ": unexpected dimension " + name);
                assertEquals(types.get(name), TEMPLATE.resourceType(referenced(value)).orElse(null),
                        metric.where() + " " + name);
            });
        }
    }

    @Test
    void everyTableAndIndexHasReadAndWriteThrottleAlarms() {
        List<MetricRef> metrics = alarmMetrics();
        for (TableDefinition table : TEMPLATE.tables()) {
            List<String> indexes = new ArrayList<>();
            indexes.add(null);
            table.globalSecondaryIndexes().stream().map(GlobalSecondaryIndex::indexName).forEach(indexes::add);
            for (String index : indexes) {
                for (String name : List.of("ReadThrottleEvents", "WriteThrottleEvents")) {
                    assertTrue(metrics.stream().anyMatch(m -> m.namespace().equals("AWS/DynamoDB")
                                    && m.name().equals(name) && table.logicalId().equals(refOrNull(m, "TableName"))
                                    && java.util.Objects.equals(index, m.dimensions().get("GlobalSecondaryIndexName"))),
                            table.logicalId() + (index == null ? "" : " index " + index) + " has no " + name
                                    + " alarm");
                }
            }
        }
    }

    @Test
    void everyFunctionHasErrorsAndThrottlesAlarms() {
        List<MetricRef> metrics = alarmMetrics();
        for (FunctionDefinition function : TEMPLATE.functions()) {
            for (String name : List.of("Errors", "Throttles")) {
                assertTrue(metrics.stream().anyMatch(m -> m.namespace().equals("AWS/Lambda") && m.name().equals(name)
                                && function.logicalId().equals(refOrNull(m, "FunctionName"))),
                        function.logicalId() + " has no " + name + " alarm");
            }
        }
    }

    @Test
    void everyFunctionIsTracedActively() {
        Object global = globalsFunction().get("Tracing");
        for (FunctionDefinition function : TEMPLATE.functions()) {
            Object tracing = properties(function.logicalId()).getOrDefault("Tracing", global);
            assertEquals("Active", tracing, function.logicalId());
        }
    }

    @Test
    void theDashboardShowsAcceptedEventsAndRefusalsByReasonAndNamesOnlyEmittedMetrics() {
        String namespace = String.valueOf(globalsEnvironment().get("POWERTOOLS_METRICS_NAMESPACE"));
        Map<String, Object> dashboard = properties("Dashboard");
        @SuppressWarnings("unchecked")
        String body = String.valueOf(((Map<String, Object>) dashboard.get("DashboardBody")).get("Fn::Sub"));
        Matcher placeholder = Pattern.compile("\\$\\{([A-Za-z0-9:]+)}").matcher(body);
        while (placeholder.find()) {
            String name = placeholder.group(1);
            assertTrue(name.startsWith("AWS::") || TEMPLATE.resourceType(name).isPresent(), "dashboard ${" + name + "}");
        }
        JsonNode widgets = Json.parse(body.replaceAll("\\$\\{([A-Za-z0-9:]+)}", "$1")).get("widgets");
        List<MetricRef> metrics = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        for (JsonNode widget : widgets) {
            List<String> previous = List.of();
            for (JsonNode row : widget.at("/properties/metrics")) {
                List<String> values = new ArrayList<>();
                for (JsonNode cell : row) {
                    if (cell.isObject()) {
                        if (cell.has("expression")) {
                            searches.add(cell.get("expression").asText());
                        }
                    } else if (cell.asText().equals("...")) {
                        values.addAll(previous);
                    } else if (cell.asText().equals(".")) {
                        values.add(previous.get(values.size()));
                    } else {
                        values.add(cell.asText());
                    }
                }
                if (values.isEmpty()) {
                    continue;
                }
                previous = values;
                Map<String, Object> dimensions = new LinkedHashMap<>();
                for (int i = 2; i + 1 < values.size(); i += 2) {
                    dimensions.put(values.get(i), values.get(i + 1));
                }
                metrics.add(new MetricRef("Dashboard " + widget.at("/properties/title").asText(), values.get(0),
                        values.get(1), dimensions));
            }
        }
        for (MetricRef metric : metrics) {
            if (!metric.namespace().startsWith("AWS/")) {
                assertCustomMetricIsEmitted(metric, namespace);
            }
        }
        assertTrue(metrics.stream().anyMatch(m -> m.name().equals(IngestMetrics.ACCEPTED_EVENTS)
                && m.dimensions().equals(Map.of(IngestMetrics.OUTCOME, IngestMetrics.ACCEPTED))), "accepted events");
        Set<String> reasons = new TreeSet<>();
        metrics.stream().filter(m -> m.name().equals(IngestMetrics.REFUSED_EVENTS)
                        && m.dimensions().containsKey(IngestMetrics.REASON))
                .forEach(m -> reasons.add(String.valueOf(m.dimensions().get(IngestMetrics.REASON))));
        assertEquals(new TreeSet<>(IngestMetrics.REASONS), reasons, "refused events by reason");
        Pattern search = Pattern.compile("SEARCH\\('\\{([^,}]+),([^}]+)} MetricName=\"([^\"]+)\"");
        for (String expression : searches) {
            Matcher matcher = search.matcher(expression);
            assertTrue(matcher.find(), expression);
            assertCustomMetricIsEmitted(new MetricRef("Dashboard " + expression, matcher.group(1), matcher.group(3),
                    Map.of(matcher.group(2), "*")), namespace);
        }
    }

    private static void assertCustomMetricIsEmitted(MetricRef metric, String namespace) {
        assertEquals(namespace, metric.namespace(), metric.where());
        assertTrue(IngestMetrics.METRIC_NAMES.contains(metric.name()), metric.where() + ": " + metric.name()
                + " is not emitted");
        // Each dimension is its own set in the EMF line: a metric is published under exactly one of them.
        assertEquals(1, metric.dimensions().size(), metric.where() + " " + metric.dimensions());
        metric.dimensions().forEach((name, value) -> {
            assertTrue(EMITTED_DIMENSIONS.contains(name), metric.where() + ": dimension " + name + " is not emitted");
            if (name.equals(IngestMetrics.REASON)) {
                assertTrue(value.equals("*") || IngestMetrics.REASONS.contains(String.valueOf(value)),
                        metric.where() + ": " + value + " is no reason");
            }
        });
        if (metric.name().equals(IngestMetrics.ACCEPTED_EVENTS) && metric.dimensions().containsKey(IngestMetrics.OUTCOME)) {
            assertEquals(IngestMetrics.ACCEPTED, metric.dimensions().get(IngestMetrics.OUTCOME), metric.where());
        }
    }

    /** Every metric of every alarm: single-metric alarms and metric-math alarms alike. */
    @SuppressWarnings("unchecked")
    private static List<MetricRef> alarmMetrics() {
        List<MetricRef> metrics = new ArrayList<>();
        resources().forEach((id, resource) -> {
            if (!"AWS::CloudWatch::Alarm".equals(resource.get("Type"))) {
                return;
            }
            Map<String, Object> properties = (Map<String, Object>) resource.get("Properties");
            if (properties.containsKey("MetricName")) {
                metrics.add(metricRef(id, properties));
            }
            for (Object query : (List<Object>) properties.getOrDefault("Metrics", List.of())) {
                Map<String, Object> stat = (Map<String, Object>) ((Map<String, Object>) query).get("MetricStat");
                if (stat != null) {
                    metrics.add(metricRef(id + "." + ((Map<String, Object>) query).get("Id"),
                            (Map<String, Object>) stat.get("Metric")));
                }
            }
            assertTrue(properties.containsKey("MetricName") || properties.containsKey("Metrics"), id);
            assertEquals(List.of(Map.of("Ref", "AlarmTopic")), properties.get("AlarmActions"), id + " notifies");
        });
        return metrics;
    }

    @SuppressWarnings("unchecked")
    private static MetricRef metricRef(String where, Map<String, Object> metric) {
        Map<String, Object> dimensions = new LinkedHashMap<>();
        for (Object dimension : (List<Object>) metric.getOrDefault("Dimensions", List.of())) {
            Map<String, Object> pair = (Map<String, Object>) dimension;
            dimensions.put(String.valueOf(pair.get("Name")), pair.get("Value"));
        }
        return new MetricRef(where, String.valueOf(metric.get("Namespace")), String.valueOf(metric.get("MetricName")),
                dimensions);
    }

    /** The logical id a dimension value refers to: {@code !Ref X} or {@code !GetAtt X.Attribute}. */
    private static String referenced(Object value) {
        if (value instanceof Map<?, ?> intrinsic) {
            if (intrinsic.containsKey("Ref")) {
                return String.valueOf(intrinsic.get("Ref"));
            }
            if (intrinsic.get("Fn::GetAtt") instanceof List<?> getAtt) {
                return String.valueOf(getAtt.getFirst());
            }
        }
        throw new AssertionError("a dimension value must refer to a resource of the template, is " + value);
    }

    private static String refOrNull(MetricRef metric, String dimension) {
        Object value = metric.dimensions().get(dimension);
        return value instanceof Map<?, ?> intrinsic ? String.valueOf(intrinsic.get("Ref")) : null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> resources() {
        return (Map<String, Map<String, Object>>) TEMPLATE.raw().get("Resources");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> properties(String logicalId) {
        return (Map<String, Object>) resources().get(logicalId).get("Properties");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> globalsFunction() {
        return (Map<String, Object>) ((Map<String, Object>) TEMPLATE.raw().get("Globals")).get("Function");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> globalsEnvironment() {
        return (Map<String, Object>) ((Map<String, Object>) globalsFunction().get("Environment")).get("Variables");
    }
}
