package dev.inlet.functions.ingestion;

import com.amazonaws.services.lambda.runtime.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricResolution;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/** Records what the handler tells Powertools metrics, one line per flush, instead of printing EMF. */
final class RecordingMetrics implements Metrics {

    private final List<String> flushed = new ArrayList<>();
    private final StringBuilder pending = new StringBuilder();

    synchronized List<String> flushed() {
        return List.copyOf(flushed);
    }

    synchronized List<String> flushedWithoutLatency() {
        return flushed.stream().map(line -> line.replaceAll(" Latency=[0-9.]+", "")).toList();
    }

    synchronized void reset() {
        flushed.clear();
    }

    @Override
    public synchronized void addMetric(String key, double value, MetricUnit unit, MetricResolution resolution) {
        pending.append(' ').append(key).append('=').append(value);
    }

    @Override
    public synchronized void addDimension(String key, String value) {
        // Each dimension is its own set (as Powertools v2 publishes them); sets are separated by a space.
        boolean another = pending.length() > 0 && pending.charAt(0) != ' ';
        pending.insert(0, key + "=" + value + (another ? " " : ""));
    }

    @Override
    public void addDimension(DimensionSet dimensionSet) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setTimestamp(Instant timestamp) {
    }

    @Override
    public void addMetadata(String key, Object value) {
    }

    @Override
    public void setDefaultDimensions(DimensionSet dimensionSet) {
    }

    @Override
    public DimensionSet getDefaultDimensions() {
        return DimensionSet.of("Service", "inlet");
    }

    @Override
    public void setNamespace(String namespace) {
    }

    @Override
    public void setRaiseOnEmptyMetrics(boolean raise) {
    }

    @Override
    public void clearDefaultDimensions() {
    }

    @Override
    public synchronized void flush() {
        flushed.add(pending.toString());
        pending.setLength(0);
    }

    @Override
    public void captureColdStartMetric(Context context, DimensionSet dimensions) {
    }

    @Override
    public void captureColdStartMetric(DimensionSet dimensions) {
    }

    @Override
    public void flushMetrics(Consumer<Metrics> metricsConsumer) {
    }
}
