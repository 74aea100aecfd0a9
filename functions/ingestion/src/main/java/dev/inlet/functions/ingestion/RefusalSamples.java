package dev.inlet.functions.ingestion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.Json;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.KeyGrant;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.DebugSampleRepository;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused requests recorded in the event debugger, at a bounded cost under a flood: per container, the first refusal
 * of each (source, error code) in each second is written — one PutItem of at most {@link #WRITE_TIMEOUT}, on that
 * refusal's own path — and at most {@link #MAX_PER_SECOND} entries a second in all; the rest are only counted
 * ({@link RefusalCounts}). Refusals that name no known key have no source to show them to and are only counted.
 *
 * <p>An entry never holds the write key: the key's display prefix stands for it, and any key in the body excerpt is
 * masked.
 */
final class RefusalSamples {

    static final int MAX_PER_SECOND = 50;
    static final int EXCERPT_CHARACTERS = 512;
    static final Duration WRITE_TIMEOUT = Duration.ofMillis(300);
    static final String MASK = "[write key]";

    private static final Logger LOG = LoggerFactory.getLogger(RefusalSamples.class);
    private static final Pattern WRITE_KEY = Pattern.compile("inlet_(?:live|test)_(?:pk|sk)_[0-9A-Za-z]+");
    private static final Pattern WRITE_KEY_FIELD = Pattern.compile("(\"writeKey\"\\s*:\\s*\")(?:[^\"\\\\]|\\\\.)*\"");
    private static final int MAX_ORIGIN_CHARACTERS = 200;
    private static final int MAX_DETAIL_ITEMS = 20;

    private final Optional<DebugSampleRepository> repository;
    private final Clock clock;
    private final Set<String> sampledThisSecond = new HashSet<>();
    private long second = Long.MIN_VALUE;

    RefusalSamples(Optional<DebugSampleRepository> repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /** What a tracking call revealed before it was refused. */
    static final class Seen {
        KeyGrant grant;
        String presentedKey;
        String body;
        JsonNode json;
        List<IncomingEvents.Event> events;
    }

    /** Records the refusal if it is due (see the class comment); never throws. */
    void offer(ApiError refusal, Seen seen, CallType call, String requestId, Optional<String> origin, String rawBody) {
        if (repository.isEmpty() || seen.grant == null || !due(seen.grant.sourceId(), refusal.code())) {
            return;
        }
        try {
            repository.get().put(sample(refusal, seen, call, requestId, origin, rawBody), WRITE_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("Could not record a {} refusal of source {} in the debugger", refusal.code(),
                    seen.grant.sourceId(), e);
        }
    }

    private synchronized boolean due(String sourceId, String code) {
        long now = clock.millis() / 1000;
        if (now != second) {
            second = now;
            sampledThisSecond.clear();
        }
        return sampledThisSecond.size() < MAX_PER_SECOND && sampledThisSecond.add(sourceId + "\n" + code);
    }

    DebugSample.Refused sample(ApiError refusal, Seen seen, CallType call, String requestId, Optional<String> origin,
                               String rawBody) {
        List<String> keys = new ArrayList<>();
        if (seen.presentedKey != null) {
            keys.add(seen.presentedKey);
        }
        long bytes = seen.body != null ? seen.body.getBytes(StandardCharsets.UTF_8).length
                : rawBody == null ? 0 : rawBody.length();
        Optional<Integer> eventCount = seen.events != null ? Optional.of(seen.events.size())
                : seen.json != null && call == CallType.BATCH && seen.json.path("batch").isArray()
                ? Optional.of(seen.json.path("batch").size())
                : seen.json != null ? Optional.of(1) : Optional.empty();
        // Every text that can echo the body is masked: a parser's message quotes the token it choked on.
        return new DebugSample.Refused(seen.grant.sourceId(), clock.instant(), requestId, refusal.status(),
                refusal.code(), RefusalCounts.reason(refusal.code()), mask(refusal.getMessage(), keys),
                refusal.details().map(RefusalSamples::bounded).map(details -> mask(Json.write(details), keys)),
                seen.grant.keyPrefix(),
                origin.map(value -> value.length() > MAX_ORIGIN_CHARACTERS
                        ? value.substring(0, MAX_ORIGIN_CHARACTERS) + "…" : value),
                types(seen, call), eventCount, bytes, excerpt(seen, rawBody, keys));
    }

    /** An error's details, at most {@link #MAX_DETAIL_ITEMS} entries of a list (2,500 would make pages huge). */
    private static JsonNode bounded(JsonNode details) {
        if (!details.isArray() || details.size() <= MAX_DETAIL_ITEMS) {
            return details;
        }
        ArrayNode first = Json.MAPPER.createArrayNode();
        for (int i = 0; i < MAX_DETAIL_ITEMS; i++) {
            first.add(details.get(i));
        }
        return first;
    }

    /**
     * The body's first characters as decoded, with the {@code writeKey} field's value masked whatever its escaping,
     * and nothing of a body that could not even be decoded (base64 or gzip would carry a key past any mask).
     */
    private static String excerpt(Seen seen, String rawBody, List<String> keys) {
        if (seen.body == null) {
            return "[not decoded: " + (rawBody == null ? 0 : rawBody.length()) + " characters as received]";
        }
        // Room past the excerpt for a whole field, even one written with \\u escapes, before the final cut.
        String head = seen.body.length() > EXCERPT_CHARACTERS + 1_000
                ? seen.body.substring(0, EXCERPT_CHARACTERS + 1_000) : seen.body;
        return excerpt(WRITE_KEY_FIELD.matcher(head).replaceAll("$1" + MASK + "\""), keys);
    }

    /** The event types a refused call named: those of its events, or of its batch entries as far as readable. */
    private static List<String> types(Seen seen, CallType call) {
        Set<String> types = new LinkedHashSet<>();
        if (seen.events != null) {
            seen.events.forEach(event -> types.add(event.type().wireName()));
        } else if (call == CallType.BATCH && seen.json != null) {
            for (JsonNode entry : seen.json.path("batch")) {
                EventType.fromWire(entry.path("type").asText("")).ifPresent(type -> types.add(type.wireName()));
                if (types.size() == EventType.values().length) {
                    break;
                }
            }
        } else {
            call.eventType().ifPresent(type -> types.add(type.wireName()));
        }
        return List.copyOf(types);
    }

    /**
     * The body's first characters with every write key masked. The text is masked before the final cut, with room
     * for a whole key past it, so that no key is split in a way that escapes the mask.
     */
    static String excerpt(String text, List<String> keys) {
        String head = text.length() > EXCERPT_CHARACTERS + 100 ? text.substring(0, EXCERPT_CHARACTERS + 100) : text;
        head = mask(head, keys);
        return head.length() > EXCERPT_CHARACTERS ? head.substring(0, EXCERPT_CHARACTERS) + "…" : head;
    }

    /** {@code text} with the presented keys, and anything shaped like a write key, replaced by {@link #MASK}. */
    static String mask(String text, List<String> keys) {
        String masked = text;
        for (String key : keys) {
            if (!key.isEmpty()) {
                masked = masked.replace(key, MASK);
            }
        }
        return WRITE_KEY.matcher(masked).replaceAll(MASK);
    }
}
