package dev.inlet.functions.ingestion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.http.Json;
import dev.inlet.common.logging.RequestLog;
import dev.inlet.common.ratelimit.LeasedRateLimiter;
import dev.inlet.common.ratelimit.RateLimitDecision;
import dev.inlet.common.ratelimit.RateLimitPolicy;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.KeyGrant;
import dev.inlet.common.source.OriginRule;
import dev.inlet.common.source.SourceStatus;
import dev.inlet.common.source.WriteKeys;
import dev.inlet.common.store.EventStore;
import dev.inlet.common.store.InstantText;
import dev.inlet.common.store.StorageUnavailable;
import dev.inlet.common.store.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One tracking call, start to end: read the body, authenticate the write key, check the origin, read and validate
 * the events, check their types, and store them all — or refuse the whole call with a reason and store nothing.
 * A 200 is returned only after every event is written.
 */
final class IngestService {

    /** Seconds a client should wait after a storage failure before retrying. */
    static final int STORAGE_RETRY_AFTER_SECONDS = 2;
    /** Fields a retry of the same event may change, so a derived messageId ignores them. */
    private static final Set<String> DELIVERY_FIELDS = Set.of("sentAt", "_metadata");

    private final KeyCache keys;
    private final SecretHasher hasher;
    private final LeasedRateLimiter limiter;
    private final RateLimitPolicy.Defaults plan;
    private final EventStore store;
    private final RefusalCounts refusals;
    private final RefusalSamples samples;
    private final Clock clock;
    private final Duration retention;

    IngestService(KeyCache keys, SecretHasher hasher, LeasedRateLimiter limiter, RateLimitPolicy.Defaults plan,
                  EventStore store, RefusalCounts refusals, RefusalSamples samples, Clock clock, Duration retention) {
        this.refusals = refusals;
        this.samples = samples;
        this.keys = keys;
        this.hasher = hasher;
        this.limiter = limiter;
        this.plan = plan;
        this.store = store;
        this.clock = clock;
        this.retention = retention;
    }

    /** What a successful call did, and the headers its answer carries (CORS, rate limit). */
    record Accepted(KeyGrant grant, int events, Map<String, String> headers) {
    }

    /**
     * A call that was not accepted: the error to answer, and how many events it refused (the request's events when
     * they were read, else 1), for the metrics.
     */
    static final class Refused extends RuntimeException {
        private final ApiError error;
        private final int events;

        Refused(ApiError error, int events) {
            super(error.code(), error, false, false);
            this.error = error;
            this.events = events;
        }

        ApiError error() {
            return error;
        }

        int events() {
            return events;
        }
    }

    /** Accepts the call, or throws {@link Refused}. */
    Accepted ingest(CallType call, ApiRequest request, String rawBody, boolean base64, Duration storageBudget) {
        RefusalSamples.Seen seen = new RefusalSamples.Seen(); // what is known when a refusal comes, to attribute it
        try {
            return ingest(call, request, rawBody, base64, storageBudget, seen);
        } catch (ApiError refusal) {
            int events = RefusalSamples.refusedEvents(seen, call);
            if (refusal.status() >= 400 && refusal.status() < 500 && !refusal.code().equals("route_not_found")) {
                refusals.count(Optional.ofNullable(seen.grant).map(KeyGrant::sourceId), refusal.code(), events);
                samples.offer(refusal, seen, call, request, rawBody, base64);
            }
            throw new Refused(readableByBrowser(refusal, seen.grant, request.header("origin")), events);
        } catch (StorageUnavailable keyLookup) {
            // The key could not be looked up (a failed write is answered below, with the CORS headers): not a 401.
            // No source is known yet, so any origin may read it, Retry-After included.
            throw new Refused(readableByBrowser(storageUnavailable("The write key could not be checked right now; "
                    + "nothing was accepted"), null, request.header("origin")), RefusalSamples.refusedEvents(seen, call));
        }
    }

    private static ApiError storageUnavailable(String what) {
        return ApiError.of(503, "storage_unavailable", what + "; retry in " + STORAGE_RETRY_AFTER_SECONDS + " s")
                .withHeader("Retry-After", Integer.toString(STORAGE_RETRY_AFTER_SECONDS));
    }

    /** Adds this container's refusal counts to the statistics when they are due (see {@link RefusalCounts}). */
    void flushRefusalCountsIfDue() {
        refusals.flushIfDue();
    }

    /** Forgets this container's unwritten refusal counts (see {@link RefusalCounts#discardPending}). */
    void discardRefusalCounts() {
        refusals.discardPending();
    }

    private Accepted ingest(CallType call, ApiRequest request, String rawBody, boolean base64, Duration storageBudget,
                            RefusalSamples.Seen seen) {
        Optional<String> basicKey = WriteKeyCredentials.fromBasicAuth(request);
        // With Basic auth the key is checked before the body is even parsed: refusing a bad key stays cheap.
        KeyGrant early = basicKey.map(key -> authorize(key, seen)).orElse(null);
        seen.body = RequestBody.read(request, rawBody, base64);
        JsonNode body = Json.parse(seen.body);
        seen.json = body;
        Optional<String> bodyKey = Optional.ofNullable(body.get("writeKey")).filter(JsonNode::isTextual)
                .map(JsonNode::textValue);
        if (basicKey.isPresent() && bodyKey.isPresent() && !sameKey(basicKey.get(), bodyKey.get())) {
            throw WriteKeyCredentials.unauthorized("The Basic credentials and the body's writeKey name different "
                    + "keys; send one");
        }
        KeyGrant grant = early != null ? early : authorize(bodyKey.orElseThrow(() -> WriteKeyCredentials
                .unauthorized("Send the write key as HTTP Basic username (empty password) or as 'writeKey'")), seen);
        Map<String, String> cors = corsHeaders(grant, request.header("origin"));
        try {
            List<IncomingEvents.Event> events = IncomingEvents.read(call, body);
            seen.events = events;
            checkTypes(grant, events);
            // Last check before the write: a request refused for any other reason spends no tokens.
            RateLimitDecision rate = limiter.decide(grant.sourceId(),
                    plan.policyFor(grant.rateLimitEps(), grant.rateLimitBurst()), events.size());
            if (!rate.allowed() && rate.exceedsBurst()) {
                // Retrying cannot help, so this is not a 429: SDKs would retry it forever.
                throw ApiError.of(413, "batch_exceeds_burst", "This request's " + events.size() + " events exceed "
                        + "the source's burst of " + plan.policyFor(grant.rateLimitEps(), grant.rateLimitBurst()).burst()
                        + " events; send smaller batches or raise rate_limit_burst").withDetails(Json.object()
                        .put("events", events.size())
                        .put("burst", plan.policyFor(grant.rateLimitEps(), grant.rateLimitBurst()).burst()));
            }
            if (!rate.allowed()) {
                throw withHeaders(rateLimited(rate, events.size()), rate.headers());
            }
            Map<String, String> headers = rate.headers(); // a new map, which goes after any CORS headers
            if (!cors.isEmpty()) {
                headers = new LinkedHashMap<>(cors);
                headers.putAll(rate.headers());
            }
            Instant now = clock.instant();
            List<StoredEvent> stored = new ArrayList<>(events.size());
            Map<String, Completed> unique = new LinkedHashMap<>();
            for (IncomingEvents.Event event : events) {
                String messageId = event.messageId().orElseGet(() -> derivedMessageId(grant, event));
                Completed completed = Completed.before(event);
                event.payload().put("messageId", messageId);
                unique.putIfAbsent(messageId, completed); // one write per messageId, even within a batch
            }
            String receivedAt = InstantText.iso(now); // Instant.toString, once per request: formatting is costly
            Instant purgeAt = now.plus(retention);
            for (Map.Entry<String, Completed> entry : unique.entrySet()) {
                IncomingEvents.Event event = entry.getValue().event();
                event.payload().put("receivedAt", receivedAt);
                stored.add(new StoredEvent(grant.sourceId(), grant.projectId(), grant.keyId(), request.requestId(),
                        stored.isEmpty(), entry.getKey(), event.type().wireName(), now,
                        storedJson(entry.getValue(), entry.getKey(), receivedAt), purgeAt));
            }
            try {
                store.write(stored, storageBudget);
            } catch (StorageUnavailable outage) {
                if (!rate.degraded()) {
                    // Not acknowledged, so not spent: the client's retry must not get a 429 for its own 503.
                    limiter.refund(grant.sourceId(), events.size());
                }
                throw outage;
            }
            return new Accepted(grant, events.size(), headers);
        } catch (ApiError refusal) {
            throw withHeaders(refusal, cors);
        } catch (StorageUnavailable outage) {
            throw withHeaders(writeFailed(outage), cors);
        }
    }

    /**
     * An event with its messageId put; {@code appendsOnly} when that put and the one of receivedAt append both fields
     * at the end of the JSON the event was validated as (neither was there, or messageId was, with the same value).
     */
    record Completed(IncomingEvents.Event event, boolean appendsOnly) {
        /** Taken before the puts: a put appends a field that is absent, and replaces one that is there in place. */
        static Completed before(IncomingEvents.Event event) {
            return new Completed(event, !event.payload().has("receivedAt")
                    && (event.messageId().isPresent() || !event.payload().has("messageId")));
        }
    }

    /**
     * What {@code Json.write(event.payload())} gives once messageId and receivedAt are put, without writing each
     * event a second time: the JSON it was validated as, with the appended fields added at its end. Both values are
     * plain ASCII that needs no escape: a derived messageId is hex, receivedAt an Instant.
     */
    static String storedJson(Completed completed, String messageId, String receivedAt) {
        IncomingEvents.Event event = completed.event();
        if (!completed.appendsOnly()) {
            return Json.write(event.payload());
        }
        String json = event.json();
        StringBuilder out = new StringBuilder(json.length() + 80).append(json, 0, json.length() - 1);
        if (event.messageId().isEmpty()) {
            out.append(",\"messageId\":\"").append(messageId).append('"');
        }
        return out.append(",\"receivedAt\":\"").append(receivedAt).append("\"}").toString();
    }

    /** Constant time: how much of a key matches must not show in how long the answer takes. */
    static boolean sameKey(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The 503 of a failed write says what is known, since a failed call may still have stored events: the store
     * reads them back, so the answer gives how many are stored, or that they may be.
     */
    private static ApiError writeFailed(StorageUnavailable outage) {
        String retry = "retry the same request: an event is stored once per messageId (sent, or derived from its "
                + "content), so a retry stores nothing twice";
        if (outage.confirmedStored().isEmpty()) {
            return storageUnavailable("The events could not be confirmed as stored right now and may have been; "
                    + retry);
        }
        int stored = outage.confirmedStored().getAsInt();
        // "Found", not "are": a write abandoned on its timeout may still land after the read-back.
        ApiError error = storageUnavailable(stored == 0
                ? "The events could not be stored right now and none of them was found stored (a write still in "
                        + "flight may yet land); " + retry
                : "At least " + stored + " of the " + outage.total() + " events are stored, the rest could not be "
                        + "confirmed right now; " + retry);
        return error.withDetails(Json.object().put("events", outage.total()).put("stored", stored));
    }

    /**
     * The messageId of an event sent without one: derived from the source and the event's content, so a client
     * that retries the same request (after a 503, say) overwrites what was written instead of duplicating it. Two
     * identical events without messageId in one source therefore count once. What describes the delivery rather
     * than the event is left out: SDKs set {@code sentAt} when they send, so each retry carries a new one, and
     * analytics.js's {@code _metadata} is about its bundling.
     */
    private static String derivedMessageId(KeyGrant grant, IncomingEvents.Event event) {
        ObjectNode content = Json.MAPPER.createObjectNode(); // shallow: the payload's own nodes, minus delivery fields
        for (Map.Entry<String, JsonNode> field : event.payload().properties()) {
            if (!DELIVERY_FIELDS.contains(field.getKey())) {
                content.set(field.getKey(), field.getValue());
            }
        }
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(grant.sourceId().getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) '\n');
            sha256.update(Json.write(content).getBytes(StandardCharsets.UTF_8));
            return "inlet-" + HexFormat.of().formatHex(sha256.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private static ApiError rateLimited(RateLimitDecision rate, int events) {
        String message = rate.refused() + " events refused: the source's limit is " + rate.limit()
                + " events per second; retry after " + rate.retryAfterSeconds() + " s";
        ObjectNode details = Json.object().put("limit", rate.limit()).put("refused", rate.refused())
                .put("retry_after_seconds", rate.retryAfterSeconds());
        return ApiError.of(429, "rate_limited", message).withDetails(details);
    }

    /** Checks the key itself: well-formed (no read otherwise), known, not revoked, not expired, source enabled. */
    private KeyGrant authorize(String key, RefusalSamples.Seen seen) {
        if (!WriteKeys.isWellFormed(key, hasher)) {
            throw WriteKeyCredentials.unauthorized("The write key is malformed; copy it again from its source");
        }
        KeyGrant grant = keys.get(hasher.hash(key)).orElseThrow(() ->
                WriteKeyCredentials.unauthorized("The write key is not known; check it belongs to this workspace"));
        seen.grant = grant;
        seen.presentedKey = key;
        RequestLog.source(grant.sourceId(), grant.projectId());
        if (grant.sourceStatus() == SourceStatus.REVOKED || grant.keyRevoked()) {
            throw ApiError.of(401, "key_revoked", grant.keyRevoked()
                            ? "This write key was revoked when its source was disabled; enable the source and rotate"
                            : "The source of this write key was revoked; create a new source")
                    .withHeader("WWW-Authenticate", "Basic realm=\"inlet\"");
        }
        if (grant.isExpiredAt(clock.instant())) {
            throw ApiError.of(401, "key_expired", "This write key's rotation grace period ended at "
                    + grant.expiresAt().orElseThrow() + "; use the source's new key")
                    .withHeader("WWW-Authenticate", "Basic realm=\"inlet\"");
        }
        if (grant.sourceStatus() == SourceStatus.DISABLED) {
            throw ApiError.of(403, "source_disabled", "The source of this write key is disabled");
        }
        return grant;
    }

    /**
     * Requests without an Origin (servers) pass. A browser origin must be listed in the source's allowed origins; a
     * client-side source with no list accepts any origin, a server-side one none (its key must not ship to browsers).
     */
    private static Map<String, String> corsHeaders(KeyGrant grant, Optional<String> origin) {
        if (origin.isEmpty()) {
            return Map.of();
        }
        if (!originAllowed(grant, origin.get())) {
            throw ApiError.of(403, "origin_not_allowed", grant.allowedOrigins().isEmpty()
                    ? "This server-side source takes no browser requests; list allowed_origins to permit some"
                    : "This origin is not in the source's allowed_origins");
        }
        return allowHeaders(origin.get());
    }

    private static boolean originAllowed(KeyGrant grant, String origin) {
        return grant.allowedOrigins().isEmpty()
                ? grant.sourceType().isClientSide()
                : grant.allowedOrigins().stream().anyMatch(rule -> OriginRule.allows(rule, origin));
    }

    /**
     * Without Expose-Headers a browser script cannot read Retry-After or the rate-limit headers (analytics.js reads
     * X-RateLimit-Reset on a 429).
     */
    private static Map<String, String> allowHeaders(String origin) {
        return Map.of("Access-Control-Allow-Origin", origin, "Vary", "Origin",
                "Access-Control-Expose-Headers", "Retry-After, X-RateLimit-Reset, RateLimit-Limit, RateLimit-Remaining, "
                        + "RateLimit-Reset");
    }

    /**
     * Lets browser code read why it was refused — otherwise a 401 shows as an opaque "CORS error". A refusal before
     * any source is known (no, malformed or unknown key; an unreadable body) names nothing about a source, so any
     * origin may read it; one of a known source only for an origin that source allows; origin_not_allowed never.
     */
    private static ApiError readableByBrowser(ApiError refusal, KeyGrant grant, Optional<String> origin) {
        if (origin.isEmpty() || refusal.headers().containsKey("Access-Control-Allow-Origin")
                || refusal.code().equals("origin_not_allowed")
                || (grant != null && !originAllowed(grant, origin.get()))) {
            return refusal;
        }
        return withHeaders(refusal, allowHeaders(origin.get()));
    }

    private static void checkTypes(KeyGrant grant, List<IncomingEvents.Event> events) {
        ArrayNode refused = Json.MAPPER.createArrayNode();
        for (int i = 0; i < events.size(); i++) {
            EventType type = events.get(i).type();
            if (!grant.allowedEventTypes().contains(type)) {
                refused.addObject().put("index", i).put("type", type.wireName());
            }
        }
        if (!refused.isEmpty()) {
            throw ApiError.of(403, "event_type_not_allowed", refused.size() + " event(s) have a type this source "
                            + "may not send; nothing of the request was stored")
                    .withDetails(refused);
        }
    }

    private static ApiError withHeaders(ApiError error, Map<String, String> headers) {
        ApiError out = error;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            out = out.withHeader(header.getKey(), header.getValue());
        }
        return out;
    }
}
