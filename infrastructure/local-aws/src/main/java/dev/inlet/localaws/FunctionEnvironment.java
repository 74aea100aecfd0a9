package dev.inlet.localaws;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves a function's template environment for a local run: table references become local table names, parameter
 * references their override or default, and secret ARNs become required plain secrets.
 */
public final class FunctionEnvironment {

    /** {@code PEPPER_SECRET_ARN: !Ref PepperSecret} locally becomes the plain variable {@code PEPPER}. */
    public static final String SECRET_ARN_SUFFIX = "_SECRET_ARN";

    private static final String TABLE_TYPE = "AWS::DynamoDB::Table";
    private static final String SECRET_TYPE = "AWS::SecretsManager::Secret";

    private FunctionEnvironment() {
    }

    /**
     * @param tableNames         logical id to local table name (what {@link LocalTables#createAll} returns)
     * @param parameterOverrides parameter name to value; parameters not named here take their template default
     * @throws IllegalStateException naming the variable whose value cannot be resolved locally
     */
    public static ResolvedEnvironment resolve(SamTemplate template, FunctionDefinition function,
                                              Map<String, String> tableNames, Map<String, String> parameterOverrides) {
        Map<String, String> variables = new LinkedHashMap<>();
        Set<String> requiredSecrets = new LinkedHashSet<>();
        function.environment().forEach((name, value) -> {
            Optional<String> ref = Intrinsics.ref(value);
            if (ref.isPresent() && name.endsWith(SECRET_ARN_SUFFIX) && isSecret(template, ref.get())) {
                requiredSecrets.add(name.substring(0, name.length() - SECRET_ARN_SUFFIX.length()));
            } else {
                variables.put(name, resolveValue(template, function, name, value, tableNames, parameterOverrides));
            }
        });
        return new ResolvedEnvironment(variables, requiredSecrets);
    }

    private static String resolveValue(SamTemplate template, FunctionDefinition function, String name, Object value,
                                       Map<String, String> tableNames, Map<String, String> parameterOverrides) {
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return String.valueOf(value);
        }
        Optional<String> ref = Intrinsics.ref(value);
        if (ref.isPresent()) {
            String target = ref.get();
            if (tableNames.containsKey(target)) {
                return tableNames.get(target);
            }
            TemplateParameter parameter = template.parameters().get(target);
            if (parameter != null) {
                Optional<String> resolved = Optional.ofNullable(parameterOverrides.get(target)).or(parameter::defaultValue);
                if (resolved.isPresent()) {
                    return resolved.get();
                }
            }
            if (template.resourceType(target).filter(TABLE_TYPE::equals).isPresent()) {
                throw unresolvable(function, name, value, "table " + target + " has no local name");
            }
        }
        throw unresolvable(function, name, value, "no local equivalent");
    }

    private static boolean isSecret(SamTemplate template, String logicalId) {
        return template.resourceType(logicalId).filter(SECRET_TYPE::equals).isPresent();
    }

    private static IllegalStateException unresolvable(FunctionDefinition function, String name, Object value,
                                                      String why) {
        return new IllegalStateException("cannot resolve environment variable " + name + " of "
                + function.logicalId() + " (" + value + "): " + why);
    }
}
