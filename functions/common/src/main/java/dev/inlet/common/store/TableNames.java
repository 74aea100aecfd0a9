package dev.inlet.common.store;

import java.util.Map;
import java.util.Optional;

/**
 * The environment variables that carry table names, as template.yaml sets them on each function, and the names of
 * the indexes and TTL attributes the code relies on. A test checks each against template.yaml.
 */
public final class TableNames {

    public static final String PROJECTS = "PROJECTS_TABLE";
    public static final String ADMIN_TOKENS = "ADMIN_TOKENS_TABLE";
    public static final String SOURCES = "SOURCES_TABLE";
    public static final String WRITE_KEYS = "WRITE_KEYS_TABLE";
    public static final String EVENTS = "EVENTS_TABLE";
    public static final String SOURCE_STATS = "SOURCE_STATS_TABLE";
    public static final String AUDIT = "AUDIT_TABLE";
    public static final String DEBUGGER = "DEBUGGER_TABLE";

    /** GSI on AdminTokensTable (project_id, token_id) and on SourcesTable (project_id, created_key). */
    public static final String BY_PROJECT_INDEX = "by_project";
    /** TTL attribute of WriteKeysTable: epoch seconds after which DynamoDB may delete an ended key. */
    public static final String WRITE_KEYS_TTL_ATTRIBUTE = "purge_at";
    /** TTL attribute of EventsTable: epoch seconds when the retention of an event ends. */
    public static final String EVENTS_TTL_ATTRIBUTE = "purge_at";
    /** TTL attribute of DebuggerTable: epoch seconds when a debugger entry expires. */
    public static final String DEBUGGER_TTL_ATTRIBUTE = "purge_at";

    private TableNames() {
    }

    public static String required(Map<String, String> environment, String variable) {
        return optional(environment, variable).orElseThrow(() -> new IllegalStateException(
                "Environment variable " + variable + " is not set (template.yaml sets it on each function)"));
    }

    public static Optional<String> optional(Map<String, String> environment, String variable) {
        return Optional.ofNullable(environment.get(variable)).filter(v -> !v.isBlank());
    }
}
