package dev.inlet.common.source;

import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.Ids;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.Cursors;
import dev.inlet.common.project.Project;
import dev.inlet.common.store.Page;
import dev.inlet.common.store.ProjectRepository;
import dev.inlet.common.store.SourceFilter;
import dev.inlet.common.store.SourceRepository;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.store.VersionConflict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * What admins do to sources, with the access rule every operation shares: a project token sees only its own
 * project's sources, and anything else answers 404 exactly as a source that does not exist.
 */
public final class SourceService {

    public static final int DEFAULT_GRACE_HOURS = 24;
    public static final int MAX_GRACE_HOURS = 168;
    private static final int ROTATE_ATTEMPTS = 3;
    /** Revocation is the emergency brake: it retries harder than anything it races with. */
    private static final int REVOKE_ATTEMPTS = 10;

    private final SourceRepository sources;
    private final ProjectRepository projects;
    private final Optional<SourceStatsRepository> stats;
    private final SecretHasher hasher;
    private final Clock clock;

    public SourceService(SourceRepository sources, ProjectRepository projects, Optional<SourceStatsRepository> stats,
                         SecretHasher hasher, Clock clock) {
        this.sources = sources;
        this.projects = projects;
        this.stats = stats;
        this.hasher = hasher;
        this.clock = clock;
    }

    /** A new source and its first key, which exists only here and in the answer. */
    public record Created(Source source, String key) {
        @Override
        public String toString() {
            return "Created[" + source.id() + "]";
        }
    }

    /** A rotation's outcome: the new key (shown once), the previous key in grace, and keys ended at once. */
    public record Rotated(Source source, String key, Optional<SourceKey> previous, List<SourceKey> ended) {
        @Override
        public String toString() {
            return "Rotated[" + source.id() + "]";
        }
    }

    public Created create(Principal principal, NewSource request) {
        String projectId = projectFor(principal, request.projectId());
        Instant now = clock.instant();
        WriteKeys.NewKey key = WriteKeys.generate(request.environment(), request.type(), hasher);
        SourceKey sourceKey = new SourceKey(Ids.newId(Ids.KEY), hasher.hash(key.key()), key.prefix(), now,
                Optional.empty());
        Source source = new Source(Ids.newId(Ids.SOURCE), projectId, request.name(), request.type(),
                request.environment(), request.description(), request.rateLimitEps(), request.allowedEventTypes(),
                request.allowedOrigins(), SourceStatus.ACTIVE, now, now, Optional.empty(), 1, List.of(sourceKey));
        sources.create(source);
        return new Created(source, key.key());
    }

    public Source get(Principal principal, String id) {
        return visible(principal, id);
    }

    /**
     * Events accepted in the current hour and the 23 before it, as the stats aggregator counted them (it trails
     * ingestion by seconds). Empty in functions that do not read statistics.
     */
    public OptionalLong volumeLast24Hours(Source source) {
        return stats.map(repository -> OptionalLong.of(repository.acceptedInLast24Hours(source.id(), clock.instant())))
                .orElse(OptionalLong.empty());
    }

    /**
     * The 24 h volume of each source of a listing page: one Query per source, run concurrently on virtual threads so
     * a page of 100 costs about one round trip, not 100.
     */
    public Map<String, OptionalLong> volumesLast24Hours(List<Source> page) {
        Map<String, OptionalLong> volumes = new HashMap<>();
        if (stats.isEmpty()) {
            page.forEach(source -> volumes.put(source.id(), OptionalLong.empty()));
            return volumes;
        }
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<OptionalLong>> pending = new LinkedHashMap<>();
            page.forEach(source -> pending.put(source.id(), executor.submit(() -> volumeLast24Hours(source))));
            for (Map.Entry<String, Future<OptionalLong>> entry : pending.entrySet()) {
                volumes.put(entry.getKey(), entry.getValue().get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading volumes", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("Reading volumes failed", e.getCause());
        }
        return volumes;
    }

    /**
     * A page of sources: a project token's own project; the root's chosen project, or every project when it names
     * none.
     */
    public Page<Source> list(Principal principal, Optional<String> projectParameter, SourceFilter filter, int limit,
                             Optional<Map<String, String>> after) {
        if (projectParameter.isPresent() && !Project.DEFAULT_ID.equals(projectParameter.get())
                && !Ids.looksLike(projectParameter.get(), Ids.PROJECT)) {
            throw ApiError.invalidParameter("project_id", "Query parameter 'project_id' must be a project id");
        }
        Optional<String> project = principal.projectId().or(() -> projectParameter);
        if (principal.projectId().isPresent() && projectParameter.isPresent()
                && !projectParameter.equals(principal.projectId())) {
            return new Page<>(List.of(), Optional.empty()); // another project's sources do not exist for this token
        }
        if (after.isPresent() && !after.get().containsKey("id")
                || after.isPresent() && project.isPresent() != after.get().containsKey("project_id")
                || after.isPresent() && project.isPresent() && !project.get().equals(after.get().get("project_id"))) {
            throw Cursors.invalid();
        }
        return sources.list(project, filter, limit, after);
    }

    /** Applies a PATCH. {@code expectedVersion} comes from If-Match; a lost race is a 409 the client may retry. */
    public Source update(Principal principal, String id, SourceChanges changes, Optional<Long> expectedVersion) {
        Source current = visible(principal, id);
        if (current.status() == SourceStatus.REVOKED) {
            throw revoked();
        }
        if (expectedVersion.isPresent() && expectedVersion.get() != current.version()) {
            throw ApiError.of(412, "precondition_failed", "The source is at version " + current.version()
                    + ", not " + expectedVersion.get() + " (If-Match); read it again and reapply your change");
        }
        if (changes.isEmpty()) {
            return current;
        }
        if (changes.environment().filter(e -> e.isLive() != current.environment().isLive()).isPresent()) {
            // The key says live or test; a source crossing that line would carry a mislabelled key.
            throw ApiError.invalidValue("environment", "A source cannot move between production and "
                    + current.environment().wireName() + " environments: its keys are "
                    + (current.environment().isLive() ? "live" : "test") + " keys. Create a new source instead");
        }
        Source next = changes.applyTo(current, clock.instant());
        try {
            sources.save(current, next, clock.instant());
        } catch (VersionConflict e) {
            throw ApiError.conflict("version_conflict",
                    "The source was changed by another request at the same time; read it again and retry");
        }
        return next;
    }

    /**
     * Issues a new key and keeps the current one alive for {@code graceHours} (0 ends it now). A key still in an
     * earlier grace period ends at once: a source has at most two live keys.
     */
    public Rotated rotate(Principal principal, String id, int graceHours) {
        if (graceHours < 0 || graceHours > MAX_GRACE_HOURS) {
            throw ApiError.invalidValue("grace_period_hours",
                    "Field 'grace_period_hours' must be from 0 to " + MAX_GRACE_HOURS);
        }
        WriteKeys.NewKey[] issued = new WriteKeys.NewKey[1];
        Source[] before = new Source[1];
        Source after = changeWithRetry(principal, id, ROTATE_ATTEMPTS, current -> {
            if (current.status() == SourceStatus.REVOKED) {
                throw revoked();
            }
            Instant now = clock.instant();
            WriteKeys.NewKey key = WriteKeys.generate(current.environment(), current.type(), hasher);
            issued[0] = key;
            before[0] = current;
            List<SourceKey> keys = new ArrayList<>();
            keys.add(new SourceKey(Ids.newId(Ids.KEY), hasher.hash(key.key()), key.prefix(), now, Optional.empty()));
            if (graceHours > 0) {
                current.keys().stream().filter(k -> k.isLiveAt(now) && k.expiresAt().isEmpty()).findFirst()
                        .ifPresent(k -> keys.add(k.expiringAt(now.plus(Duration.ofHours(graceHours)))));
            }
            return current.withKeys(keys, now);
        });
        Instant now = after.updatedAt();
        List<String> kept = after.keys().stream().map(SourceKey::id).toList();
        Optional<SourceKey> previous = after.keys().stream().skip(1).findFirst();
        List<SourceKey> ended = before[0].keys().stream()
                .filter(k -> k.isLiveAt(now) && !kept.contains(k.id()))
                .map(k -> k.expiringAt(now)).toList();
        return new Rotated(after, issued[0].key(), previous, ended);
    }

    /** Revokes the source and all its keys, immediately and for good. Revoking again changes nothing. */
    public Source revoke(Principal principal, String id) {
        return changeWithRetry(principal, id, REVOKE_ATTEMPTS, current -> current.status() == SourceStatus.REVOKED
                ? current
                : current.withStatus(SourceStatus.REVOKED, clock.instant()));
    }

    /** Reads, changes and writes conditionally, re-reading after a concurrent change (bounded, with jitter). */
    private Source changeWithRetry(Principal principal, String id, int attempts, Function<Source, Source> change) {
        for (int attempt = 1; ; attempt++) {
            Source current = visible(principal, id);
            Source next = change.apply(current);
            if (next == current) {
                return current;
            }
            try {
                sources.save(current, next, clock.instant());
                return next;
            } catch (VersionConflict e) {
                if (attempt == attempts) {
                    throw ApiError.conflict("version_conflict",
                            "The source is being changed by other requests; retry");
                }
                pause(attempt);
            }
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.conflict("version_conflict", "Interrupted while retrying; retry");
        }
    }

    private Source visible(Principal principal, String id) {
        if (!Ids.looksLike(id, Ids.SOURCE)) {
            throw ApiError.notFound("Source " + SourceRules.printable(id));
        }
        return sources.find(id).filter(s -> principal.canAccess(s.projectId()))
                .orElseThrow(() -> ApiError.notFound("Source " + id));
    }

    private String projectFor(Principal principal, Optional<String> requested) {
        if (principal.projectId().isPresent()) {
            if (requested.isPresent() && !requested.equals(principal.projectId())) {
                throw ApiError.invalidValue("project_id",
                        "A project token creates sources in its own project only; omit project_id");
            }
            return principal.projectId().get();
        }
        if (requested.isEmpty() || requested.get().equals(Project.DEFAULT_ID)) {
            projects.createIfAbsent(new Project(Project.DEFAULT_ID, "Default", clock.instant()));
            return Project.DEFAULT_ID;
        }
        String projectId = requested.get();
        if (!Ids.looksLike(projectId, Ids.PROJECT) || projects.find(projectId).isEmpty()) {
            throw ApiError.invalidValue("project_id", "No project " + SourceRules.printable(projectId)
                    + "; create it with POST /api/v1/projects");
        }
        return projectId;
    }

    private static ApiError revoked() {
        return ApiError.conflict("source_revoked",
                "The source is revoked, which is final; create a new source instead");
    }
}
