package dev.inlet.bench;

import dev.inlet.functions.ingestion.CallsPerRequest;
import dev.inlet.localaws.SamTemplate;
import dev.inlet.localruntime.LocalRuntime;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * scripts/bench: the four figures of the performance suite, each beside its floor in the same run, as one Markdown
 * table on stdout. Everything the functions print (EMF metrics, logs) goes to {@code <work>/bench.log}; progress to
 * stderr.
 */
public final class BenchSuite {

    static final String USAGE = """
            Usage: scripts/bench [--runs N] [--seconds S] [--jmh-seconds S] [--threads T] [--requests R]
                                 [--only calls,cpu,cold,throughput] [--out FILE]

              --runs N          cold start: timed fresh JVMs per function and for the floor (default 5), after one
                                untimed round that counts loaded classes
              --seconds S       throughput: seconds of each of the 4 measured phases (default 6)
              --jmh-seconds S   hot-path CPU: JMH measurement iterations of 1 s per benchmark (default 8)
              --threads T       throughput: concurrent client threads (default 8)
              --requests R      DynamoDB calls: requests counted per scenario (default 1000; batches R/2)
              --only LIST       run only these figures
              --out FILE        also write the table to FILE
            """;

    record Settings(int runs, int seconds, int jmhSeconds, int threads, int requests, Set<String> only,
                            Path out) {
    }

    private BenchSuite() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (settings == null) {
            System.out.print(USAGE);
            return;
        }
        Path root = SamTemplate.projectRoot();
        Path work = root.resolve("infrastructure/bench/suite/target/bench-run");
        Files.createDirectories(work);
        PrintStream report = System.out;
        System.setOut(new PrintStream(new FileOutputStream(work.resolve("bench.log").toFile()), true,
                StandardCharsets.UTF_8));
        // Loggers (slf4j-simple: the functions, Powertools, DynamoDB Local's Jetty) write there too, not on stderr.
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.out");

        Report table = new Report();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        table.note(String.format(Locale.ROOT, "Measured %s by `scripts/bench%s` on %d cores (load average %.1f at "
                        + "start), JDK %s, DynamoDB Local in the bench JVM.", LocalDate.now(),
                commandLine(args),
                Runtime.getRuntime().availableProcessors(), load, Runtime.version()));
        if (wants(settings, "calls") || wants(settings, "cold") || wants(settings, "throughput")) {
            progress("starting the local runtime (DynamoDB Local, tables and functions from template.yaml)");
            try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.forTests())) {
                AdminApi admin = new AdminApi(runtime.baseUri(), runtime.adminToken());
                if (wants(settings, "calls")) {
                    calls(table, runtime, admin, settings.requests());
                }
                if (wants(settings, "cold")) {
                    coldStart(table, new ColdStart(runtime, admin, root, work.resolve("cold-start")).run(
                            settings.runs()));
                }
                if (wants(settings, "throughput")) {
                    progress("throughput: " + settings.threads() + " threads, 4 phases of " + settings.seconds()
                            + " s");
                    throughput(table, new Throughput(runtime, admin).run(settings.threads(), settings.seconds()));
                }
            }
        }
        if (wants(settings, "cpu")) {
            progress("hot-path CPU: JMH, 4 benchmarks in forked JVMs");
            hotPath(table, HotPath.run(settings.jmhSeconds()), settings.jmhSeconds());
        }
        String markdown = table.markdown();
        report.print(markdown);
        report.flush();
        if (settings.out() != null) {
            Files.writeString(settings.out(), markdown);
        }
        progress("done; the functions' output is in " + work.resolve("bench.log"));
        System.exit(0); // DynamoDB Local's and the SDK's threads need not be waited for
    }

    // ------------------------------------------------------------------------------------------------- figures

    private static void calls(Report table, LocalRuntime runtime, AdminApi admin, int requests) {
        List<CallsPerRequest.Result> results = new ArrayList<>();
        progress("DynamoDB calls: track x1 at 100 req/s");
        results.add(CallsPerRequest.measure(runtime, admin, "track", 1, 100, 0, requests / 2, requests));
        progress("DynamoDB calls: batch x100 at 100 req/s, source limit 20,000 eps");
        results.add(CallsPerRequest.measure(runtime, admin, "batch20k", 100, 100, 20_000, requests / 5,
                requests / 2));
        progress("DynamoDB calls: batch x100 at 100 req/s, source limit 100,000 eps");
        results.add(CallsPerRequest.measure(runtime, admin, "batch100k", 100, 100, 100_000, requests / 5,
                requests / 2));
        for (CallsPerRequest.Result r : results) {
            String what = r.eventsPerRequest() == 1 ? "`track` (1 event)" : "`batch` of " + r.eventsPerRequest();
            String limit = r.sourceRateLimitEps() == 0 ? "plan default 1,000 eps"
                    : Report.number(r.sourceRateLimitEps()) + " eps";
            double expectedEventWrites = Math.ceil(r.eventsPerRequest() / 25.0 - 1e-9);
            List<String> missed = new ArrayList<>();
            if (r.reads() > 0) {
                missed.add("reads");
            }
            if (r.eventWrites() != 1) {
                missed.add("event writes");
            }
            if (r.amortized() > 0.05) {
                missed.add("others");
            }
            table.add(new Report.Row(
                    "1. DynamoDB calls per request: " + what + ", " + r.requestsPerSecond() + " req/s, source at "
                            + limit,
                    "reads " + Report.number(r.reads()) + " · event writes " + Report.number(r.eventWrites())
                            + " · rate-limit writes " + Report.number(r.rateLimitWrites()) + " · counter writes "
                            + Report.number(r.counterWrites() + r.otherWrites()),
                    r.eventsPerRequest() == 1 ? "event writes 1 (one PutItem)"
                            : "event writes " + Report.number(expectedEventWrites) + " (" + r.eventsPerRequest()
                                    + " items, at most 25 per BatchWriteItem)",
                    "others " + Report.number(r.amortized()) + "/request",
                    "0 reads · 1 event write · others ≤ 0.05",
                    missed.isEmpty() ? Report.Verdict.of(true) : Report.Verdict.missed(String.join(", ", missed))));
        }
        table.note("DynamoDB calls: " + Report.number(results.get(0).requests()) + " requests counted for `track`, "
                + Report.number(results.get(1).requests()) + " per batch scenario, after a warm-up, on a simulated "
                + "clock at exactly 100 requests/s (every call real, against DynamoDB Local).");
    }

    private static void hotPath(Report table, Map<Integer, HotPath.Result> results, int jmhSeconds) {
        for (HotPath.Result r : results.values()) {
            double ratio = r.pipelineMicros() / r.jacksonMicros();
            table.add(new Report.Row("2. Hot-path CPU, " + r.events() + (r.events() == 1 ? " event" : " events")
                            + " (JMH, no I/O)",
                    micros(r.pipelineMicros(), r.pipelineP90()),
                    micros(r.jacksonMicros(), r.jacksonP90()) + " (Jackson parse + write)",
                    Report.ratio(r.pipelineMicros(), r.jacksonMicros()), "≤ 2×", Report.Verdict.of(ratio <= 2)));
        }
        table.note("Hot-path CPU: JMH sample mode, one fork per benchmark, 5 s of warm-up and " + jmhSeconds
                + " s measured; the median call (and the 90th percentile) in µs.");
    }

    private static void coldStart(Report table, List<ColdStart.Result> results) {
        ColdStart.Result floor = results.get(0);
        for (ColdStart.Result r : results.subList(1, results.size())) {
            double ratio = r.wallMillis() / floor.wallMillis();
            table.add(new Report.Row("3. Cold start: " + r.name(), coldStart(r), coldStart(floor),
                    Report.ratio(r.wallMillis(), floor.wallMillis()), "≤ 1.3×", Report.Verdict.of(ratio <= 1.3)));
        }
        table.note("Cold start: process start to first answer, median of " + floor.runs() + " fresh JVMs each "
                + "(init = handler constructor, invoke = first request), with the template's JAVA_TOOL_OPTIONS; "
                + "classes counted by -Xlog:class+load; no SnapStart locally.");
    }

    private static String coldStart(ColdStart.Result r) {
        return String.format(Locale.ROOT, "%,.0f ms (init %,.0f, invoke %,.0f) · %,d classes · %s", r.wallMillis(),
                r.initMillis(), r.invokeMillis(), r.loadedClasses(), Report.megabytes(r.jarBytes()));
    }

    private static void throughput(Report table, Throughput.Result r) {
        double ratio = r.frontEventsPerSecond() / r.rawEventsPerSecond();
        table.add(new Report.Row("4. Throughput: batches of " + Throughput.BATCH + " through the local runtime's HTTP "
                        + "front, " + r.threads() + " client threads",
                Report.number(Math.rint(r.frontEventsPerSecond())) + " events/s",
                Report.number(Math.rint(r.rawEventsPerSecond())) + " events/s (raw BatchWriteItem, same items)",
                Report.ratio(r.frontEventsPerSecond(), r.rawEventsPerSecond()), "≥ 0.7×",
                Report.Verdict.of(ratio >= 0.7)));
        if (r.refusedRequests() > 0) {
            table.note("Throughput: " + r.refusedRequests() + " requests were not answered 200 (not counted).");
        }
    }

    private static String micros(double median, double p90) {
        return String.format(Locale.ROOT, "%.1f µs (p90 %.1f)", median, p90);
    }

    // --------------------------------------------------------------------------------------------------- args

    /** The arguments as the table shows them: without {@code --out}, which changes no figure. */
    static String commandLine(String[] args) {
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) {
                i++;
            } else {
                shown.append(' ').append(args[i]);
            }
        }
        return shown.toString();
    }

    private static boolean wants(Settings settings, String figure) {
        return settings.only().isEmpty() || settings.only().contains(figure);
    }

    /** Null for --help. */
    static Settings parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                return null;
            }
            if (!Set.of("--runs", "--seconds", "--jmh-seconds", "--threads", "--requests", "--only", "--out")
                    .contains(arg) || i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown argument or missing value: " + arg);
            }
            values.put(arg, args[++i]);
        }
        Set<String> only = values.containsKey("--only") ? Set.of(values.get("--only").split(",")) : Set.of();
        if (!Set.of("calls", "cpu", "cold", "throughput").containsAll(only)) {
            throw new IllegalArgumentException("--only takes calls, cpu, cold, throughput");
        }
        return new Settings(positive(values, "--runs", 5), positive(values, "--seconds", 6),
                positive(values, "--jmh-seconds", 8), positive(values, "--threads", 8),
                positive(values, "--requests", 1000), only,
                values.containsKey("--out") ? Path.of(values.get("--out")) : null);
    }

    private static int positive(Map<String, String> values, String name, int fallback) {
        if (!values.containsKey(name)) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(values.get(name));
            if (value < 1) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " takes a whole number of at least 1");
        }
    }

    private static void progress(String message) {
        System.err.println("bench " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + ": " + message);
    }
}
