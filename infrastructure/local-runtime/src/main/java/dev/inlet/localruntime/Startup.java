package dev.inlet.localruntime;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;

import dev.inlet.localaws.DynamoDbLocal;
import dev.inlet.localaws.DynamoDbLocalServer;
import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.FunctionEnvironment;
import dev.inlet.localaws.LocalTables;
import dev.inlet.localaws.ResolvedEnvironment;
import dev.inlet.localaws.SamTemplate;
import dev.inlet.localaws.StreamEventSource;

import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** {@link LocalRuntime}'s start-up in steps, remembering what runs so that a failure can stop it again. */
final class Startup {

    final LocalRuntime.Options options;
    SamTemplate template;
    DynamoDbLocalServer dynamoDbServer;
    DynamoDbClient dynamoDb;
    DynamoDbStreamsClient streams;
    URI dynamoDbEndpoint;
    Map<String, String> tableNames;
    Map<String, LocalSecrets.Secret> secrets;
    List<LambdaFunction> functions = new ArrayList<>();
    HttpFront front;
    List<StreamPoller> pollers = new ArrayList<>();
    final DynamoDbFaults faults = new DynamoDbFaults();

    /** Where {@code --inject-dynamodb-faults} injects: the ingestion path (events write, key lookup, bucket). */
    static final String INGEST_FUNCTION = "IngestFunction";
    static final List<String> INGESTION_PATH_TABLES = List.of("EventsTable", "WriteKeysTable", "RateLimitsTable");

    Startup(LocalRuntime.Options options) {
        this.options = options;
    }

    void start() throws IOException {
        template = options.templateFile().map(SamTemplate::load).orElseGet(SamTemplate::locate);
        String region = Optional.ofNullable(options.environment().get("AWS_REGION"))
                .filter(value -> !value.isBlank()).orElse(LocalRuntime.DEFAULT_REGION);
        useDummyCredentialsUnlessConfigured(region);

        if (options.dynamoDbEndpoint().isPresent()) {
            dynamoDbEndpoint = options.dynamoDbEndpoint().get();
            dynamoDb = externalClient(dynamoDbEndpoint, region);
            streams = externalStreamsClient(dynamoDbEndpoint, region);
        } else {
            dynamoDbServer = DynamoDbLocal.startServer(0, options.dataDir().map(dir -> dir.resolve("dynamodb")));
            dynamoDbEndpoint = dynamoDbServer.endpoint();
            dynamoDb = dynamoDbServer.client();
            streams = dynamoDbServer.streamsClient();
        }
        tableNames = LocalTables.createAll(dynamoDb, template, options.tablePrefix());
        DynamoDbFaults.register(dynamoDbEndpoint, faults);
        if (options.dynamoDbFaultRate() > 0) {
            faults.injectRandomly(options.dynamoDbFaultRate(), INGEST_FUNCTION, INGESTION_PATH_TABLES.stream()
                    .map(tableNames::get).filter(java.util.Objects::nonNull).collect(Collectors.toSet()));
            System.err.println("WARNING: injecting DynamoDB faults into " + INGEST_FUNCTION + "'s calls on "
                    + INGESTION_PATH_TABLES + " at rate " + options.dynamoDbFaultRate()
                    + " (throttling, 500s, timeouts, unprocessed batch items). Never use this for real data.");
        }

        Map<FunctionDefinition, ResolvedEnvironment> environments = new LinkedHashMap<>();
        Set<String> secretNames = new LinkedHashSet<>();
        for (FunctionDefinition function : template.functions()) {
            ResolvedEnvironment environment = FunctionEnvironment.resolve(template, function, tableNames,
                    options.parameterOverrides());
            environments.put(function, environment);
            secretNames.addAll(environment.requiredSecrets());
        }
        secrets = Collections.unmodifiableMap(LocalSecrets.resolve(secretNames, options.secrets(),
                options.environment(), options.dataDir()));

        for (var entry : environments.entrySet()) {
            functions.add(LambdaFunction.load(entry.getKey(),
                    functionEnvironment(entry.getKey(), entry.getValue(), region), region));
        }
        for (LambdaFunction function : functions) {
            if (!function.definition().routes().isEmpty() && !function.accepts(APIGatewayV2HTTPEvent.class)) {
                throw new IllegalStateException(function.definition().logicalId() + " has HttpApi routes, but its"
                        + " handler takes " + function.inputType().getName());
            }
            for (StreamEventSource source : function.definition().streamEventSources()) {
                if (source.enabled()) { // Enabled: false creates the mapping disabled in AWS too
                    pollers.add(new StreamPoller(source, function, streamArn(source), streams,
                            checkpointFile(source), region, options.logRequests()));
                }
            }
        }
        front = HttpFront.start(options.port(), functions, options.logRequests());
        for (StreamPoller poller : pollers) {
            poller.start();
        }
    }

    /** The stream a mapping reads; CloudFormation would refuse the template if the table had none. */
    private String streamArn(StreamEventSource source) {
        String table = tableNames.get(source.tableLogicalId());
        TableDescription description = dynamoDb.describeTable(describe -> describe.tableName(table)).table();
        boolean enabled = description.streamSpecification() != null
                && Boolean.TRUE.equals(description.streamSpecification().streamEnabled());
        if (!enabled || description.latestStreamArn() == null) {
            throw new IllegalStateException(source.id() + " reads the stream of " + source.tableLogicalId()
                    + ", which has no StreamSpecification");
        }
        return description.latestStreamArn();
    }

    /**
     * With a data directory, checkpoints survive restarts. Without one they live in memory, and a restart reads the
     * stream from StartingPosition again: harmless with the in-memory DynamoDB Local, whose stream starts empty.
     */
    private Optional<Path> checkpointFile(StreamEventSource source) {
        return options.dataDir().map(dir -> dir.resolve("stream-checkpoints").resolve(source.id() + ".properties"));
    }

    /** The template's variables plus what Lambda itself sets, plus the secrets in plain form. */
    private Map<String, String> functionEnvironment(FunctionDefinition function, ResolvedEnvironment resolved,
                                                    String region) {
        Map<String, String> environment = new LinkedHashMap<>(resolved.variables());
        environment.put("AWS_REGION", region);
        environment.put("AWS_DEFAULT_REGION", region);
        environment.put("AWS_LAMBDA_FUNCTION_NAME", function.logicalId());
        environment.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        environment.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", String.valueOf(function.memorySizeMb()));
        environment.put("DYNAMODB_ENDPOINT", dynamoDbEndpoint.toString());
        for (String name : resolved.requiredSecrets()) {
            environment.put(name, secrets.get(name).value());
        }
        return environment;
    }

    /** Handlers use the SDK's default chain; system properties come first in it, so dummy ones keep it local. */
    private static void useDummyCredentialsUnlessConfigured(String region) {
        setIfAbsent("aws.accessKeyId", "local");
        setIfAbsent("aws.secretAccessKey", "local");
        setIfAbsent("aws.region", region);
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** Same region and credentials as the handlers: LocalStack keeps tables per region and account. */
    private static DynamoDbClient externalClient(URI endpoint, String region) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .credentialsProvider(SystemPropertyCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    private static DynamoDbStreamsClient externalStreamsClient(URI endpoint, String region) {
        return DynamoDbStreamsClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .credentialsProvider(SystemPropertyCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    void closeStarted() {
        pollers.forEach(StreamPoller::close);
        if (dynamoDbEndpoint != null) {
            DynamoDbFaults.unregister(dynamoDbEndpoint, faults);
        }
        if (front != null) {
            front.close();
        }
        if (dynamoDbServer != null) {
            dynamoDbServer.close(); // also closes its clients
        } else {
            if (streams != null) {
                streams.close();
            }
            if (dynamoDb != null) {
                dynamoDb.close();
            }
        }
    }
}
