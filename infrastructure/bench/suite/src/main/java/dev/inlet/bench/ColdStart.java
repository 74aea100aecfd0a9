package dev.inlet.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.bench.coldstart.ColdStartLauncher;
import dev.inlet.common.http.Json;
import dev.inlet.localruntime.LambdaFunction;
import dev.inlet.localruntime.LocalRuntime;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Figure 3: cold start. For each target, a fresh JVM ({@link ColdStartLauncher}) loads the handler from its
 * function's shaded jar, with the environment the local runtime gives that function (template variables, including
 * Globals' JAVA_TOOL_OPTIONS, the local DynamoDB endpoint, plain-form secrets) and dummy credentials in the
 * environment as Lambda supplies them, and answers one payload-v2 event from {@code events/} against the runtime's
 * DynamoDB Local. Measured from just before the process is started to the answer line on its stdout. The first round
 * counts loaded classes ({@code -Xlog:class+load}) and is not timed; the timed rounds follow, each target once per
 * round, in an order that rotates so that drift on a loaded machine spreads over all of them.
 */
public final class ColdStart {

    /** What one target's runs showed. Times are medians over the timed rounds. */
    public record Result(String name, long jarBytes, long loadedClasses, double wallMillis, double initMillis,
                         double invokeMillis, int runs) {
    }

    /** A function to start: its jar, handler class, environment and, per round, the event file to answer. */
    record Target(String name, Path jar, String handlerClass, Map<String, String> environment,
                  IntFunction<Path> event, int expectedStatus, boolean logsItsAnswer) {
    }

    private static final Pattern ANSWER = Pattern.compile("status=(\\d+) init_ms=(\\d+) invoke_ms=(\\d+)");
    private static final long CHILD_TIMEOUT_SECONDS = 90;

    private final LocalRuntime runtime;
    private final AdminApi admin;
    private final Path root;
    private final Path work;

    public ColdStart(LocalRuntime runtime, AdminApi admin, Path projectRoot, Path workDir) {
        this.runtime = runtime;
        this.admin = admin;
        this.root = projectRoot;
        this.work = workDir;
    }

    /** The floor first, then ingestion, source CRUD (create), rotation, revocation. */
    public List<Result> run(int timedRounds) throws IOException, InterruptedException {
        Files.createDirectories(work);
        AdminApi.Source ingesting = admin.createSource("cold start ingestion", 0);
        AdminApi.Source rotating = admin.createSource("cold start rotation", 0);
        List<AdminApi.Source> revoked = new ArrayList<>();
        for (int round = 0; round <= timedRounds; round++) {
            revoked.add(admin.createSource("cold start revocation " + round, 0));
        }
        String bearer = "Bearer " + runtime.adminToken();
        LambdaFunction ingest = runtime.function("IngestFunction");
        List<Target> targets = List.of(
                new Target("floor: DynamoDbClient + one GetItem",
                        root.resolve("infrastructure/bench/floor-function/target/lambda/function.jar"),
                        "dev.inlet.bench.floor.FloorHandler", ingest.environment(),
                        round -> event("Track.json", "floor", round, ingesting.basicAuthorization(), null), 200, false),
                target("ingestion (track)", ingest, 200,
                        round -> event("Track.json", "ingest", round, ingesting.basicAuthorization(), null)),
                target("sources (create)", runtime.function("SourcesFunction"), 201,
                        round -> event("CreateSource.json", "create", round, bearer, null)),
                target("rotation (rotate)", runtime.function("KeyRotationFunction"), 200,
                        round -> event("RotateKey.json", "rotate", round, bearer, rotating.id())),
                target("revocation (revoke)", runtime.function("KeyRevocationFunction"), 200,
                        round -> event("RevokeSource.json", "revoke", round, bearer, revoked.get(round).id())));

        Map<String, Long> classes = new LinkedHashMap<>();
        Map<String, List<double[]>> timings = new LinkedHashMap<>();
        for (int round = 0; round <= timedRounds; round++) {
            for (int i = 0; i < targets.size(); i++) {
                Target target = targets.get((i + round) % targets.size());
                if (round == 0) {
                    Path log = work.resolve("classes-" + slug(target.name()) + ".log");
                    // uptime and thread id: which thread loaded what, and when (to see what overlaps in a start)
                    start(target, round, List.of("-Xlog:class+load=info:file=" + log + ":uptime,tid"));
                    try (Stream<String> lines = Files.lines(log)) {
                        classes.put(target.name(), lines.filter(line -> line.contains("source:")).count());
                    }
                } else {
                    timings.computeIfAbsent(target.name(), name -> new ArrayList<>())
                            .add(start(target, round, List.of()));
                }
            }
        }
        List<Result> results = new ArrayList<>();
        for (Target target : targets) {
            List<double[]> runs = timings.get(target.name());
            results.add(new Result(target.name(), Files.size(target.jar()), classes.get(target.name()),
                    Report.median(runs.stream().mapToDouble(run -> run[0]).toArray()),
                    Report.median(runs.stream().mapToDouble(run -> run[1]).toArray()),
                    Report.median(runs.stream().mapToDouble(run -> run[2]).toArray()), runs.size()));
        }
        return results;
    }

    private Target target(String name, LambdaFunction function, int expectedStatus, IntFunction<Path> event) {
        return new Target(name, root.resolve(function.definition().codeUri()), function.definition().handlerClass(),
                function.environment(), event, expectedStatus, true);
    }

    /**
     * A sample of {@code events/} with this run's credentials, a fresh request id, and the source id in the path;
     * a track event gets a fresh body so that every run writes a new event.
     */
    private Path event(String sample, String kind, int round, String authorization, String sourceId) {
        try {
            ObjectNode event = (ObjectNode) Json.parse(Files.readString(root.resolve("events").resolve(sample)));
            ObjectNode headers = (ObjectNode) event.get("headers");
            headers.put("authorization", authorization);
            headers.remove("content-length");
            ((ObjectNode) event.get("requestContext")).put("requestId", "cold-" + kind + "-" + round);
            if (sourceId != null) {
                String example = event.get("pathParameters").get("id").asText();
                ((ObjectNode) event.get("pathParameters")).put("id", sourceId);
                event.put("rawPath", event.get("rawPath").asText().replace(example, sourceId));
                ObjectNode http = (ObjectNode) event.get("requestContext").get("http");
                http.put("path", http.get("path").asText().replace(example, sourceId));
            }
            if (sample.equals("Track.json")) {
                event.put("body", TrackingBodies.event("cold-" + kind + "-" + round));
            }
            Path file = work.resolve(kind + "-" + round + ".json");
            Files.writeString(file, Json.write(event));
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare events/" + sample, e);
        }
    }

    /** Starts one child and returns {wall ms, init ms, invoke ms}. */
    private double[] start(Target target, int round, List<String> jvmFlags) throws IOException, InterruptedException {
        Path eventFile = target.event().apply(round);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(target.jar() + File.pathSeparator + launcherClassPath());
        command.add(ColdStartLauncher.class.getName());
        command.add(target.handlerClass());
        command.add(eventFile.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(work.resolve(slug(target.name()) + "-" + round + ".stderr").toFile());
        builder.environment().clear(); // a Lambda process sees its function's variables and Lambda's, nothing else
        builder.environment().putAll(target.environment());
        builder.environment().put("AWS_ACCESS_KEY_ID", "local");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "local");
        builder.environment().put("AWS_EMF_ENVIRONMENT", "Local");

        long started = System.nanoTime();
        Process process = builder.start();
        String answer = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith(ColdStartLauncher.ANSWER_PREFIX)) {
                    answer = line;
                    break;
                }
                output.add(line);
            }
            long answered = System.nanoTime();
            out.transferTo(Writer.nullWriter());
            if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(target.name() + " did not exit within " + CHILD_TIMEOUT_SECONDS + " s");
            }
            Matcher matcher = answer == null ? null : ANSWER.matcher(answer);
            if (matcher == null || !matcher.find() || Integer.parseInt(matcher.group(1)) != target.expectedStatus()) {
                throw new IllegalStateException(target.name() + " did not answer " + target.expectedStatus()
                        + ": " + answer + " (stdout " + output + ", stderr in " + work + ")");
            }
            // Logging starts on a thread of its own (LoggingStartup): a first request must still get its JSON line,
            // with the fields the invocation put in the MDC, not a line under log4j's default configuration.
            if (target.logsItsAnswer() && output.stream().noneMatch(line -> line.startsWith("{\"level\":\"INFO\"")
                    && line.contains("\"message\":\"Answered") && line.contains("\"request_id\":\"cold-"))) {
                throw new IllegalStateException(target.name() + " answered without its JSON log line: " + output);
            }
            return new double[] {(answered - started) / 1e6, Double.parseDouble(matcher.group(2)),
                    Double.parseDouble(matcher.group(3))};
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * After the function's jar: the launcher itself, and what Lambda's runtime brings to deserialise the event
     * (Jackson, the Lambda event classes). A function jar that has its own copies is first, so they win.
     */
    private static String launcherClassPath() {
        List<String> parts = new ArrayList<>();
        parts.add(Path.of(ColdStartLauncher.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .toString());
        List<String> wanted = List.of("jackson-core-", "jackson-databind-", "jackson-annotations-",
                "aws-lambda-java-core-", "aws-lambda-java-events-");
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> wanted.stream().anyMatch(name -> Path.of(entry).getFileName().toString()
                        .startsWith(name)))
                .forEach(parts::add);
        return String.join(File.pathSeparator, parts);
    }

    private static String slug(String name) {
        return name.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-$", "");
    }
}
