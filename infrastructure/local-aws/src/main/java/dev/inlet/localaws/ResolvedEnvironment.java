package dev.inlet.localaws;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A function's environment with every intrinsic resolved for local use. {@code requiredSecrets} names the plain
 * variables (e.g. {@code PEPPER}) the caller must add: in AWS the function reads {@code PEPPER_SECRET_ARN} instead.
 */
public record ResolvedEnvironment(Map<String, String> variables, Set<String> requiredSecrets) {

    public ResolvedEnvironment {
        variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
        requiredSecrets = Collections.unmodifiableSet(new LinkedHashSet<>(requiredSecrets));
    }
}
