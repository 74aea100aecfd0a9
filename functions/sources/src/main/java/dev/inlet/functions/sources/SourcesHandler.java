package dev.inlet.functions.sources;

import dev.inlet.common.logging.LoggingStartup;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.auth.AdminAuthenticator;
import dev.inlet.common.auth.Principal;
import dev.inlet.common.config.AdminServices;
import dev.inlet.common.config.Priming;
import dev.inlet.common.config.RuntimeEnvironment;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.http.ApiResponses;
import dev.inlet.common.http.Cursors;
import dev.inlet.common.http.Json;
import dev.inlet.common.http.Routes;
import dev.inlet.common.source.AuditEntry;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.NewSource;
import dev.inlet.common.source.Source;
import dev.inlet.common.source.SourceChanges;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceJson;
import dev.inlet.common.source.SourceService;
import dev.inlet.common.source.SourceStatus;
import dev.inlet.common.source.SourceType;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.Page;
import dev.inlet.common.store.SourceFilter;
import dev.inlet.common.store.SourceStatsRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.crac.Core;
import org.crac.Resource;

/**
 * Source CRUD: create, list, get and update event sources; read a source's audit trail, statistics and event
 * debugger; and (root only) the refusals no source can be told of. Adapts API Gateway events to {@link SourceService}.
 */
public final class SourcesHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>,
        Resource {

    static {
        // Before anything asks for a logger; Jackson's set-up needs none, so it overlaps logging's start.
        LoggingStartup.beginInBackground(Json.class);
    }

    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 100;
    static final int DEFAULT_DEBUGGER_PAGE_SIZE = 20;
    /** 50 payloads of up to 32 KB, even doubled by JSON escaping, stay well inside Lambda's 6 MB response. */
    static final int MAX_DEBUGGER_PAGE_SIZE = 50;

    private final AdminServices services;
    private final AdminAuthenticator authenticator;
    private final SourceService sources;
    private final Cursors cursors;
    private final Routes routes;
    private final Optional<SourceStatsRepository> statistics;

    public SourcesHandler() {
        this(AdminServices.fromEnvironment(RuntimeEnvironment.current()));
        Core.getGlobalContext().register(this);
    }

    SourcesHandler(AdminServices services) {
        this.services = services;
        this.authenticator = services.authenticator();
        this.sources = services.sourceService();
        this.cursors = services.cursors();
        this.statistics = services.stats();
        this.routes = new Routes()
                .on("POST /api/v1/events/write-keys", this::create)
                .on("GET /api/v1/events/write-keys", this::list)
                .on("GET /api/v1/events/write-keys/{id}", this::get)
                .on("PATCH /api/v1/events/write-keys/{id}", this::update)
                .on("GET /api/v1/events/write-keys/{id}/audit", this::audit)
                .on("GET /api/v1/events/write-keys/{id}/stats", this::stats)
                .on("GET /api/v1/events/write-keys/{id}/events", this::events)
                .on("GET /api/v1/events/stats/unattributed", this::unattributedStats);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return routes.dispatch(event, context);
    }

    private APIGatewayV2HTTPResponse create(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        SourceService.Created created = sources.create(principal, NewSource.fromJson(request.jsonBody(false)));
        return ApiResponses.json(201, SourceJson.withKey(created.source(), created.key()), Map.of(
                "ETag", SourceJson.etag(created.source()),
                "Location", "/api/v1/events/write-keys/" + created.source().id()));
    }

    private APIGatewayV2HTTPResponse list(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        SourceFilter filter = new SourceFilter(
                enumParameter(request, "status", SourceStatus::fromWire, SourceStatus.allowedValues()),
                enumParameter(request, "source_type", SourceType::fromWire, SourceType.allowedValues()),
                enumParameter(request, "environment", SourceEnvironment::fromWire,
                        SourceEnvironment.allowedValues()),
                request.queryParameter("inactive_for_hours").isPresent()
                        ? Optional.of(services.clock().instant().minus(java.time.Duration.ofHours(
                        request.intQueryParameter("inactive_for_hours", 0, 1, 24 * 365))))
                        : Optional.empty());
        int limit = request.intQueryParameter("limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        Page<Source> page = sources.list(principal, request.queryParameter("project_id"), filter, limit,
                cursors.decode(request.queryParameter("cursor")));
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        Map<String, OptionalLong> volumes = sources.volumesLast24Hours(page.items());
        page.items().forEach(source -> data.add(SourceJson.withVolume(source, volumes.get(source.id()))));
        body.put("next_cursor", page.next().map(cursors::encode).orElse(null));
        return ApiResponses.json(200, body);
    }

    private APIGatewayV2HTTPResponse get(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        Source source = sources.get(principal, request.pathParameter("id"));
        return ApiResponses.json(200, SourceJson.withVolume(source, sources.volumeLast24Hours(source)),
                Map.of("ETag", SourceJson.etag(source)));
    }

    private APIGatewayV2HTTPResponse update(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        Optional<Long> expectedVersion = request.header("if-match").map(value -> SourceJson.parseEtag(value)
                .orElseThrow(() -> ApiError.of(400, "invalid_header",
                        "If-Match must be an ETag this API returned, such as \"3\"")));
        SourceChanges changes = SourceChanges.fromJson(request.jsonBody(false));
        Source source = sources.update(principal, request.pathParameter("id"), changes, expectedVersion);
        return ApiResponses.json(200, SourceJson.of(source), Map.of("ETag", SourceJson.etag(source)));
    }

    /** The reasons every bucket lists, zero when none happened. */
    static final List<String> REFUSAL_REASONS = List.of("unauthorized", "key_expired", "source_disabled",
            "event_type_not_allowed", "origin_not_allowed", "rate_limited", "payload_too_large", "invalid_payload");

    /**
     * Refusals that named no known key (made-up, malformed or missing keys), which ingestion counts globally under
     * this pseudo-source id (RefusalCounts.UNATTRIBUTED in the ingestion function; source ids start with "wk_", so
     * none can collide with it).
     */
    static final String UNATTRIBUTED = "_unattributed";

    private APIGatewayV2HTTPResponse stats(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        int hours = request.intQueryParameter("hours", 24, 1, 168);
        SourceService.Stats stats = sources.stats(principal, request.pathParameter("id"), hours);
        return ApiResponses.json(200, statsJson(stats.source().id(), hours, stats.source().lastEventAt(),
                stats.hours()));
    }

    /**
     * The unattributed refusals by hour and reason, in a source's stats shape (accepted always 0, no last event):
     * root only, since they belong to no project. A project token gets 403, as on the other root-only routes.
     */
    private APIGatewayV2HTTPResponse unattributedStats(ApiRequest request) {
        authenticator.authenticateRoot(request);
        int hours = request.intQueryParameter("hours", 24, 1, 168);
        Instant now = services.clock().instant();
        List<SourceStatsRepository.HourStats> buckets = statistics.orElseThrow(() -> new IllegalStateException(
                "SOURCE_STATS_TABLE is not set for this function")).hours(UNATTRIBUTED,
                SourceStatsRepository.hourOf(now.minus(Duration.ofHours(hours - 1L))),
                SourceStatsRepository.hourOf(now));
        return ApiResponses.json(200, statsJson(UNATTRIBUTED, hours, Optional.empty(), buckets));
    }

    private static ObjectNode statsJson(String sourceId, int hours, Optional<Instant> lastEventAt,
                                        List<SourceStatsRepository.HourStats> hourStats) {
        ObjectNode body = Json.object();
        body.put("source_id", sourceId);
        body.put("hours", hours);
        body.put("last_event_at", lastEventAt.map(Instant::toString).orElse(null));
        ArrayNode buckets = body.putArray("buckets");
        long accepted = 0;
        java.util.Map<String, Long> refusedTotals = new java.util.LinkedHashMap<>();
        REFUSAL_REASONS.forEach(reason -> refusedTotals.put(reason, 0L));
        for (var hour : hourStats) {
            ObjectNode bucket = buckets.addObject();
            bucket.put("hour", hour.hour() + ":00:00Z");
            bucket.put("accepted", hour.accepted());
            ObjectNode refused = bucket.putObject("refused");
            for (String reason : REFUSAL_REASONS) {
                long n = hour.refused().getOrDefault(reason, 0L);
                refused.put(reason, n);
                refusedTotals.merge(reason, n, Long::sum);
            }
            accepted += hour.accepted();
        }
        ObjectNode totals = body.putObject("totals");
        totals.put("accepted", accepted);
        ObjectNode refused = totals.putObject("refused");
        refusedTotals.forEach(refused::put);
        return body;
    }

    private APIGatewayV2HTTPResponse audit(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        int limit = request.intQueryParameter("limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        Page<AuditEntry> page = sources.audit(principal, request.pathParameter("id"), limit,
                cursors.decode(request.queryParameter("cursor")));
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        for (AuditEntry entry : page.items()) {
            ObjectNode item = data.addObject();
            item.put("at", entry.at().toString());
            item.put("actor", entry.actor());
            item.put("action", entry.action());
            item.set("details", entry.details());
        }
        body.put("next_cursor", page.next().map(cursors::encode).orElse(null));
        return ApiResponses.json(200, body);
    }

    /** The event debugger: recent accepted events and refused requests, newest first. */
    private APIGatewayV2HTTPResponse events(ApiRequest request) {
        Principal principal = authenticator.authenticate(request);
        SourceService.DebuggerQuery query = new SourceService.DebuggerQuery(
                DebugSampleJson.outcome(request.queryParameter("outcome")),
                enumParameter(request, "type", EventType::fromWire, EventType.allowedValues()).map(EventType::wireName),
                request.intQueryParameter("limit", DEFAULT_DEBUGGER_PAGE_SIZE, 1, MAX_DEBUGGER_PAGE_SIZE),
                cursors.decode(request.queryParameter("cursor")));
        Page<DebugSample> page = sources.events(principal, request.pathParameter("id"), query);
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        page.items().forEach(sample -> data.add(DebugSampleJson.of(sample)));
        body.put("next_cursor", page.next().map(cursors::encode).orElse(null));
        return ApiResponses.json(200, body);
    }

    private static <T> Optional<T> enumParameter(ApiRequest request, String name,
                                                 Function<String, Optional<T>> parse, String allowed) {
        Optional<String> raw = request.queryParameter(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parse.apply(raw.get()).orElseThrow(() -> ApiError.invalidParameter(name,
                "Query parameter '" + name + "' must be one of: " + allowed)));
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.run("unauthenticated request", () -> handleRequest(
                Priming.unauthenticatedRequest("GET /api/v1/events/write-keys", null), null));
        Priming.run("DynamoDB GetItem", () -> services.sources().find("wk_00000000000000000000"));
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to refresh: no secret or random value is created before the snapshot.
    }
}
