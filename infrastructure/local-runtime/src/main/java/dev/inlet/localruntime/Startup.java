package dev.inlet.localruntime;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.inlet.localaws.DynamoDbLocal;
import dev.inlet.localaws.DynamoDbLocalServer;
import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.FunctionEnvironment;
import dev.inlet.localaws.LocalTables;
import dev.inlet.localaws.ResolvedEnvironment;
import dev.inlet.localaws.SamTemplate;

import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@link LocalRuntime}'s start-up in steps, remembering what runs so that a failure can stop it again. */
final class Startup {

    final LocalRuntime.Options options;
    SamTemplate template;
    DynamoDbLocalServer dynamoDbServer;
    DynamoDbClient dynamoDb;
    URI dynamoDbEndpoint;
    Map<String, String> tableNames;
    Map<String, LocalSecrets.Secret> secrets;
    List<LambdaFunction> functions = new ArrayList<>();
    HttpFront front;

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
        } else {
            dynamoDbServer = DynamoDbLocal.startServer(0, options.dataDir().map(dir -> dir.resolve("dynamodb")));
            dynamoDbEndpoint = dynamoDbServer.endpoint();
            dynamoDb = dynamoDbServer.client();
        }
        tableNames = LocalTables.createAll(dynamoDb, template, options.tablePrefix());

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
        front = HttpFront.start(options.port(), functions, options.logRequests());
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

    void closeStarted() {
        if (front != null) {
            front.close();
        }
        if (dynamoDbServer != null) {
            dynamoDbServer.close();
        } else if (dynamoDb != null) {
            dynamoDb.close();
        }
    }
}
