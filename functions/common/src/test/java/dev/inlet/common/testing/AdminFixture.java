package dev.inlet.common.testing;

import dev.inlet.common.config.AdminServices;
import dev.inlet.common.config.SecretValues;
import dev.inlet.localaws.DynamoDbLocal;
import dev.inlet.localaws.FunctionEnvironment;
import dev.inlet.localaws.LocalTables;
import dev.inlet.localaws.ResolvedEnvironment;
import dev.inlet.localaws.SamTemplate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Real dependencies for handler and repository tests: the JVM's in-process DynamoDB Local with every table of
 * template.yaml (under a prefix unique to the test class), each function's environment as the template declares it,
 * fixed secrets and a clock the test moves.
 */
public final class AdminFixture {

    public static final String ROOT_TOKEN = "inlet_root_test-token-0123456789abcdef";
    public static final String PEPPER = "test-pepper-0123456789abcdef0123456789";

    private static final SamTemplate TEMPLATE = SamTemplate.locate();

    /**
     * Starts at the real time (whole seconds): DynamoDB Local's TTL sweeper deletes items whose TTL attribute is in
     * the real past, so a clock fixed at some date would see its test data vanish a few days later.
     */
    public final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    public final DynamoDbClient dynamo = DynamoDbLocal.embedded();
    public final Map<String, String> tables;

    public AdminFixture(Class<?> testClass) {
        this.tables = LocalTables.createAll(dynamo, TEMPLATE, LocalTables.uniquePrefix(testClass));
    }

    /** The services a function's no-arg constructor would build, from its template environment. */
    public AdminServices servicesFor(String functionLogicalId) {
        return new AdminServices(dynamo, environmentFor(functionLogicalId), secrets(), clock);
    }

    /** A function's environment as template.yaml declares it, with this fixture's table names. */
    public Map<String, String> environmentFor(String functionLogicalId) {
        ResolvedEnvironment resolved = FunctionEnvironment.resolve(TEMPLATE, TEMPLATE.function(functionLogicalId),
                tables, Map.of());
        Map<String, String> environment = new HashMap<>(resolved.variables());
        environment.put("AWS_REGION", "us-east-1");
        return environment;
    }

    public static SecretValues secrets() {
        return SecretValues.fixed(PEPPER, ROOT_TOKEN);
    }

    public String table(String logicalId) {
        return tables.get(logicalId);
    }

    public static SamTemplate template() {
        return TEMPLATE;
    }

    /** Every item of every table, in a stable order: equal before and after means nothing was written. */
    public String everythingStored() {
        StringBuilder all = new StringBuilder();
        for (String table : new java.util.TreeSet<>(tables.values())) {
            all.append(table).append(": ").append(dynamo.scan(b -> b.tableName(table).consistentRead(true))
                    .items().stream().map(Object::toString).sorted().toList()).append('\n');
        }
        return all.toString();
    }
}
