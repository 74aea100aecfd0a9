package dev.inlet.functions.ingestion;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.inlet.common.crypto.SecretMask;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.Json;
import dev.inlet.common.source.EventType;
import dev.inlet.common.source.KeyGrant;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.DebugSampleRepository;
import dev.inlet.common.http.ApiRequest;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;

/**
 * Refused requests recorded in the event debugger, at a bounded cost under a flood: per container, one example of
 * each (source, error code) in each second — the first refusal of the pair that second; the rest are only counted
 * ({@link RefusalCounts}). Like the counts, examples are written at once, at the end of the refused request, when
 * this container has written none within the last {@link #FLUSH_EVERY}; otherwise they wait for the first request
 * after that second and are then written together, in BatchWriteItems of 25 (each call bounded at
 * {@link #WRITE_TIMEOUT}, a round at about {@link #FLUSH_BUDGET}: the rest waits for the next round). So the cost per
 * container and second is one item per (source, code) refused there, never one per request, and every pair gets its
 * example. What is lost: examples whose write fails (best effort; the counts are unaffected), those beyond
 * {@link #MAX_PENDING} waiting in one container (only when DynamoDB stays slow or failing), and, as for the counts,
 * those waiting in a container that Lambda reaps before its next request. Refusals that name no known key have no
 * source to show them to and are only counted.
 *
 * <p>An entry never holds the write key: the key's display prefix stands for it, and any key in the body excerpt is
 * masked.
 */
final class RefusalSamples {

    static final Duration FLUSH_EVERY = WriteRounds.EVERY;
    /** Examples one container holds at most while they wait to be written; more are dropped (and logged). */
    static final int MAX_PENDING = 1_000;
    /** A round starts no further BatchWriteItem once this much time is spent: the rest waits a second. */
    static final Duration FLUSH_BUDGET = Duration.ofMillis(500);
    static final int BATCH_SIZE = 25;
    static final int EXCERPT_CHARACTERS = 512;
    static final Duration WRITE_TIMEOUT = Duration.ofMillis(300);
    static final String MASK = SecretMask.MASK;

    private static final Logger LOG = LoggerFactory.getLogger(RefusalSamples.class);
    private static final JsonFactory TOKENIZER = new JsonFactory();
    private static final Pattern WRITE_KEY_FIELD = Pattern.compile("(\"writeKey\"\\s*:\\s*\")(?:[^\"\\\\]|\\\\.)*\"");
    private static final int MAX_ORIGIN_CHARACTERS = 200;
    private static final int MAX_DETAIL_ITEMS = 20;

    private final Optional<DebugSampleRepository> repository;
    private final Clock clock;
    private final Set<String> sampledThisSecond = new HashSet<>();
    private long second = Long.MIN_VALUE;
    private final ArrayDeque<DebugSample.Refused> pending = new ArrayDeque<>();
    private final WriteRounds rounds = new WriteRounds();
    private long dropped;

    RefusalSamples(Optional<DebugSampleRepository> repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /**
     * {@code dynamo} with every BatchWriteItem bounded at {@link #WRITE_TIMEOUT} (SDK retries included), for the
     * debugger writes made on a live request's path: a slow DynamoDB delays an answer by a bounded time, never stalls
     * it.
     */
    static DynamoDbClient withBoundedBatchWrites(DynamoDbClient dynamo) {
        return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[]{DynamoDbClient.class}, (proxy, method, args) -> {
                    try {
                        if (method.getName().equals("batchWriteItem") && args != null && args.length == 1) {
                            BatchWriteItemRequest request;
                            if (args[0] instanceof BatchWriteItemRequest given) {
                                request = given;
                            } else {
                                BatchWriteItemRequest.Builder builder = BatchWriteItemRequest.builder();
                                @SuppressWarnings("unchecked")
                                Consumer<BatchWriteItemRequest.Builder> mutation =
                                        (Consumer<BatchWriteItemRequest.Builder>) args[0];
                                mutation.accept(builder);
                                request = builder.build();
                            }
                            return dynamo.batchWriteItem(request.toBuilder()
                                    .overrideConfiguration(o -> o.apiCallTimeout(WRITE_TIMEOUT)).build());
                        }
                        return method.invoke(dynamo, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** What a tracking call revealed before it was refused. */
    static final class Seen {
        KeyGrant grant;
        String presentedKey;
        String body;
        JsonNode json;
        List<IncomingEvents.Event> events;
    }

    /**
     * Keeps an example of the refusal if it is the first of its source and code this second (see the class
     * comment); {@link #flushIfDue()} writes it. Never throws.
     */
    void offer(ApiError refusal, Seen seen, CallType call, ApiRequest request, String rawBody, boolean base64) {
        if (repository.isEmpty() || seen.grant == null || !firstThisSecond(seen.grant.sourceId(), refusal.code())) {
            return;
        }
        DebugSample.Refused sample;
        try {
            sample = sample(refusal, seen, call, request, rawBody, base64);
        } catch (RuntimeException e) {
            LOG.warn("Could not describe a {} refusal of source {} for the debugger", refusal.code(),
                    seen.grant.sourceId(), e);
            return;
        }
        synchronized (this) {
            if (pending.size() >= MAX_PENDING) {
                dropped++;
            } else {
                pending.add(sample);
            }
        }
    }

    /** Forgets what waits to be written: SnapStart priming's refusal is not a producer's. */
    synchronized void discardPending() {
        pending.clear();
        sampledThisSecond.clear();
    }

    /**
     * Writes the waiting examples unless this container wrote some within the last {@link #FLUSH_EVERY}; never
     * throws. Called at the end of every request.
     */
    void flushIfDue() {
        List<DebugSample.Refused> taken;
        long droppedNow;
        synchronized (this) {
            long now = clock.millis();
            if (pending.isEmpty() || !rounds.start(now)) {
                return;
            }
            taken = new ArrayList<>(pending);
            pending.clear();
            droppedNow = dropped;
            dropped = 0;
        }
        if (droppedNow > 0) {
            LOG.warn("{} refusal examples were not recorded in the debugger: {} were already waiting", droppedNow,
                    MAX_PENDING);
        }
        long started = clock.millis();
        for (int from = 0; from < taken.size(); from += BATCH_SIZE) {
            if (from > 0 && clock.millis() - started >= FLUSH_BUDGET.toMillis()) {
                List<DebugSample.Refused> rest = taken.subList(from, taken.size());
                synchronized (this) {
                    for (int i = rest.size() - 1; i >= 0; i--) {
                        pending.addFirst(rest.get(i)); // still the oldest: first in the next round
                    }
                }
                return;
            }
            List<DebugSample.Refused> chunk = taken.subList(from, Math.min(taken.size(), from + BATCH_SIZE));
            try {
                if (chunk.size() == 1) {
                    repository.orElseThrow().put(chunk.getFirst(), WRITE_TIMEOUT);
                } else {
                    int unwritten = repository.orElseThrow().putAll(chunk);
                    if (unwritten > 0) {
                        LOG.warn("{} of {} refusal examples could not be recorded in the debugger", unwritten,
                                chunk.size());
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("Could not record {} refusal examples in the debugger", chunk.size(), e);
            }
        }
    }

    private synchronized boolean firstThisSecond(String sourceId, String code) {
        long now = clock.millis() / 1000;
        if (now != second) {
            second = now;
            sampledThisSecond.clear();
        }
        return sampledThisSecond.add(sourceId + "\n" + code);
    }

    /** How many events the refused call held, when its body could be read that far. */
    static Optional<Integer> eventCount(Seen seen, CallType call) {
        return seen.events != null ? Optional.of(seen.events.size())
                : seen.json != null && call == CallType.BATCH && seen.json.path("batch").isArray()
                ? Optional.of(seen.json.path("batch").size())
                : seen.json != null ? Optional.of(1) : Optional.empty();
    }

    /** The events a refusal counts for in the statistics: those the call held, or 1 when they could not be read. */
    static int refusedEvents(Seen seen, CallType call) {
        return Math.max(1, eventCount(seen, call).orElse(1));
    }

    /**
     * The body's size in bytes as received: base64-decoded when API Gateway encoded it, but before any gunzip (the
     * size on the wire, which is what a client's batching sees).
     */
    static long bodyBytes(String rawBody, boolean base64) {
        if (rawBody == null) {
            return 0;
        }
        if (!base64) {
            return rawBody.getBytes(StandardCharsets.UTF_8).length;
        }
        int length = rawBody.length();
        while (length > 0 && rawBody.charAt(length - 1) == '=') {
            length--;
        }
        return (long) length * 3 / 4;
    }

    DebugSample.Refused sample(ApiError refusal, Seen seen, CallType call, ApiRequest request, String rawBody,
                               boolean base64) {
        List<String> keys = new ArrayList<>();
        if (seen.presentedKey != null) {
            keys.add(seen.presentedKey);
        }
        long bytes = bodyBytes(rawBody, base64);
        Optional<String> origin = request.header("origin");
        // Every text that can echo the body is masked: a parser's message quotes the token it choked on.
        return new DebugSample.Refused(seen.grant.sourceId(), clock.instant(), request.requestId(), refusal.status(),
                refusal.code(), RefusalCounts.reason(refusal.code()), mask(refusal.getMessage(), keys),
                refusal.details().map(RefusalSamples::bounded).map(details -> mask(Json.write(details), keys)),
                seen.grant.keyPrefix(),
                origin.map(value -> value.length() > MAX_ORIGIN_CHARACTERS
                        ? head(value, MAX_ORIGIN_CHARACTERS) + "…" : value),
                types(seen, call), eventCount(seen, call), bytes,
                excerpt(readable(seen, request, rawBody, base64), bytes, keys));
    }

    /**
     * The body as text, if it is text: as decoded, or — for a call refused before its body was read (too large,
     * wrong media type) — as received, when API Gateway did not base64-encode it and no Content-Encoding claims it
     * is compressed. Never bytes that were not decoded: base64 or gzip would carry a key past any mask.
     */
    private static String readable(Seen seen, ApiRequest request, String rawBody, boolean base64) {
        if (seen.body != null) {
            return seen.body;
        }
        boolean encoded = request.header("content-encoding").map(e -> e.strip().toLowerCase(Locale.ROOT))
                .filter(e -> !e.isEmpty() && !e.equals("identity")).isPresent();
        return rawBody == null || base64 || encoded ? null : rawBody;
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
     * The body's first characters with the {@code writeKey} field's value masked whatever its escaping, or a
     * placeholder with its size when it is not readable text.
     */
    private static String excerpt(String body, long bytes, List<String> keys) {
        if (body == null) {
            return "[not decoded: " + bytes + " bytes as received]";
        }
        // Room past the excerpt for a whole field, even one written with \\u escapes, before the final cut.
        String head = body.length() > EXCERPT_CHARACTERS + 1_000
                ? head(body, EXCERPT_CHARACTERS + 1_000) : body;
        return excerpt(WRITE_KEY_FIELD.matcher(maskWriteKeyValues(head)).replaceAll("$1" + MASK + "\""), keys);
    }

    /**
     * {@code text} with the value of every {@code writeKey} field masked, found by tokenizing rather than by pattern,
     * so that escapes in the name ({@code "write\u004bey"}) or the value hide nothing. Tokenizing stops at the first
     * error (a cut-off or broken body); the pattern above covers what follows.
     */
    static String maskWriteKeyValues(String text) {
        List<int[]> values = new ArrayList<>();
        try (JsonParser parser = TOKENIZER.createParser(text)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.FIELD_NAME && "writeKey".equals(parser.currentName())
                        && parser.nextToken() == JsonToken.VALUE_STRING) {
                    int start = (int) parser.currentTokenLocation().getCharOffset();
                    parser.getText(); // reads the whole string, so the location below is past its closing quote
                    values.add(new int[] {start, (int) parser.currentLocation().getCharOffset()});
                }
            }
        } catch (IOException | RuntimeException stop) {
            // A body that is no (whole) JSON: what was found so far is masked, the pattern does the rest.
        }
        StringBuilder masked = new StringBuilder(text);
        for (int i = values.size() - 1; i >= 0; i--) {
            masked.replace(values.get(i)[0], values.get(i)[1], "\"" + MASK + "\"");
        }
        return masked.toString();
    }

    /**
     * The first {@code length} characters, or one fewer when the cut would split a surrogate pair (an emoji): half
     * of one is not valid Unicode, which DynamoDB may refuse to store.
     */
    private static String head(String text, int length) {
        return text.substring(0, Character.isHighSurrogate(text.charAt(length - 1)) ? length - 1 : length);
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
     * The body's first characters with every key and token masked. The text is masked before the final cut, with room
     * for a whole key past it, so that no key is split in a way that escapes the mask.
     */
    static String excerpt(String text, List<String> keys) {
        String head = text.length() > EXCERPT_CHARACTERS + 100 ? head(text, EXCERPT_CHARACTERS + 100) : text;
        head = mask(head, keys);
        return head.length() > EXCERPT_CHARACTERS ? head(head, EXCERPT_CHARACTERS) + "…" : head;
    }

    /** {@code text} with the presented keys, and anything shaped like a key or token, replaced by {@link #MASK}. */
    static String mask(String text, List<String> keys) {
        String masked = text;
        for (String key : keys) {
            if (!key.isEmpty()) {
                masked = masked.replace(key, MASK);
            }
        }
        return SecretMask.mask(masked);
    }
}
