package dev.inlet.common.source;

import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.Ids;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.Cursors;
import dev.inlet.common.project.Project;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.http.Json;
import dev.inlet.common.store.AuditRepository;
import dev.inlet.common.store.Page;
import dev.inlet.common.store.ProjectRepository;
import dev.inlet.common.store.SourceFilter;
import dev.inlet.common.store.SourceRepository;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.DebugSampleRepository;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.store.VersionConflict;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What admins do to sources, with the access rule every operation shares: a project token sees only its own
 * project's sources, and anything else answers 404 exactly as a source that does not exist.
 */
public final class SourceService {


    private final SourceRepository sources;
    private final SourceAccess access;
    private final AuditRepository audit;
    private final ProjectRepository projects;
    private final Optional<SourceStatsRepository> stats;
    private final Optional<DebugSampleRepository> debugger;
    private final SecretHasher hasher;
    private final Clock clock;
    private volatile boolean defaultProjectExists;

    public SourceService(SourceRepository sources, AuditRepository audit, ProjectRepository projects,
                         Optional<SourceStatsRepository> stats, Optional<DebugSampleRepository> debugger,
                         SecretHasher hasher, Clock clock) {
        this.debugger = debugger;
        this.sources = sources;
        this.access = new SourceAccess(sources);
        this.audit = audit;
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

    public Created create(Principal principal, NewSource request) {
        String projectId = projectFor(principal, request.projectId());
        Instant now = clock.instant();
        WriteKeys.NewKey key = WriteKeys.generate(request.environment(), request.type(), hasher);
        SourceKey sourceKey = new SourceKey(Ids.newId(Ids.KEY), hasher.hash(key.key()), key.prefix(), now,
                Optional.empty());
        Source source = new Source(Ids.newId(Ids.SOURCE), projectId, request.name(), request.type(),
                request.environment(), request.description(), request.rateLimitEps(), request.rateLimitBurst(),
                request.allowedEventTypes(),
                request.allowedOrigins(), SourceStatus.ACTIVE, now, now, Optional.empty(), 1, List.of(sourceKey));
        ObjectNode details = Json.object().put("name", source.name()).put("source_type", source.type().wireName())
                .put("environment", source.environment().wireName()).put("key_id", sourceKey.id())
                .put("key_prefix", sourceKey.prefix());
        sources.create(source, new AuditEntry(source.id(), source.version(), now, principal.actor(), "created",
                details));
        return new Created(source, key.key());
    }

    public Source get(Principal principal, String id) {
        return access.visible(principal, id);
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

    /** The source and its statistics for the current hour and the {@code hours - 1} before it, oldest first. */
    public record Stats(Source source, List<SourceStatsRepository.HourStats> hours) {
    }

    public Stats stats(Principal principal, String id, int hours) {
        Source source = access.visible(principal, id);
        Instant now = clock.instant();
        String to = SourceStatsRepository.hourOf(now);
        String from = SourceStatsRepository.hourOf(now.minus(java.time.Duration.ofHours(hours - 1L)));
        return new Stats(source, stats.orElseThrow(() -> new IllegalStateException(
                "SOURCE_STATS_TABLE is not set for this function")).hours(source.id(), from, to));
    }

    /** What the event debugger lists: a source's recent accepted events and refused requests, newest first. */
    public record DebuggerQuery(Optional<String> outcome, Optional<String> type, int limit,
                                Optional<Map<String, String>> after) {
    }

    public Page<DebugSample> events(Principal principal, String id, DebuggerQuery query) {
        Source source = access.visible(principal, id);
        // A cursor of another source, or of another listing (an audit cursor has no sample_key), is not a position here.
        if (query.after().isPresent() && (!source.id().equals(query.after().get().get("source_id"))
                || query.after().get().get("sample_key") == null)) {
            throw Cursors.invalid();
        }
        return debugger.orElseThrow(() -> new IllegalStateException("DEBUGGER_TABLE is not set for this function"))
                .recent(source.id(), query.outcome(), query.type(), query.limit(), query.after(), clock.instant());
    }

    /** The source's audit trail, newest first. */
    public Page<AuditEntry> audit(Principal principal, String id, int limit, Optional<Map<String, String>> after) {
        Source source = access.visible(principal, id);
        if (after.isPresent() && (!source.id().equals(after.get().get("source_id"))
                || after.get().get("entry") == null)) {
            throw Cursors.invalid();
        }
        return audit.list(source.id(), limit, after);
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
        Source current = access.visible(principal, id);
        if (current.status() == SourceStatus.REVOKED) {
            throw SourceAccess.revoked();
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
        Instant now = clock.instant();
        Source next = changes.applyTo(current, now);
        ObjectNode details = Json.object().put("version", next.version());
        details.set("changed", Json.MAPPER.valueToTree(changes.changedFields()));
        try {
            AuditEntry updated = new AuditEntry(id, next.version(), now, principal.actor(), "updated", details);
            sources.save(current, next, now, updated, false);
        } catch (VersionConflict e) {
            throw ApiError.conflict("version_conflict",
                    "The source was changed by another request at the same time; read it again and retry");
        }
        return next;
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
            if (!defaultProjectExists) { // projects are never deleted: once seen, one write per container at most
                projects.createIfAbsent(new Project(Project.DEFAULT_ID, "Default", clock.instant()));
                defaultProjectExists = true;
            }
            return Project.DEFAULT_ID;
        }
        String projectId = requested.get();
        if (!Ids.looksLike(projectId, Ids.PROJECT) || projects.find(projectId).isEmpty()) {
            throw ApiError.invalidValue("project_id", "No project " + SourceRules.printable(projectId)
                    + "; create it with POST /api/v1/projects");
        }
        return projectId;
    }

}
