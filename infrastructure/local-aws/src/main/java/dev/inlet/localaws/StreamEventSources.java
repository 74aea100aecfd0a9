package dev.inlet.localaws;

import static dev.inlet.localaws.YamlValues.integer;
import static dev.inlet.localaws.YamlValues.list;
import static dev.inlet.localaws.YamlValues.map;
import static dev.inlet.localaws.YamlValues.string;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads a function's {@code Type: DynamoDB} events into {@link StreamEventSource}s, refusing what it cannot model. */
final class StreamEventSources {

    private static final String EVENT_TYPE = "DynamoDB";
    private static final String REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures";
    private static final Set<String> MODELLED = Set.of("Stream", "StartingPosition", "BatchSize",
            "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "FilterCriteria", "MaximumRetryAttempts",
            "BisectBatchOnFunctionError", "DestinationConfig", "Enabled");

    private StreamEventSources() {
    }

    static List<StreamEventSource> parse(SamTemplate template, String functionLogicalId, Map<String, Object> properties) {
        List<StreamEventSource> sources = new ArrayList<>();
        map(properties.get("Events"), functionLogicalId + ".Events").forEach((eventName, value) -> {
            String where = functionLogicalId + ".Events." + eventName;
            Map<String, Object> event = map(value, where);
            if (EVENT_TYPE.equals(event.get("Type"))) {
                sources.add(parseOne(template, functionLogicalId, eventName, map(event.get("Properties"),
                        where + ".Properties"), where + ".Properties"));
            }
        });
        return sources;
    }

    private static StreamEventSource parseOne(SamTemplate template, String functionLogicalId, String eventName,
                                              Map<String, Object> properties, String where) {
        String table = streamTable(template, properties.get("Stream"), where);
        StreamEventSource.StartingPosition startingPosition = startingPosition(properties.get("StartingPosition"), where);
        int batchSize = integer(properties.get("BatchSize"), where + ".BatchSize")
                .orElse(StreamEventSource.DEFAULT_BATCH_SIZE);
        int window = integer(properties.get("MaximumBatchingWindowInSeconds"), where + ".MaximumBatchingWindowInSeconds")
                .orElse(0);
        boolean reportFailures = false;
        for (Object type : list(properties.get("FunctionResponseTypes"))) {
            if (!REPORT_BATCH_ITEM_FAILURES.equals(type)) {
                throw new IllegalStateException(where + ".FunctionResponseTypes: only " + REPORT_BATCH_ITEM_FAILURES
                        + " exists, got " + type);
            }
            reportFailures = true;
        }
        int retries = integer(properties.get("MaximumRetryAttempts"), where + ".MaximumRetryAttempts")
                .orElse(StreamEventSource.RETRY_UNTIL_EXPIRED);
        boolean bisect = isTrue(properties.get("BisectBatchOnFunctionError"), false);
        boolean enabled = isTrue(properties.get("Enabled"), true);
        List<String> unmodelled = properties.keySet().stream().filter(name -> !MODELLED.contains(name)).sorted().toList();
        try {
            return new StreamEventSource(functionLogicalId, eventName, table, startingPosition, batchSize, window,
                    reportFailures, filterPatterns(properties.get("FilterCriteria"), where), retries, bisect,
                    onFailureDestination(properties.get("DestinationConfig"), where), enabled, unmodelled);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The only form a template can use for its own table: {@code !GetAtt Table.StreamArn}. */
    private static String streamTable(SamTemplate template, Object stream, String where) {
        Optional<List<String>> getAtt = Intrinsics.getAtt(stream);
        if (getAtt.isEmpty() || !getAtt.get().get(1).equals("StreamArn") || !template.isTable(getAtt.get().get(0))) {
            throw new IllegalStateException(where + ".Stream: expected !GetAtt <Table>.StreamArn of a table of this"
                    + " template, got " + stream);
        }
        return getAtt.get().get(0);
    }

    private static StreamEventSource.StartingPosition startingPosition(Object value, String where) {
        String position = string(value).orElseThrow(() -> new IllegalStateException(where
                + ": missing StartingPosition (TRIM_HORIZON or LATEST)"));
        try {
            return StreamEventSource.StartingPosition.valueOf(position);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ".StartingPosition: DynamoDB streams take TRIM_HORIZON or LATEST,"
                    + " got " + position, e);
        }
    }

    /** Who would get a discarded batch's description: a logical id when the template names its own resource. */
    private static Optional<String> onFailureDestination(Object config, String where) {
        Object destination = map(map(config, where + ".DestinationConfig").get("OnFailure"),
                where + ".DestinationConfig.OnFailure").get("Destination");
        if (destination == null) {
            return Optional.empty();
        }
        return Intrinsics.getAtt(destination).map(List::getFirst)
                .or(() -> Intrinsics.ref(destination))
                .or(() -> Optional.of(String.valueOf(destination)));
    }

    private static boolean isTrue(Object value, boolean absent) {
        return value == null ? absent : Boolean.TRUE.equals(value) || "true".equalsIgnoreCase(String.valueOf(value));
    }

    /** CloudFormation takes each Pattern as a JSON string. */
    private static List<String> filterPatterns(Object criteria, String where) {
        List<String> patterns = new ArrayList<>();
        for (Object filter : list(map(criteria, where + ".FilterCriteria").get("Filters"))) {
            Object pattern = map(filter, where + ".FilterCriteria.Filters").get("Pattern");
            if (!(pattern instanceof String text)) {
                throw new IllegalStateException(where + ".FilterCriteria.Filters: Pattern must be a JSON string, got "
                        + pattern);
            }
            patterns.add(text);
        }
        return patterns;
    }
}
