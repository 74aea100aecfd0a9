package dev.inlet.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Figure 2: runs {@code IngestPipelineBenchmark} (JMH, its own forked JVM) and returns µs per operation. */
public final class HotPath {

    /**
     * µs per call for one body size: the median call (JMH sample mode; a call descheduled by another process on a
     * shared machine moves the tail, not the median), and the 90th percentile.
     */
    public record Result(int events, double pipelineMicros, double pipelineP90, double jacksonMicros,
                         double jacksonP90) {
    }

    private HotPath() {
    }

    /** @param measurementSeconds seconds of measurement per benchmark (after 5 s of warm-up) */
    public static Map<Integer, Result> run(int measurementSeconds) throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("dev\\.inlet\\.functions\\.ingestion\\.IngestPipelineBenchmark\\.")
                .measurementIterations(measurementSeconds)
                .measurementTime(TimeValue.seconds(1))
                .warmupIterations(5)
                .warmupTime(TimeValue.seconds(1))
                .verbosity(VerboseMode.SILENT)
                .shouldFailOnError(true)
                .build()).run();
        Map<Integer, double[]> scores = new LinkedHashMap<>();
        for (RunResult result : results) {
            int events = Integer.parseInt(result.getParams().getParam("events"));
            boolean pipeline = result.getParams().getBenchmark().endsWith(".pipeline");
            double[] row = scores.computeIfAbsent(events, e -> new double[4]);
            row[pipeline ? 0 : 2] = result.getPrimaryResult().getStatistics().getPercentile(50);
            row[pipeline ? 1 : 3] = result.getPrimaryResult().getStatistics().getPercentile(90);
        }
        Map<Integer, Result> out = new LinkedHashMap<>();
        scores.forEach((events, row) -> out.put(events, new Result(events, row[0], row[1], row[2], row[3])));
        return out;
    }
}
