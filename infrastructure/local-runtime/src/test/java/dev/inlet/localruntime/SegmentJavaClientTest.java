package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.AliasMessage;
import com.segment.analytics.messages.GroupMessage;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.ScreenMessage;
import com.segment.analytics.messages.TrackMessage;

import dev.inlet.common.http.Json;
import dev.inlet.localruntime.IngestionHttp.CreatedSource;
import dev.inlet.localruntime.IngestionHttp.StoredItem;

import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Segment's own Java SDK ({@code com.segment.analytics.java:analytics:3.5.1}), not written here, pointed at the local
 * runtime: what a real producer sends is accepted and stored as sent.
 *
 * <p>What analytics-java 3.5.1 actually puts on the wire (recorded below by a network interceptor, and read from
 * the jar): {@code POST <upload URL>} with {@code Content-Type: application/json; charset=UTF-8},
 * {@code User-Agent: analytics-java/3.5.1}, {@code Accept-Encoding: gzip} (OkHttp's, for the answer) and <b>no
 * {@code Authorization} and no {@code Content-Encoding}</b>: the body is plain JSON,
 * {@code {"batch":[…],"sentAt":…,"context":{"library":{"name":"analytics-java","version":"3.5.1"},"instanceId":…},
 * "sequence":n,"writeKey":"<key>"}}, each message with {@code type}, {@code messageId} (a UUID), {@code timestamp},
 * {@code integrations:{}} and its own fields; the library context is only on the batch, and ingestion copies it
 * onto each stored event. So this SDK proves the body-{@code writeKey} path and the batch path, not Basic auth or
 * gzip (those are covered by IngestionHttpTest). {@code Analytics.Builder.endpoint(base)} posts to
 * {@code base + "/v1/import/"}, with a trailing slash, which API Gateway and the local runtime route to
 * {@code /v1/import}.
 */
class SegmentJavaClientTest {

    private static final Duration DEADLINE = Duration.ofSeconds(15);

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    /** A request as the SDK sent it (after its own interceptors) and the status it got. */
    record Sent(String method, String path, Map<String, List<String>> headers, byte[] body, int status) {

        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(",", values);
        }

        JsonNode json() {
            return Json.parse(new String(body, UTF_8));
        }
    }

    /** Records every request at the network level, where OkHttp's final headers are set. */
    static final class Recorder implements Interceptor {
        final List<Sent> sent = new CopyOnWriteArrayList<>();

        @Override
        public Response intercept(Chain chain) throws IOException {
            Request request = chain.request();
            Buffer body = new Buffer();
            if (request.body() != null) {
                request.body().writeTo(body);
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String name : request.headers().names()) {
                headers.put(name.toLowerCase(Locale.ROOT), request.headers(name));
            }
            Response response = chain.proceed(request);
            sent.add(new Sent(request.method(), request.url().encodedPath(), headers, body.readByteArray(),
                    response.code()));
            return response;
        }
    }

    /** The SDK's verdict per message: its callback says success or failure once the upload is answered. */
    static final class Outcomes implements Callback {
        final Map<String, Message> succeeded = new ConcurrentHashMap<>();
        final Map<String, Throwable> failed = new ConcurrentHashMap<>();
        final CountDownLatch done;

        Outcomes(int messages) {
            done = new CountDownLatch(messages);
        }

        @Override
        public void success(Message message) {
            succeeded.put(message.messageId(), message);
            done.countDown();
        }

        @Override
        public void failure(Message message, Throwable error) {
            failed.put(message.messageId(), error);
            done.countDown();
        }

        void await() throws InterruptedException {
            assertTrue(done.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
                    "the SDK reported on every message within " + DEADLINE + ": " + succeeded.size() + " ok, "
                            + failed.size() + " failed");
        }
    }

    @Test
    void trackIdentifyAndTheOtherCallsArriveInBatchesAndAreStoredAsSent() throws Exception {
        CreatedSource source = http.serverSource("analytics-java");
        Recorder recorder = new Recorder();
        int messages = 12;
        Outcomes outcomes = new Outcomes(messages);
        Analytics analytics = Analytics.builder(source.key())
                .client(new OkHttpClient.Builder().addNetworkInterceptor(recorder).build())
                .endpoint(http.runtime().baseUri().toString()) // the SDK's own way to point it elsewhere
                .flushQueueSize(5)                      // 12 messages: batches of 5, 5, then 2 on flush()
                .flushInterval(30, TimeUnit.SECONDS)    // no timer flush during the test: only size and flush()
                .retries(1)
                .callback(outcomes)
                .build();
        Instant before = Instant.now();
        try {
            analytics.enqueue(TrackMessage.builder("Order Completed").userId("user-1")
                    .properties(Map.of("total", 42, "currency", "EUR")));
            analytics.enqueue(IdentifyMessage.builder().userId("user-1")
                    .traits(Map.of("email", "user-1@example.com", "plan", "pro")));
            analytics.enqueue(PageMessage.builder("Pricing").anonymousId("anon-1"));
            analytics.enqueue(ScreenMessage.builder("Settings").userId("user-1"));
            analytics.enqueue(GroupMessage.builder("acme").userId("user-1").traits(Map.of("seats", 5)));
            analytics.enqueue(AliasMessage.builder("anon-1").userId("user-1"));
            for (int i = 0; i < messages - 6; i++) {
                analytics.enqueue(TrackMessage.builder("Item Viewed").userId("user-2")
                        .properties(Map.of("index", i)));
            }
            analytics.flush();
            outcomes.await();
        } finally {
            analytics.shutdown();
        }
        assertEquals(Map.of(), outcomes.failed, "the SDK saw no failure");
        assertEquals(messages, outcomes.succeeded.size());

        // What went on the wire.
        assertTrue(recorder.sent.size() >= 3, "the SDK batched: " + recorder.sent.size() + " requests");
        int batched = 0;
        for (Sent sent : recorder.sent) {
            assertEquals("POST", sent.method());
            assertEquals("/v1/import/", sent.path(), "endpoint() appends a trailing slash");
            assertEquals(200, sent.status());
            assertTrue(sent.header("Content-Type").startsWith("application/json"), sent.header("Content-Type"));
            assertEquals("analytics-java/3.5.1", sent.header("User-Agent"));
            assertNull(sent.header("Authorization"), "the SDK sends no Authorization header");
            assertNull(sent.header("Content-Encoding"), "the SDK does not compress");
            JsonNode body = sent.json();
            assertEquals(source.key(), body.get("writeKey").asText(), "the key travels in the body");
            assertEquals("analytics-java", body.at("/context/library/name").asText());
            assertTrue(body.get("batch").isArray());
            batched += body.get("batch").size();
        }
        assertEquals(messages, batched);

        // What is stored: exactly the messages the SDK was told succeeded.
        Set<String> acknowledged = outcomes.succeeded.keySet();
        Map<String, StoredItem> stored = IngestionHttp.poll(DEADLINE, () -> http.stored(source.id()),
                found -> found.keySet().containsAll(acknowledged), "every acknowledged message stored");
        assertEquals(acknowledged, stored.keySet());

        List<String> types = new ArrayList<>();
        for (StoredItem item : stored.values()) {
            JsonNode payload = item.payload();
            types.add(item.attribute("type"));
            assertEquals(item.attribute("type"), payload.get("type").asText());
            assertEquals("analytics-java", payload.at("/context/library/name").asText(), payload.toString());
            assertEquals("3.5.1", payload.at("/context/library/version").asText(), payload.toString());
            assertNotNull(Instant.parse(payload.get("timestamp").asText()));
            assertFalse(Instant.parse(payload.get("sentAt").asText()).isBefore(before.minusSeconds(1)));
            assertFalse(payload.has("writeKey"));
            assertEquals(source.id(), item.attribute("source_id"));
        }
        assertEquals(List.of("alias", "group", "identify", "page", "screen", "track", "track", "track", "track",
                "track", "track", "track"), types.stream().sorted().toList());

        JsonNode order = payloadOf(stored, "track", "Order Completed");
        assertEquals("user-1", order.get("userId").asText());
        assertEquals(42, order.at("/properties/total").asInt());
        assertEquals("EUR", order.at("/properties/currency").asText());
        JsonNode identify = payloadOf(stored, "identify", null);
        assertEquals("user-1", identify.get("userId").asText());
        assertEquals("user-1@example.com", identify.at("/traits/email").asText());
        assertEquals("pro", identify.at("/traits/plan").asText());
        assertEquals("Pricing", payloadOf(stored, "page", null).get("name").asText());
        assertEquals("anon-1", payloadOf(stored, "page", null).get("anonymousId").asText());
        assertEquals("Settings", payloadOf(stored, "screen", null).get("name").asText());
        assertEquals("acme", payloadOf(stored, "group", null).get("groupId").asText());
        assertEquals(5, payloadOf(stored, "group", null).at("/traits/seats").asInt());
        assertEquals("anon-1", payloadOf(stored, "alias", null).get("previousId").asText());
        assertEquals(6, stored.values().stream().filter(item -> "Item Viewed".equals(item.payload()
                .path("event").asText())).count());
    }

    /**
     * {@code Analytics.Builder.endpoint(base)} posts to {@code base + "/v1/import/"}, with a trailing slash that no
     * route can declare; API Gateway (and so the local runtime) ignores one trailing slash, and the calls succeed.
     */
    @Test
    void theBuildersEndpointPostsToImportWithATrailingSlash() throws Exception {
        CreatedSource source = http.serverSource("analytics-java endpoint()");
        Recorder recorder = new Recorder();
        Outcomes outcomes = new Outcomes(2);
        Analytics analytics = Analytics.builder(source.key())
                .client(new OkHttpClient.Builder().addNetworkInterceptor(recorder).build())
                .endpoint(http.runtime().baseUri().toString())
                .flushInterval(30, TimeUnit.SECONDS)
                .retries(1)
                .callback(outcomes)
                .build();
        try {
            analytics.enqueue(TrackMessage.builder("Signed Up").userId("user-3"));
            analytics.enqueue(IdentifyMessage.builder().userId("user-3"));
            analytics.flush();
            outcomes.await();
        } finally {
            analytics.shutdown();
        }
        assertFalse(recorder.sent.isEmpty());
        for (Sent sent : recorder.sent) {
            assertEquals("/v1/import/", sent.path(), "endpoint() appends /v1/import/ with a trailing slash");
        }
        assertTrue(outcomes.failed.isEmpty(), "answers: " + recorder.sent.stream().map(Sent::status).toList());
        assertEquals(2, outcomes.succeeded.size());
        assertEquals(outcomes.succeeded.keySet(), http.stored(source.id()).keySet(),
                "stored = what the SDK was told succeeded");
    }

    private static JsonNode payloadOf(Map<String, StoredItem> stored, String type, String event) {
        return stored.values().stream().map(StoredItem::payload)
                .filter(payload -> payload.get("type").asText().equals(type))
                .filter(payload -> event == null || event.equals(payload.path("event").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no stored " + type + " " + event));
    }
}
