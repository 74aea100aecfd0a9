package dev.inlet.functions.projects;

import dev.inlet.common.crypto.Ids;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.crypto.Secrets;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.project.AdminToken;
import dev.inlet.common.project.Project;
import dev.inlet.common.store.AdminTokenRepository;
import dev.inlet.common.store.Page;
import dev.inlet.common.store.ProjectRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Projects and their admin tokens; reached with the root token only. */
final class ProjectService {

    private final ProjectRepository projects;
    private final AdminTokenRepository tokens;
    private final SecretHasher hasher;
    private final Clock clock;

    ProjectService(ProjectRepository projects, AdminTokenRepository tokens, SecretHasher hasher, Clock clock) {
        this.projects = projects;
        this.tokens = tokens;
        this.hasher = hasher;
        this.clock = clock;
    }

    /** A new token and its one-time plain value. */
    record IssuedToken(AdminToken token, String value) {
        @Override
        public String toString() {
            return "IssuedToken[" + token.id() + "]";
        }
    }

    Project create(String name) {
        Project project = new Project(Ids.newId(Ids.PROJECT), name, clock.instant());
        if (!projects.createIfAbsent(project)) {
            throw new IllegalStateException("Project id collision: " + project.id());
        }
        return project;
    }

    Page<Project> list(int limit, Optional<Map<String, String>> after) {
        return projects.list(limit, after);
    }

    IssuedToken issueToken(String projectId, String name) {
        Project project = existing(projectId);
        String value = Secrets.generate(AdminToken.TOKEN_PREFIX, hasher);
        AdminToken token = new AdminToken(Ids.newId(Ids.ADMIN_TOKEN), hasher.hash(value),
                Secrets.displayPrefix(value, AdminToken.TOKEN_PREFIX), project.id(), name, clock.instant(),
                Optional.empty());
        tokens.create(token);
        return new IssuedToken(token, value);
    }

    List<AdminToken> tokens(String projectId) {
        return tokens.listByProject(existing(projectId).id());
    }

    void revokeToken(String projectId, String tokenId) {
        Project project = existing(projectId);
        if (!Ids.looksLike(tokenId, Ids.ADMIN_TOKEN)) {
            throw ApiError.notFound("Token");
        }
        AdminToken token = tokens.find(project.id(), tokenId).orElseThrow(() -> ApiError.notFound("Token " + tokenId));
        Instant now = clock.instant();
        tokens.revoke(token, now);
    }

    private Project existing(String projectId) {
        boolean plausible = Project.DEFAULT_ID.equals(projectId) || Ids.looksLike(projectId, Ids.PROJECT);
        return (plausible ? projects.find(projectId) : Optional.<Project>empty())
                .orElseThrow(() -> ApiError.notFound("Project"));
    }
}
