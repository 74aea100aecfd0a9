package dev.inlet.localaws;

import static dev.inlet.localaws.YamlValues.integer;
import static dev.inlet.localaws.YamlValues.list;
import static dev.inlet.localaws.YamlValues.map;
import static dev.inlet.localaws.YamlValues.requiredString;
import static dev.inlet.localaws.YamlValues.string;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * template.yaml, read once and viewed as typed records. The template is the single truth for routes, tables and
 * function environments: the local runtime and the tests read them here instead of repeating them.
 */
public final class SamTemplate {

    /** Set by the parent pom's surefire configuration; wins over walking up from the working directory. */
    public static final String PROJECT_ROOT_PROPERTY = "inlet.projectRoot";
    public static final String FILE_NAME = "template.yaml";

    private static final String FUNCTION_TYPE = "AWS::Serverless::Function";
    private static final String TABLE_TYPE = "AWS::DynamoDB::Table";

    private final String source;
    private final Map<String, Object> root;

    private SamTemplate(String source, Map<String, Object> root) {
        this.source = source;
        this.root = root;
    }

    public static SamTemplate load(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The project's template.yaml (see {@link #projectRoot()}). */
    public static SamTemplate locate() {
        return load(projectRoot().resolve(FILE_NAME));
    }

    public static SamTemplate parse(String yaml) {
        return parse(yaml, "template");
    }

    private static SamTemplate parse(String yaml, String source) {
        Object document = new Yaml(new CloudFormationConstructor(new LoaderOptions())).load(yaml);
        return new SamTemplate(source, YamlValues.immutableMap(map(document, source)));
    }

    /**
     * The project root: the first directory holding both template.yaml and pom.xml, walking up from system property
     * {@value #PROJECT_ROOT_PROPERTY} if set, else from the working directory. Walking up from the property too keeps
     * {@code mvn} runs from a module directory working (Maven then sets the property to that directory).
     */
    public static Path projectRoot() {
        String configured = System.getProperty(PROJECT_ROOT_PROPERTY);
        boolean fromProperty = configured != null && !configured.isBlank();
        Path start = (fromProperty ? Path.of(configured) : Path.of("")).toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(FILE_NAME)) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory holding " + FILE_NAME + " and pom.xml at or above " + start
                + (fromProperty ? " (from -D" + PROJECT_ROOT_PROPERTY + ")"
                        : "; run from inside the project or set -D" + PROJECT_ROOT_PROPERTY + "=<dir>"));
    }

    /** The whole parsed template (unmodifiable), intrinsics in long form. */
    public Map<String, Object> raw() {
        return root;
    }

    public Optional<String> resourceType(String logicalId) {
        return string(map(resources().get(logicalId), logicalId).get("Type"));
    }

    /** Parameters by name, in template order. */
    public Map<String, TemplateParameter> parameters() {
        Map<String, TemplateParameter> parameters = new LinkedHashMap<>();
        map(root.get("Parameters"), "Parameters").forEach((name, value) -> {
            Map<String, Object> parameter = map(value, "Parameters." + name);
            Optional<String> defaultValue = Optional.ofNullable(parameter.get("Default")).map(SamTemplate::parameterValue);
            parameters.put(name, new TemplateParameter(name, string(parameter.get("Type")).orElse("String"), defaultValue));
        });
        return Collections.unmodifiableMap(parameters);
    }

    public List<FunctionDefinition> functions() {
        return resourcesOfType(FUNCTION_TYPE).stream().map(this::function).toList();
    }

    public FunctionDefinition function(String logicalId) {
        requireType(logicalId, FUNCTION_TYPE);
        Map<String, Object> globals = map(map(root.get("Globals"), "Globals").get("Function"), "Globals.Function");
        Map<String, Object> properties = properties(logicalId);
        String where = logicalId + ".Properties";

        String handler = string(properties.getOrDefault("Handler", globals.get("Handler")))
                .orElseThrow(() -> new IllegalStateException(where + ": missing Handler"));
        int separator = handler.indexOf("::");
        String handlerClass = separator < 0 ? handler : handler.substring(0, separator);
        String handlerMethod = separator < 0 ? "handleRequest" : handler.substring(separator + 2);

        Map<String, Object> environment = new LinkedHashMap<>(variables(globals, "Globals.Function"));
        environment.putAll(variables(properties, where));

        int timeout = integer(properties.getOrDefault("Timeout", globals.get("Timeout")), where + ".Timeout")
                .orElse(FunctionDefinition.DEFAULT_TIMEOUT_SECONDS);
        int memory = integer(properties.getOrDefault("MemorySize", globals.get("MemorySize")), where + ".MemorySize")
                .orElse(FunctionDefinition.DEFAULT_MEMORY_SIZE_MB);
        String codeUri = string(properties.getOrDefault("CodeUri", globals.get("CodeUri"))).orElse("");

        return new FunctionDefinition(logicalId, handlerClass, handlerMethod, codeUri, environment,
                routes(logicalId, properties), policyStatements(where, properties.get("Policies")), timeout, memory,
                StreamEventSources.parse(this, logicalId, properties));
    }

    /** Every function's {@code Type: DynamoDB} events, in template order. */
    public List<StreamEventSource> streamEventSources() {
        return functions().stream().flatMap(function -> function.streamEventSources().stream()).toList();
    }

    boolean isTable(String logicalId) {
        return resourceType(logicalId).filter(TABLE_TYPE::equals).isPresent();
    }

    public List<TableDefinition> tables() {
        return resourcesOfType(TABLE_TYPE).stream().map(this::table).toList();
    }

    public TableDefinition table(String logicalId) {
        requireType(logicalId, TABLE_TYPE);
        Map<String, Object> properties = properties(logicalId);
        String where = logicalId + ".Properties";
        if (properties.containsKey("LocalSecondaryIndexes")) {
            // Not needed yet; refusing beats creating a local table that silently lacks them.
            throw new IllegalStateException(where + ": LocalSecondaryIndexes are not supported by the local tables");
        }

        Map<String, String> attributes = new LinkedHashMap<>();
        for (Object definition : list(properties.get("AttributeDefinitions"))) {
            Map<String, Object> attribute = map(definition, where + ".AttributeDefinitions");
            attributes.put(requiredString(attribute, "AttributeName", where),
                    requiredString(attribute, "AttributeType", where));
        }

        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (Object value : list(properties.get("GlobalSecondaryIndexes"))) {
            Map<String, Object> index = map(value, where + ".GlobalSecondaryIndexes");
            String indexName = requiredString(index, "IndexName", where + ".GlobalSecondaryIndexes");
            Map<String, Object> projection = map(index.get("Projection"), indexName + ".Projection");
            indexes.add(new GlobalSecondaryIndex(indexName, keySchema(index.get("KeySchema"), where + "." + indexName),
                    string(projection.get("ProjectionType")).orElse("ALL"),
                    list(projection.get("NonKeyAttributes")).stream().map(String::valueOf).toList()));
        }

        Map<String, Object> ttl = map(properties.get("TimeToLiveSpecification"), where + ".TimeToLiveSpecification");
        Optional<String> ttlAttribute = isTrue(ttl.get("Enabled")) ? string(ttl.get("AttributeName")) : Optional.empty();
        Optional<String> streamViewType = string(
                map(properties.get("StreamSpecification"), where + ".StreamSpecification").get("StreamViewType"));

        return new TableDefinition(logicalId, attributes, keySchema(properties.get("KeySchema"), where), indexes,
                ttlAttribute, streamViewType);
    }

    @Override
    public String toString() {
        return "SamTemplate[" + source + "]";
    }

    private Map<String, Object> resources() {
        return map(root.get("Resources"), "Resources");
    }

    private List<String> resourcesOfType(String type) {
        return resources().keySet().stream()
                .filter(logicalId -> resourceType(logicalId).filter(type::equals).isPresent())
                .toList();
    }

    private void requireType(String logicalId, String type) {
        String actual = resourceType(logicalId)
                .orElseThrow(() -> new IllegalArgumentException("no resource " + logicalId + " in " + source));
        if (!actual.equals(type)) {
            throw new IllegalArgumentException(logicalId + " is a " + actual + ", not a " + type);
        }
    }

    private Map<String, Object> properties(String logicalId) {
        return map(map(resources().get(logicalId), logicalId).get("Properties"), logicalId + ".Properties");
    }

    private static Map<String, Object> variables(Map<String, Object> owner, String where) {
        return map(map(owner.get("Environment"), where + ".Environment").get("Variables"),
                where + ".Environment.Variables");
    }

    private static List<HttpRoute> routes(String logicalId, Map<String, Object> properties) {
        List<HttpRoute> routes = new ArrayList<>();
        map(properties.get("Events"), logicalId + ".Events").forEach((eventName, value) -> {
            Map<String, Object> event = map(value, logicalId + ".Events." + eventName);
            if (!"HttpApi".equals(event.get("Type"))) {
                return;
            }
            Map<String, Object> eventProperties = map(event.get("Properties"), eventName + ".Properties");
            String path = string(eventProperties.get("Path")).orElse(HttpRoute.DEFAULT_PATH);
            String method = string(eventProperties.get("Method")).orElse(HttpRoute.ANY).toUpperCase(Locale.ROOT);
            routes.add(new HttpRoute(logicalId, eventName, method, path));
        });
        return routes;
    }

    /** Inline statements only; managed-policy names and SAM policy templates have no statements to read. */
    private static List<PolicyStatement> policyStatements(String where, Object policies) {
        List<PolicyStatement> statements = new ArrayList<>();
        for (Object policy : list(policies)) {
            if (!(policy instanceof Map<?, ?> document) || !document.containsKey("Statement")) {
                continue;
            }
            for (Object value : list(document.get("Statement"))) {
                Map<String, Object> statement = map(value, where + ".Policies.Statement");
                if (!statement.containsKey("Action")) {
                    continue; // NotAction statements are not modelled
                }
                statements.add(new PolicyStatement(
                        string(statement.get("Effect")).orElse("Allow"),
                        list(statement.get("Action")).stream().map(String::valueOf).toList(),
                        list(statement.get("Resource"))));
            }
        }
        return statements;
    }

    private static KeySchema keySchema(Object value, String where) {
        Map<String, String> byType = new LinkedHashMap<>();
        for (Object element : list(value)) {
            Map<String, Object> key = map(element, where + ".KeySchema");
            byType.put(requiredString(key, "KeyType", where), requiredString(key, "AttributeName", where));
        }
        String hash = byType.get("HASH");
        if (hash == null) {
            throw new IllegalStateException(where + ": KeySchema has no HASH key");
        }
        return new KeySchema(hash, Optional.ofNullable(byType.get("RANGE")));
    }

    private static boolean isTrue(Object value) {
        return value instanceof Boolean flag ? flag : "true".equalsIgnoreCase(String.valueOf(value));
    }

    private static String parameterValue(Object value) {
        return value instanceof List<?> values
                ? values.stream().map(String::valueOf).collect(Collectors.joining(","))
                : String.valueOf(value);
    }
}
