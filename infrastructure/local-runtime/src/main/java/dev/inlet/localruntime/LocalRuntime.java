package dev.inlet.localruntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.inlet.localaws.DynamoDbLocalServer;
import dev.inlet.localaws.HttpRoute;
import dev.inlet.localaws.SamTemplate;
import dev.inlet.localaws.StreamEventSource;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The whole API on a laptop: DynamoDB Local (or an external DynamoDB), the template's tables, every function of
 * template.yaml constructed once with its template environment, an API-Gateway-like HTTP front on 127.0.0.1, and
 * for every {@code Type: DynamoDB} event a {@link StreamPoller} playing Lambda's event source mapping.
 *
 * <p>From a built tree, in the project root (template.yaml is found from the working directory):
 * <pre>
 * mvn -pl infrastructure/local-runtime -am compile
 * java --enable-native-access=ALL-UNNAMED \
 *   -cp "infrastructure/local-runtime/target/classes:$(cat infrastructure/local-runtime/target/runtime-classpath.txt)" \
 *   dev.inlet.localruntime.LocalRuntime --data-dir .local-data
 * </pre>
 * Starting sets the system properties {@code aws.accessKeyId}, {@code aws.secretAccessKey} and {@code aws.region}
 * when they are unset, so the handlers' default credentials chain never looks for real AWS credentials.
 */
public final class LocalRuntime implements AutoCloseable {

    static final String DEFAULT_REGION = "us-east-1";

    private final SamTemplate template;
    private final HttpFront front;
    private final Optional<DynamoDbLocalServer> dynamoDbServer;
    private final DynamoDbClient dynamoDb;
    private final URI dynamoDbEndpoint;
    private final Map<String, String> tableNames;
    private final Map<String, LocalSecrets.Secret> secrets;
    private final List<LambdaFunction> functions;
    private final List<StreamPoller> pollers;
    private final Options options;
    /** What start() started, for close() to stop in reverse order. */
    private final Startup started;

    private LocalRuntime(Startup parts) {
        this.template = parts.template;
        this.front = parts.front;
        this.dynamoDbServer = Optional.ofNullable(parts.dynamoDbServer);
        this.dynamoDb = parts.dynamoDb;
        this.dynamoDbEndpoint = parts.dynamoDbEndpoint;
        this.tableNames = parts.tableNames;
        this.secrets = parts.secrets;
        this.functions = List.copyOf(parts.functions);
        this.pollers = List.copyOf(parts.pollers);
        this.options = parts.options;
        this.started = parts;
    }

    /**
     * How to start. {@link #defaults()} is what the command line starts from; {@link #forTests()} picks a free port,
     * keeps everything in memory, ignores the process environment and logs no requests.
     *
     * @param environment where secrets and AWS_REGION are looked up (the process environment by default)
     * @param secrets     fixed secret values, winning over the environment and the data directory
     */
    public record Options(int port,
                          Optional<Path> dataDir,
                          Optional<URI> dynamoDbEndpoint,
                          Map<String, String> secrets,
                          Map<String, String> environment,
                          Optional<Path> templateFile,
                          String tablePrefix,
                          Map<String, String> parameterOverrides,
                          boolean logRequests,
                          double dynamoDbFaultRate) {

        public Options {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(dynamoDbEndpoint, "dynamoDbEndpoint");
            secrets = Map.copyOf(secrets);
            environment = Map.copyOf(environment);
            Objects.requireNonNull(templateFile, "templateFile");
            Objects.requireNonNull(tablePrefix, "tablePrefix");
            parameterOverrides = Map.copyOf(parameterOverrides);
            if (!(dynamoDbFaultRate >= 0 && dynamoDbFaultRate <= 1)) {
                throw new IllegalArgumentException("the DynamoDB fault rate is from 0 to 1, not " + dynamoDbFaultRate);
            }
        }

        public static Options defaults() {
            return new Options(CommandLine.DEFAULT_PORT, Optional.empty(), Optional.empty(), Map.of(), System.getenv(),
                    Optional.empty(), "", Map.of(), true, 0);
        }

        public static Options forTests() {
            return defaults().withPort(0).withEnvironment(Map.of()).withRequestLog(false);
        }

        public Options withPort(int port) {
            return new Options(port, dataDir, dynamoDbEndpoint, secrets, environment, templateFile, tablePrefix,
                    parameterOverrides, logRequests, dynamoDbFaultRate);
        }

        public Options withDataDir(Path dir) {
            return new Options(port, Optional.of(dir), dynamoDbEndpoint, secrets, environment, templateFile,
                    tablePrefix, parameterOverrides, logRequests, dynamoDbFaultRate);
        }

        public Options withDynamoDbEndpoint(URI endpoint) {
            return new Options(port, dataDir, Optional.of(endpoint), secrets, environment, templateFile, tablePrefix,
                    parameterOverrides, logRequests, dynamoDbFaultRate);
        }

        public Options withSecret(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(secrets);
            more.put(name, value);
            return new Options(port, dataDir, dynamoDbEndpoint, more, environment, templateFile, tablePrefix,
                    parameterOverrides, logRequests, dynamoDbFaultRate);
        }

        public Options withEnvironment(Map<String, String> variables) {
            return new Options(port, dataDir, dynamoDbEndpoint, secrets, variables, templateFile, tablePrefix,
                    parameterOverrides, logRequests, dynamoDbFaultRate);
        }

        public Options withTemplate(Path file) {
            return new Options(port, dataDir, dynamoDbEndpoint, secrets, environment, Optional.of(file), tablePrefix,
                    parameterOverrides, logRequests, dynamoDbFaultRate);
        }

        /** Table names become prefix + logical id: lets several runtimes share one DynamoDB. */
        public Options withTablePrefix(String prefix) {
            return new Options(port, dataDir, dynamoDbEndpoint, secrets, environment, templateFile, prefix,
                    parameterOverrides, logRequests, dynamoDbFaultRate);
        }

        public Options withParameterOverrides(Map<String, String> overrides) {
            return new Options(port, dataDir, dynamoDbEndpoint, secrets, environment, templateFile, tablePrefix,
                    overrides, logRequests, dynamoDbFaultRate);
        }

        /**
         * Off (0) by default. Above 0, each DynamoDB call of IngestFunction on the events, write-keys and rate-limit
         * tables fails with this probability (throttling, a 500 or a timeout), and each of its BatchWriteItem calls
         * leaves items unprocessed with it too: see {@link DynamoDbFaults#injectRandomly}. For soak tests only.
         */
        public Options withDynamoDbFaultRate(double rate) {
            return new Options(port, dataDir, dynamoDbEndpoint, secrets, environment, templateFile, tablePrefix,
                    parameterOverrides, logRequests, rate);
        }

        public Options withRequestLog(boolean enabled) {
            return new Options(port, dataDir, dynamoDbEndpoint, secrets, environment, templateFile, tablePrefix,
                    parameterOverrides, enabled, dynamoDbFaultRate);
        }
    }

    public static void main(String[] args) {
        CommandLine commandLine;
        try {
            commandLine = CommandLine.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(CommandLine.USAGE);
            System.exit(2);
            return;
        }
        if (commandLine.help()) {
            System.out.print(CommandLine.USAGE);
            return;
        }
        LocalRuntime runtime;
        try {
            runtime = start(commandLine.options());
        } catch (RuntimeException e) {
            System.err.println("Inlet local runtime did not start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "inlet-shutdown"));
        System.out.println(runtime.banner());
        // The HTTP server's dispatcher thread keeps the JVM alive until Ctrl+C.
    }

    public static LocalRuntime start(Options options) {
        Startup parts = new Startup(options);
        try {
            parts.start();
            return new LocalRuntime(parts);
        } catch (RuntimeException | IOException e) {
            parts.closeStarted();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("local runtime failed to start: " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    public URI baseUri() {
        return front.baseUri();
    }

    public URI dynamoDbEndpoint() {
        return dynamoDbEndpoint;
    }

    /** A client to the runtime's DynamoDB (closed with the runtime). */
    public DynamoDbClient dynamoDb() {
        return dynamoDb;
    }

    public String tableName(String logicalId) {
        String name = tableNames.get(logicalId);
        if (name == null) {
            throw new IllegalArgumentException("no table " + logicalId + " in the template");
        }
        return name;
    }

    /** Logical id to local table name. */
    public Map<String, String> tableNames() {
        return tableNames;
    }

    /**
     * The DynamoDB faults injected into the functions' calls to this runtime's DynamoDB: empty unless started with a
     * fault rate; tests add rules of their own ({@link DynamoDbFaults#add}) and see what was injected.
     */
    public DynamoDbFaults dynamoDbFaults() {
        return started.faults;
    }

    /** The root admin token the functions accept ({@code Authorization: Bearer ...}). */
    public String adminToken() {
        LocalSecrets.Secret token = secrets.get(LocalSecrets.ADMIN_TOKEN);
        if (token == null) {
            throw new IllegalStateException("no function of the template needs an " + LocalSecrets.ADMIN_TOKEN);
        }
        return token.value();
    }

    public SamTemplate template() {
        return template;
    }

    public List<LambdaFunction> functions() {
        return functions;
    }

    /** The function of that logical id, e.g. to count its invocations or listen to its events in a test. */
    public LambdaFunction function(String logicalId) {
        return functions.stream().filter(function -> function.definition().logicalId().equals(logicalId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no function " + logicalId + " in the template"));
    }

    /**
     * For tests: returns once every stream event source has delivered everything written to its stream before this
     * call (batching windows end early for it), and again until no delivery wrote to another stream meanwhile.
     *
     * @throws IllegalStateException when that takes longer than {@code timeout}, or a poller has stopped
     */
    public void awaitStreamsIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<StreamPoller.Stats> before;
        List<StreamPoller.Stats> after;
        do {
            before = pollers.stream().map(StreamPoller::stats).toList();
            for (StreamPoller poller : pollers) {
                poller.awaitIdle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            after = pollers.stream().map(StreamPoller::stats).toList();
        } while (!before.equals(after));
    }

    /** Stops the stream pollers (joining their threads), then the HTTP front, then DynamoDB. */
    @Override
    public void close() {
        started.closeStarted();
    }

    /** What a newcomer needs: where things are, and the admin token on a line of its own. Never the pepper. */
    String banner() {
        StringBuilder text = new StringBuilder();
        text.append("Inlet local runtime\n");
        text.append("  API:      ").append(baseUri()).append('\n');
        text.append("  DynamoDB: ").append(dynamoDbEndpoint).append(dynamoDbServer.isPresent()
                ? options.dataDir().map(dir -> " (DynamoDB Local, data in " + dir.toAbsolutePath() + ")")
                        .orElse(" (DynamoDB Local, in memory)")
                : " (external)").append('\n');
        if (options.dynamoDbFaultRate() > 0) {
            text.append("  WARNING:  DynamoDB FAULTS INJECTED into IngestFunction's calls (rate ")
                    .append(options.dynamoDbFaultRate())
                    .append("): throttling, 500s, timeouts, unprocessed batch items. For soak tests only.\n");
        }
        text.append("  Routes:\n");
        for (HttpRoute route : front.routes().routes()) {
            text.append("    ").append(String.format("%-45s", route.routeKey())).append(" -> ")
                    .append(route.functionLogicalId()).append('\n');
        }
        if (!pollers.isEmpty()) {
            text.append("  Streams:\n");
            for (StreamPoller poller : pollers) {
                StreamEventSource source = poller.source();
                text.append("    ").append(String.format("%-45s", source.tableLogicalId() + " stream")).append(" -> ")
                        .append(source.functionLogicalId()).append(" (").append(source.eventName())
                        .append(", batch ").append(source.batchSize())
                        .append(", window ").append(source.maximumBatchingWindowSeconds()).append(" s")
                        .append(source.filterPatterns().isEmpty() ? "" : ", filter " + String.join(" or ",
                                source.filterPatterns()))
                        .append(")\n");
            }
        }
        LocalSecrets.Secret token = secrets.get(LocalSecrets.ADMIN_TOKEN);
        if (token != null) {
            text.append("Root admin token (").append(token.origin().description);
            if (token.origin() == LocalSecrets.Origin.GENERATED) {
                text.append(options.dataDir()
                        .map(dir -> "; saved to " + dir.resolve(LocalSecrets.FILE_NAME).toAbsolutePath())
                        .orElse("; in memory only, set ADMIN_TOKEN to keep one"));
            }
            text.append("), send it as Authorization: Bearer <token>:\n");
            text.append(LocalSecrets.ADMIN_TOKEN).append('=').append(token.value()).append('\n');
        }
        text.append("Ctrl+C stops.");
        return text.toString();
    }
}
