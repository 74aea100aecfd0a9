package dev.inlet.common.config;

import dev.inlet.common.auth.AdminAuthenticator;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.http.Cursors;
import dev.inlet.common.source.KeyLifecycle;
import dev.inlet.common.source.SourceService;
import dev.inlet.common.store.AuditRepository;
import dev.inlet.common.store.AdminTokenRepository;
import dev.inlet.common.store.ProjectRepository;
import dev.inlet.common.store.SourceRepository;
import dev.inlet.common.store.DebugSampleRepository;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.store.TableNames;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What the admin functions are built from, assembled once per container: the DynamoDB client, the secrets, the
 * hasher, the clock, and repositories for the tables this function's environment names. Handlers take one in
 * their package-private constructor; their no-arg constructor calls {@link #fromEnvironment}.
 */
public final class AdminServices {

    private final DynamoDbClient dynamo;
    private final Map<String, String> environment;
    private final SecretValues secrets;
    private final SecretHasher hasher;
    private final Clock clock;

    public AdminServices(DynamoDbClient dynamo, Map<String, String> environment, SecretValues secrets, Clock clock) {
        this.dynamo = dynamo;
        this.environment = Map.copyOf(environment);
        this.secrets = secrets;
        this.hasher = new SecretHasher(secrets::pepper);
        this.clock = clock;
    }

    /** Real dependencies for a Lambda container (or the local runtime), from the function's environment. */
    public static AdminServices fromEnvironment(Map<String, String> environment) {
        return new AdminServices(AwsClients.dynamoDb(environment), environment,
                SecretValues.fromEnvironment(environment, () -> AwsClients.secretsManager(environment)),
                Clock.tick(Clock.systemUTC(), Duration.ofMillis(1)));
    }

    public DynamoDbClient dynamo() {
        return dynamo;
    }

    public Clock clock() {
        return clock;
    }

    public SecretHasher hasher() {
        return hasher;
    }

    public Cursors cursors() {
        return new Cursors(hasher);
    }

    public AdminAuthenticator authenticator() {
        return new AdminAuthenticator(secrets, hasher, adminTokens());
    }

    public AdminTokenRepository adminTokens() {
        return new AdminTokenRepository(dynamo, TableNames.required(environment, TableNames.ADMIN_TOKENS));
    }

    public ProjectRepository projects() {
        return new ProjectRepository(dynamo, TableNames.required(environment, TableNames.PROJECTS));
    }

    public SourceRepository sources() {
        return new SourceRepository(dynamo, TableNames.required(environment, TableNames.SOURCES),
                TableNames.required(environment, TableNames.WRITE_KEYS), audit());
    }

    public AuditRepository audit() {
        return new AuditRepository(dynamo, TableNames.required(environment, TableNames.AUDIT));
    }

    /** Rotation, key expiry, revocation, disable and enable. */
    public KeyLifecycle keyLifecycle() {
        return new KeyLifecycle(sources(), stats(), hasher, clock);
    }

    public Optional<SourceStatsRepository> stats() {
        return TableNames.optional(environment, TableNames.SOURCE_STATS)
                .map(table -> new SourceStatsRepository(dynamo, table));
    }

    private Optional<DebugSampleRepository> debugger() {
        return TableNames.optional(environment, TableNames.DEBUGGER)
                .map(table -> new DebugSampleRepository(dynamo, table));
    }

    /**
     * The source service. A function whose environment has no projects table never creates sources, so it gets a
     * service without one; likewise for statistics and the debugger.
     */
    public SourceService sourceService() {
        ProjectRepository projects = TableNames.optional(environment, TableNames.PROJECTS).isPresent()
                ? projects() : null;
        return new SourceService(sources(), audit(), projects, stats(), debugger(), hasher, clock);
    }
}
