package dev.inlet.localruntime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.Intrinsics;
import dev.inlet.localaws.PolicyStatement;
import dev.inlet.localaws.SamTemplate;

/**
 * Checks recorded DynamoDB accesses against the functions' template policies, so a call the IAM role would refuse
 * fails a local test instead of a deployment. Resources are compared in a location-free form,
 * {@code table/<LogicalId>} or {@code table/<LogicalId>/index/<name>}, which is what {@code !GetAtt T.Arn} and
 * {@code !Sub '${T.Arn}/index/x'} denote. Anything else in a Resource (plain ARNs, other intrinsics) matches nothing.
 */
final class PolicyCoverage {

    private static final Pattern SUB_TABLE_ARN = Pattern.compile("\\$\\{([A-Za-z0-9]+)\\.Arn}(/index/.+)?");

    private PolicyCoverage() {
    }

    /** One line per access the function's policy does not allow (empty when everything is covered). */
    static List<String> violations(SamTemplate template, Collection<DynamoDbCallRecorder.Access> accesses,
                                   Map<String, String> tableNames) {
        List<String> violations = new ArrayList<>();
        for (DynamoDbCallRecorder.Access access : accesses) {
            if (access.functionLogicalId().isEmpty()) {
                continue;
            }
            FunctionDefinition function = template.function(access.functionLogicalId().get());
            Optional<String> table = DynamoDbCallRecorder.logicalId(tableNames, access.tableName());
            if (table.isEmpty()) {
                violations.add(function.logicalId() + ": " + access.action() + " on " + access.tableName()
                        + ", which is not a table of the template");
                continue;
            }
            String resource = "table/" + table.get() + access.indexName().map(index -> "/index/" + index).orElse("");
            if (!allowed(function.policyStatements(), access.action(), resource)) {
                violations.add(function.logicalId() + ": " + access.action() + " on " + resource
                        + " (" + access.operation() + ") is not allowed by its Policies");
            }
        }
        return violations.stream().distinct().toList();
    }

    static boolean allowed(List<PolicyStatement> statements, String action, String resource) {
        boolean allowed = false;
        for (PolicyStatement statement : statements) {
            boolean matches = statement.actions().stream().anyMatch(pattern -> glob(pattern, action, true))
                    && statement.resources().stream().anyMatch(value -> resourcePattern(value)
                            .filter(pattern -> glob(pattern, resource, false)).isPresent());
            if (matches && !statement.isAllow()) {
                return false; // an explicit Deny wins
            }
            allowed |= matches;
        }
        return allowed;
    }

    /** The location-free pattern a policy Resource denotes, if it denotes a table or index at all. */
    static Optional<String> resourcePattern(Object resource) {
        if ("*".equals(resource)) {
            return Optional.of("*");
        }
        Optional<List<String>> getAtt = Intrinsics.getAtt(resource);
        if (getAtt.isPresent() && getAtt.get().get(1).equals("Arn")) {
            return Optional.of("table/" + getAtt.get().get(0));
        }
        Optional<String> sub = Intrinsics.sub(resource);
        if (sub.isPresent()) {
            Matcher matcher = SUB_TABLE_ARN.matcher(sub.get());
            if (matcher.matches()) {
                return Optional.of("table/" + matcher.group(1) + (matcher.group(2) == null ? "" : matcher.group(2)));
            }
        }
        return Optional.empty();
    }

    /** IAM wildcards: {@code *} any run of characters, {@code ?} one; actions compare case-insensitively. */
    private static boolean glob(String pattern, String value, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(switch (c) {
                case '*' -> ".*";
                case '?' -> ".";
                default -> Pattern.quote(String.valueOf(c));
            });
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0).matcher(value).matches();
    }
}
