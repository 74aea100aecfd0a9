package dev.inlet.common.auth;

import java.util.Optional;

/** Who an admin request acts as: the root (every project) or one project's admin token. */
public record Principal(Optional<String> projectId, String actor) {

    public static Principal root() {
        return new Principal(Optional.empty(), "root");
    }

    public static Principal project(String projectId, String tokenId) {
        return new Principal(Optional.of(projectId), "token:" + tokenId);
    }

    public boolean isRoot() {
        return projectId.isEmpty();
    }

    /** Whether this principal may see the given project's resources. */
    public boolean canAccess(String resourceProjectId) {
        return projectId.map(resourceProjectId::equals).orElse(true);
    }
}
