package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.inlet.common.http.Json;

/**
 * Builds hostile HTTP requests for the fuzz ({@link HostileInputFuzzTest}): one class of hostility each, from a
 * seeded {@link Random} so that a failing sample is reproduced by its seed. Requests target the tracking API or the
 * admin API and start from a well-formed call, which each class then breaks its own way.
 */
final class HostileRequests {

    /** The classes of hostility of issue 8; every generated request belongs to exactly one. */
    enum Hostility {
        WELL_FORMED, WRONG_TYPES, BROKEN_JSON, DEPTH_BOMB, HUGE_NUMBER, HUGE_STRING, INVALID_UTF8, DUPLICATE_KEYS,
        OVERSIZED, GZIP, ODD_HEADERS, ODD_METHOD_OR_PATH, AUTH_GARBAGE, LONE_SURROGATE
    }

    /** A request as a client sends it: headers as sent (repeats kept), path and query still percent-encoded. */
    record Request(Hostility hostility, String method, String path, String query, Map<String, List<String>> headers,
                   byte[] body, long seed) {

        @Override
        public String toString() {
            String text = new String(body, 0, Math.min(body.length, 300), UTF_8).replaceAll("[^\\x20-\\x7E]", "?");
            Map<String, List<String>> shown = new LinkedHashMap<>();
            headers.forEach((name, values) -> shown.put(name, values.stream()
                    .map(v -> v.length() > 120 ? v.substring(0, 120) + "…(" + v.length() + ")" : v).toList()));
            return hostility + " seed=" + seed + " " + method + " " + (path.length() > 200 ? path.substring(0, 200)
                    + "…" : path) + (query.isEmpty() ? "" : "?" + query) + " " + shown + " body(" + body.length
                    + " B)=" + text + (body.length > 300 ? "…" : "");
        }
    }

    /** The credentials and ids the generators aim at, made by the test's setup. */
    record Targets(List<String> liveKeys, List<String> refusedKeys, String rootToken, String projectToken,
                   String revokedProjectToken, List<String> sourceIds, List<String> keyIds, List<String> projectIds,
                   List<String> tokenIds) {
    }

    static final List<String> TRACKING_PATHS = List.of("/v1/track", "/v1/identify", "/v1/page", "/v1/screen",
            "/v1/group", "/v1/alias", "/v1/batch", "/v1/import", "/v1/t", "/v1/i", "/v1/p", "/v1/s", "/v1/g", "/v1/a",
            "/v1/b");

    /** Admin routes as {@code METHOD path-template}; read from the template by the test, so none is missed. */
    private final List<String> adminRoutes;
    private final Targets targets;
    private final byte[] zipBomb;

    HostileRequests(List<String> adminRoutes, Targets targets) {
        this.adminRoutes = List.copyOf(adminRoutes);
        this.targets = targets;
        // 20 MB of zeros in ~20 KB: made once, it is costly to compress.
        this.zipBomb = IngestionHttp.gzip(new byte[20 * 1024 * 1024]);
    }

    // ------------------------------------------------------------------------------------------------ tracking API

    Request tracking(Hostility hostility, long seed) {
        Random random = new Random(seed);
        String path = pick(random, TRACKING_PATHS);
        String key = random.nextInt(10) < 8 ? pick(random, targets.liveKeys()) : pick(random, targets.refusedKeys());
        JsonNode body = trackingBody(path, random);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        header(headers, "Content-Type", random.nextInt(4) == 0 ? "text/plain" : "application/json");
        if (random.nextInt(4) == 0) {
            ((ObjectNode) body).put("writeKey", key);
        } else {
            header(headers, "Authorization", IngestionHttp.basic(key));
        }
        if (random.nextInt(5) == 0) {
            header(headers, "Origin", pick(random, List.of("https://app.example.com", "https://evil.example")));
        }
        return hostile(new Request(hostility, "POST", path, "", headers, utf8(Json.write(body)), seed),
                body, random, true);
    }

    private static JsonNode trackingBody(String path, Random random) {
        String call = path.substring("/v1/".length());
        if (call.equals("batch") || call.equals("import") || call.equals("b")) {
            ObjectNode body = Json.object();
            ArrayNode batch = body.putArray("batch");
            int events = 1 + random.nextInt(4);
            for (int i = 0; i < events; i++) {
                String type = pick(random, List.of("track", "identify", "page", "screen", "group", "alias"));
                batch.add(event(type, random).put("type", type));
            }
            if (random.nextBoolean()) {
                body.putObject("context").putObject("library").put("name", "fuzz");
            }
            return body;
        }
        String type = switch (call.charAt(0)) {
            case 't' -> "track";
            case 'i' -> "identify";
            case 'p' -> "page";
            case 's' -> "screen";
            case 'g' -> "group";
            default -> "alias";
        };
        return event(type, random);
    }

    private static ObjectNode event(String type, Random random) {
        ObjectNode event = Json.object();
        if (random.nextBoolean() || type.equals("alias")) {
            event.put("userId", "user-" + random.nextInt(1000));
        } else {
            event.put("anonymousId", UUID.randomUUID().toString());
        }
        switch (type) {
            case "track" -> event.put("event", pick(random, List.of("Order Completed", "Signed Up", "ü ✓ 🎉")));
            case "group" -> event.put("groupId", "g-" + random.nextInt(50));
            case "alias" -> event.put("previousId", "anon-" + random.nextInt(50));
            case "page", "screen" -> event.put("name", "Home");
            default -> event.putObject("traits").put("plan", "pro");
        }
        if (random.nextBoolean()) {
            event.put("messageId", "fuzz-" + UUID.randomUUID());
        }
        if (random.nextBoolean()) {
            event.put("timestamp", "2026-11-22T09:59:59.123Z");
        }
        event.putObject("properties").put("n", random.nextInt()).put("s", "v" + random.nextInt(100));
        return event;
    }

    // ------------------------------------------------------------------------------------------------ admin API

    Request admin(Hostility hostility, long seed) {
        Random random = new Random(seed);
        String[] route = pick(random, adminRoutes).split(" ", 2);
        String path = route[1]
                .replace("{id}", route[1].startsWith("/api/v1/projects") ? pick(random, targets.projectIds())
                        : pick(random, targets.sourceIds()))
                .replace("{key_id}", pick(random, targets.keyIds()))
                .replace("{token_id}", pick(random, targets.tokenIds()));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int who = random.nextInt(10);
        header(headers, "Authorization", "Bearer " + (who < 6 ? targets.rootToken()
                : who < 9 ? targets.projectToken() : targets.revokedProjectToken()));
        String query = route[0].equals("GET") && random.nextBoolean()
                ? pick(random, List.of("limit=2", "limit=100", "status=active", "source_type=web",
                "environment=production", "inactive_for_hours=24", "hours=24", "project_id=default")) : "";
        JsonNode body = adminBody(route[0] + " " + route[1], random);
        if (body != null) {
            header(headers, "Content-Type", "application/json");
        }
        if (route[0].equals("PATCH") && random.nextBoolean()) {
            header(headers, "If-Match", "\"" + (1 + random.nextInt(3)) + "\"");
        }
        Request request = new Request(hostility, route[0], path, query, headers,
                body == null ? new byte[0] : utf8(Json.write(body)), seed);
        return hostile(request, body == null ? Json.object() : body, random, false);
    }

    /** A well-formed body for the route (null when the route takes none). */
    private JsonNode adminBody(String route, Random random) {
        ObjectNode body = Json.object();
        switch (route) {
            case "POST /api/v1/projects", "POST /api/v1/projects/{id}/tokens" ->
                    body.put("name", "fuzz " + random.nextInt(1000));
            case "POST /api/v1/events/write-keys" -> {
                body.put("name", "fuzz source " + random.nextInt(1000));
                body.put("source_type", pick(random, List.of("web", "server", "mobile", "worker")));
                body.put("environment", pick(random, List.of("production", "staging", "development")));
                if (random.nextBoolean()) {
                    body.put("rate_limit_eps", 1 + random.nextInt(1000));
                }
                if (random.nextBoolean()) {
                    body.putArray("allowed_origins").add("https://app.example.com");
                }
            }
            case "PATCH /api/v1/events/write-keys/{id}" -> {
                body.put("name", "renamed " + random.nextInt(1000));
                if (random.nextBoolean()) {
                    body.putNull("description");
                }
            }
            case "POST /api/v1/events/write-keys/{id}/rotate" -> body.put("grace_period_hours", random.nextInt(48));
            case "POST /api/v1/events/write-keys/{id}/disable" -> body.put("revoke_keys", random.nextInt(4) == 0);
            default -> {
                return random.nextInt(4) == 0 ? Json.object() : null;
            }
        }
        return body;
    }

    // ------------------------------------------------------------------------------------------------ hostility

    private Request hostile(Request base, JsonNode body, Random random, boolean tracking) {
        return switch (base.hostility()) {
            case WELL_FORMED -> base;
            case WRONG_TYPES -> withBody(base, wrongTypes(body, random));
            case BROKEN_JSON -> withBody(base, brokenJson(Json.write(body), random));
            case DEPTH_BOMB -> withBody(base, depthBomb(random));
            case HUGE_NUMBER -> withBody(base, hugeNumber(body, random));
            case HUGE_STRING -> withBody(base, hugeString(body, random));
            case INVALID_UTF8 -> invalidUtf8(base, random);
            case DUPLICATE_KEYS -> withBody(base, duplicateKeys(Json.write(body), random));
            case OVERSIZED -> withBody(base, oversized(body, random, tracking));
            case GZIP -> gzipped(base, random);
            case ODD_HEADERS -> oddHeaders(base, random);
            case ODD_METHOD_OR_PATH -> oddMethodOrPath(base, random, tracking);
            case AUTH_GARBAGE -> authGarbage(base, random, tracking);
            case LONE_SURROGATE -> withBody(base, loneSurrogate(body, random, tracking));
        };
    }

    private static final String[] FIELDS = {"userId", "anonymousId", "event", "type", "messageId", "timestamp",
            "sentAt", "originalTimestamp", "context", "properties", "traits", "integrations", "name", "groupId",
            "previousId", "writeKey", "batch", "source_type", "environment", "description", "rate_limit_eps",
            "rate_limit_burst", "allowed_event_types", "allowed_origins", "project_id", "grace_period_hours",
            "revoke_keys", "status", "key", "id", "version"};

    /** A value of some JSON type, often not the one the field wants. */
    private static JsonNode anyValue(Random random) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        return switch (random.nextInt(16)) {
            case 0 -> json.numberNode(random.nextInt());
            case 1 -> json.numberNode(new java.math.BigInteger(90, random));
            case 2 -> json.numberNode(random.nextDouble() * 1e300);
            case 3 -> json.numberNode(-0.0);
            case 4 -> json.booleanNode(random.nextBoolean());
            case 5 -> json.nullNode();
            case 6 -> json.arrayNode();
            case 7 -> json.arrayNode().add(1).add("a").add(json.objectNode());
            case 8 -> json.objectNode();
            case 9 -> json.objectNode().set("a", json.objectNode().put("b", 1));
            case 10 -> json.textNode("");
            case 11 -> json.textNode("   ");
            case 12 -> json.textNode("x".repeat(1 + random.nextInt(300)));
            case 13 -> json.textNode("\ud800 lone surrogate \udfff");
            case 14 -> json.textNode("track");
            default -> json.textNode("🎉\u0000\u202e" + random.nextInt());
        };
    }

    /** Unpaired surrogates: high alone, low alone, a pair reversed, an emoji's high half without its low one. */
    private static final List<String> LONE_SURROGATES = List.of("\ud800", "\udbff", "\udc00", "\udfff",
            "x\ud800y", "\udf89\ud83c", "🎉\ud83c", "\ud800\ud800");

    /**
     * The body with an unpaired surrogate in a field name or a string value: of the event (of one batch event) or
     * deep in its properties or context on the tracking API, of the body or an item of its lists on the admin API.
     * Never in {@code writeKey} (removed before storing) nor in a batch's own fields that no event inherits, so that
     * a tracking request of this class always has one in what would be stored, and must be refused ({@link #utf8}
     * sends it escaped).
     */
    private static String loneSurrogate(JsonNode body, Random random, boolean tracking) {
        ObjectNode copy = body.isObject() ? ((ObjectNode) body).deepCopy() : Json.object();
        JsonNode batch = copy.get("batch");
        ObjectNode target = tracking && batch != null && batch.isArray() && !batch.isEmpty()
                && batch.get(0).isObject() ? (ObjectNode) batch.get(random.nextInt(batch.size())) : copy;
        String bad = pick(random, LONE_SURROGATES);
        List<String> fields = new ArrayList<>();
        target.fieldNames().forEachRemaining(name -> {
            if (!name.equals("writeKey") && target.get(name).isTextual()) {
                fields.add(name);
            }
        });
        // The admin API gets kinds 0-2, and 6 (an array item): its strings are names, descriptions and lists.
        int kind = random.nextInt(tracking ? 6 : 4);
        switch (tracking || kind < 3 ? kind : 6) {
            case 0 -> {
                if (fields.isEmpty()) {
                    target.put("name", bad);
                } else {
                    String field = pick(random, fields);
                    target.put(field, target.get(field).textValue() + bad);
                }
            }
            case 1 -> target.put("field" + bad, "v");
            case 2 -> target.put(pick(random, List.of("name", "description")), "n" + bad);
            case 3 -> target.putObject("properties").put("p", bad).put("ok", "🎉");
            case 4 -> target.putObject("properties").put("k" + bad, 1);
            case 5 -> target.putObject("context").putArray("list").add(1).addObject().put("deep", bad);
            default -> {
                if (random.nextBoolean()) {
                    target.putArray("allowed_origins").add("https://app.example.com").add("https://" + bad + ".com");
                } else {
                    target.putArray("allowed_event_types").add("track").add("page" + bad);
                }
            }
        }
        return Json.write(copy);
    }

    private static String wrongTypes(JsonNode body, Random random) {
        ObjectNode copy = body.isObject() ? ((ObjectNode) body).deepCopy() : Json.object();
        ObjectNode target = copy;
        JsonNode batch = copy.get("batch");
        if (batch != null && batch.isArray() && !batch.isEmpty() && random.nextBoolean()) {
            target = (ObjectNode) batch.get(random.nextInt(batch.size()));
        }
        int fields = 1 + random.nextInt(3);
        for (int i = 0; i < fields; i++) {
            target.set(FIELDS[random.nextInt(FIELDS.length)], anyValue(random));
        }
        return Json.write(copy);
    }

    private static String brokenJson(String json, Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> json.substring(0, random.nextInt(Math.max(1, json.length())));
            case 1 -> json + pick(random, List.of("}", "]", "{}", ",", "x", " // comment", "\u0000"));
            case 2 -> json.replace('"', '\'');
            case 3 -> {
                StringBuilder text = new StringBuilder(json);
                for (int i = 0; i < 1 + random.nextInt(5); i++) {
                    text.insert(random.nextInt(text.length() + 1), (char) random.nextInt(128));
                }
                yield text.toString();
            }
            case 4 -> pick(random, List.of("", " ", "\n", "null", "[]", "123", "\"text\"", "true", "{", "}", "[{}]",
                    "{\"batch\":}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-}", "{\"a\":01}", "{\"a\":1.}",
                    "{\"a\":.5}", "{,}", "{\"a\" 1}", "\ufeff{}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}"));
            case 5 -> json.replace(":", "=");
            case 6 -> "{\"a\":\"" + "\u0001\u0002\n\t".repeat(3) + "\"}";
            case 7 -> json.replace(",", ",,");
            case 8 -> json + json;
            case 9 -> "[" + json + "]";
            case 10 -> json.replace("\"", "");
            default -> {
                byte[] noise = new byte[random.nextInt(200)];
                random.nextBytes(noise);
                yield new String(noise, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        };
    }

    private static String depthBomb(Random random) {
        int depth = pick(random, List.of(65, 100, 1_000, 10_000, 100_000));
        boolean arrays = random.nextBoolean();
        boolean closed = random.nextBoolean();
        StringBuilder bomb = new StringBuilder(depth * 6 + 64);
        bomb.append("{\"userId\":\"u\",\"event\":\"e\",\"name\":\"n\",\"properties\":");
        for (int i = 0; i < depth; i++) {
            bomb.append(arrays ? "[" : "{\"a\":");
        }
        bomb.append('1');
        if (closed) {
            for (int i = 0; i < depth; i++) {
                bomb.append(arrays ? ']' : '}');
            }
            bomb.append('}');
        }
        return bomb.toString();
    }

    private static String hugeNumber(JsonNode body, Random random) {
        int length = pick(random, List.of(101, 1_000, 10_000, 100_000));
        String digits = "9".repeat(length);
        String number = switch (random.nextInt(5)) {
            case 0 -> digits;
            case 1 -> "-" + digits;
            case 2 -> "0." + digits;
            case 3 -> "1e" + pick(random, List.of("999999999", "-999999999", "2147483648", digits.substring(0, 50)));
            default -> digits + "e" + digits.substring(0, Math.min(20, length));
        };
        String field = pick(random, List.of("userId", "rate_limit_eps", "grace_period_hours", "n", "timestamp",
                "rate_limit_burst", "event"));
        String json = Json.write(body.isObject() ? body : Json.object());
        // Spliced in as text: the number must reach the parser unparsed.
        return "{\"" + field + "\":" + number + (json.length() > 2 ? "," + json.substring(1) : "}");
    }

    private static String hugeString(JsonNode body, Random random) {
        int length = pick(random, List.of(32 * 1024 + 1, 100_000, 510_000));
        String unit = pick(random, List.of("a", "é", "€", "🎉"));
        String text = unit.repeat(Math.max(1, length / unit.length() / (unit.equals("a") ? 1 : 3)));
        ObjectNode copy = body.isObject() ? ((ObjectNode) body).deepCopy() : Json.object();
        String field = pick(random, List.of("userId", "event", "messageId", "name", "description", "properties",
                "anonymousId", "writeKey"));
        if (field.equals("properties")) {
            copy.putObject("properties").put("big", text);
        } else {
            copy.put(field, text);
        }
        return Json.write(copy);
    }

    private static Request invalidUtf8(Request base, Random random) {
        byte[] bad = pick(random, List.of(new byte[]{(byte) 0xC3, 0x28}, new byte[]{(byte) 0xFF},
                new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[]{(byte) 0xC0, (byte) 0xAF},
                new byte[]{(byte) 0xF0, (byte) 0x9F}, new byte[]{(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80}));
        byte[] body = base.body();
        int at = body.length == 0 ? 0 : random.nextInt(body.length);
        // Inside a string value where possible, so the JSON is otherwise well-formed.
        for (int i = at; i < body.length; i++) {
            if (body[i] == '"') {
                at = i + 1;
                break;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, at);
        out.writeBytes(bad);
        out.write(body, at, body.length - at);
        Map<String, List<String>> headers = new LinkedHashMap<>(base.headers());
        if (random.nextBoolean()) {
            // Any Content-Encoding makes API Gateway pass the body as base64: the function sees the raw bytes.
            headers.put("Content-Encoding", List.of("identity"));
        }
        return new Request(base.hostility(), base.method(), base.path(), base.query(), headers, out.toByteArray(),
                base.seed());
    }

    private static String duplicateKeys(String json, Random random) {
        if (json.length() < 2 || !json.startsWith("{")) {
            return "{\"a\":1,\"a\":2}";
        }
        String duplicate = pick(random, List.of("\"userId\":\"dup\"", "\"writeKey\":\"inlet_live_sk_dup\"",
                "\"name\":\"dup\"", "\"batch\":[]", "\"type\":\"track\"", "\"grace_period_hours\":1"));
        String field = duplicate.substring(0, duplicate.indexOf(':'));
        String body = json.contains(field) ? "{" + duplicate + "," + json.substring(1)
                : "{" + duplicate + "," + duplicate + (json.length() > 2 ? "," : "") + json.substring(1);
        return random.nextBoolean() ? body : body.replace("\"properties\":{", "\"properties\":{\"k\":1,\"k\":2,");
    }

    private static String oversized(JsonNode body, Random random, boolean tracking) {
        switch (random.nextInt(tracking ? 4 : 2)) {
            case 0 -> { // just over the request limit, and far over it
                ObjectNode copy = body.isObject() ? ((ObjectNode) body).deepCopy() : Json.object();
                int size = pick(random, List.of(500 * 1024 + 1, 600_000));
                copy.putObject("properties").put("pad", "p".repeat(size));
                return Json.write(copy);
            }
            case 1 -> { // many small fields
                StringBuilder text = new StringBuilder("{\"userId\":\"u\",\"event\":\"e\",\"properties\":{");
                int fields = 10_000;
                for (int i = 0; i < fields; i++) {
                    text.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":").append(i);
                }
                return text.append("}}").toString();
            }
            case 2 -> { // a batch over 2,500 events
                StringBuilder text = new StringBuilder("{\"batch\":[");
                for (int i = 0; i < 2_501; i++) {
                    text.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}");
                }
                return text.append("]}").toString();
            }
            default -> { // one event over 32 KB
                ObjectNode copy = body.isObject() ? ((ObjectNode) body).deepCopy() : Json.object();
                copy.putObject("properties").put("pad", "p".repeat(33 * 1024));
                return Json.write(copy);
            }
        }
    }

    private Request gzipped(Request base, Random random) {
        byte[] body = switch (random.nextInt(6)) {
            case 0 -> zipBomb;
            case 1 -> IngestionHttp.gzip(base.body()); // well-formed, compressed
            case 2 -> {
                byte[] whole = IngestionHttp.gzip(base.body());
                yield java.util.Arrays.copyOf(whole, Math.max(1, whole.length / 2)); // truncated
            }
            case 3 -> base.body(); // says gzip, is not
            case 4 -> IngestionHttp.gzip(IngestionHttp.gzip(base.body())); // twice
            default -> {
                byte[] noise = new byte[1 + random.nextInt(500)];
                random.nextBytes(noise);
                noise[0] = 0x1f;
                yield noise;
            }
        };
        Map<String, List<String>> headers = new LinkedHashMap<>(base.headers());
        headers.put("Content-Encoding", List.of(pick(random, List.of("gzip", "gzip", "x-gzip", "GZIP", " gzip ",
                "deflate", "br", "gzip, gzip", "identity, gzip"))));
        return new Request(base.hostility(), base.method(), base.path(), base.query(), headers, body, base.seed());
    }

    private static Request oddHeaders(Request base, Random random) {
        Map<String, List<String>> headers = new LinkedHashMap<>(base.headers());
        switch (random.nextInt(9)) {
            case 0 -> headers.put("Content-Type", List.of(pick(random, List.of("application/json; charset=utf-16",
                    "APPLICATION/JSON", "text/plain;", "", ";", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x", "application/xml", "application/json;;;;", "*/*",
                    "x".repeat(8_000)))));
            case 1 -> headers.put("content-type", List.of("application/json", "text/plain")); // repeated
            case 2 -> { // two Authorization headers: API Gateway joins them with a comma
                List<String> values = new ArrayList<>(headers.getOrDefault("Authorization", List.of()));
                values.add(values.isEmpty() ? "Basic Og==" : values.getFirst());
                headers.put("Authorization", values);
            }
            case 3 -> headers.put("Origin", List.of(pick(random, List.of("null", "https://evil.example",
                    "https://app.example.com.evil.example", "https://APP.EXAMPLE.COM", "https://app.example.com/path",
                    "https://app.example.com:443", "http://app.example.com", "o".repeat(5_000), "https://☃.example",
                    "https://app.example.com, https://evil.example"))));
            case 4 -> { // names in odd case
                Map<String, List<String>> odd = new LinkedHashMap<>();
                headers.forEach((name, values) -> odd.put(flipCase(name, random), values));
                headers = odd;
            }
            case 5 -> headers.put("If-Match", List.of(pick(random, List.of("*", "W/\"1\"", "\"\"", "\"-1\"",
                    "\"99999999999999999999\"", "garbage", "\"1\", \"2\""))));
            case 6 -> headers.put("X-Forwarded-For", List.of("not-an-ip, ::1, " + "9".repeat(500)));
            case 7 -> {
                headers.remove("Content-Type");
                headers.remove("content-type");
            }
            default -> {
                for (int i = 0; i < 50; i++) {
                    headers.put("X-Junk-" + i, List.of("v".repeat(random.nextInt(200))));
                }
            }
        }
        return new Request(base.hostility(), base.method(), base.path(), base.query(), headers, base.body(),
                base.seed());
    }

    private Request oddMethodOrPath(Request base, Random random, boolean tracking) {
        String method = base.method();
        String path = base.path();
        String query = base.query();
        switch (random.nextInt(4)) {
            case 0 -> method = pick(random, List.of("GET", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "CONNECT",
                    "FOO", "post", "OPTIONS", "POST"));
            case 1 -> path = pick(random, List.of(path + "/", path + "//", path + "/extra", "/" + path,
                    path.replace("/v1/", "/V1/"), path.replace("/v1/", "/v1/%2e%2e/"), path + "%00", path + "%",
                    path.replace("t", "%74"), path + "/" + "a".repeat(5_000), "/v1/" + "%ZZ", "/v1/☃",
                    "/api/v1/events/write-keys/%2e%2e", "/api/v1/events/write-keys/" + "i".repeat(3_000),
                    "/api/v1/events/write-keys/wk_%00%01", "/api/v1/projects/prj_☃/tokens",
                    "/api/v1/events/write-keys/wk_x/keys/%ZZ/expire", "/", "/api", "/v1"));
            case 2 -> query = pick(random, List.of("limit=-1", "limit=0", "limit=101", "limit=99999999999",
                    "limit=1e3", "limit=", "cursor=garbage", "cursor=" + "A".repeat(3_000), "cursor=%ZZ",
                    "cursor=eyJhIjoxfQ", "status=deleted", "status=", "source_type=%00", "environment=PRODUCTION",
                    "hours=0", "hours=169", "hours=-5", "hours=x", "inactive_for_hours=0",
                    "inactive_for_hours=99999", "project_id=prj_nope", "project_id=" + "p".repeat(500),
                    "limit=1&limit=2", "a=b&&&=&c", "%ZZ=%ZZ"));
            default -> {
                method = pick(random, List.of("OPTIONS", "GET", "DELETE"));
                path = tracking ? "/v1/" + pick(random, List.of("anything", "track", "a/b/c", "%00", "🎉"))
                        : path;
            }
        }
        return new Request(base.hostility(), method, path, query, base.headers(), base.body(), base.seed());
    }

    private Request authGarbage(Request base, Random random, boolean tracking) {
        Map<String, List<String>> headers = new LinkedHashMap<>(base.headers());
        byte[] noise = new byte[random.nextInt(120)];
        random.nextBytes(noise);
        String key = pick(random, targets.liveKeys());
        String value = switch (random.nextInt(tracking ? 16 : 14)) {
            case 0 -> "Basic " + Base64.getEncoder().encodeToString(noise);
            case 1 -> "Basic !!!not base64!!!";
            case 2 -> "Basic";
            case 3 -> "Basic ";
            case 4 -> "BASIC " + Base64.getEncoder().encodeToString((key + ":").getBytes(UTF_8));
            case 5 -> "Basic " + Base64.getEncoder().encodeToString(":".getBytes(UTF_8));
            case 6 -> "Basic " + Base64.getEncoder().encodeToString((key + ":password:extra").getBytes(UTF_8));
            case 7 -> "Basic " + Base64.getUrlEncoder().withoutPadding().encodeToString((key + "??>>").getBytes(UTF_8));
            case 8 -> "Basic " + Base64.getMimeEncoder().encodeToString(("x".repeat(200) + ":").getBytes(UTF_8));
            case 9 -> "Bearer " + pick(random, List.of(targets.rootToken() + "x", "inlet_pat_" + "A".repeat(45),
                    "", "   ", "\u0000", targets.rootToken().toUpperCase(), "t".repeat(600),
                    "inlet_pat_☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃☃"));
            case 10 -> "bearer " + targets.projectToken();
            case 11 -> "Basic " + "A".repeat(100_000);
            case 12 -> "Digest username=\"x\"";
            case 13 -> "Bearer " + key;
            case 14 -> "Basic " + Base64.getEncoder().encodeToString((key.substring(0, key.length() - 1)
                    + (key.endsWith("A") ? "B" : "A") + ":").getBytes(UTF_8)); // checksum broken
            default -> "Basic " + Base64.getEncoder().encodeToString((new String(noise, UTF_8) + ":")
                    .getBytes(UTF_8));
        };
        headers.put("Authorization", List.of(value));
        byte[] body = base.body();
        if (tracking && random.nextInt(3) == 0) { // a writeKey field of the wrong kind, or another key
            JsonNode parsed = Json.parse(new String(body, UTF_8));
            if (parsed.isObject()) {
                ((ObjectNode) parsed).set("writeKey", random.nextBoolean() ? anyValue(random)
                        : JsonNodeFactory.instance.textNode(pick(random, targets.refusedKeys())));
                body = utf8(Json.write(parsed));
            }
        }
        return new Request(base.hostility(), base.method(), base.path(), base.query(), headers, body, base.seed());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Request withBody(Request base, String body) {
        Map<String, List<String>> headers = new LinkedHashMap<>(base.headers());
        headers.putIfAbsent("Content-Type", List.of("application/json"));
        return new Request(base.hostility(), base.method(), base.path(), base.query(), headers, utf8(body),
                base.seed());
    }

    /**
     * JSON text as UTF-8 bytes, with each unpaired surrogate written as a JSON escape ({@code \\ud800}): UTF-8 has no
     * bytes for one ({@code getBytes} would send {@code ?}), but JSON lets a client escape it, so this is how one
     * reaches the server. Paired surrogates (emoji) stay as they are.
     */
    static byte[] utf8(String json) {
        StringBuilder text = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < json.length()
                    && Character.isLowSurrogate(json.charAt(i + 1));
            if (paired) {
                if (text != null) {
                    text.append(c).append(json.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (text == null) {
                    text = new StringBuilder(json.length() + 16).append(json, 0, i);
                }
                text.append(String.format((i % 2 == 0 ? "\\u%04x" : "\\u%04X"), (int) c));
            } else if (text != null) {
                text.append(c);
            }
        }
        return (text == null ? json : text.toString()).getBytes(UTF_8);
    }

    private static void header(Map<String, List<String>> headers, String name, String value) {
        headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }

    private static String flipCase(String text, Random random) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            out.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
        return out.toString();
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
