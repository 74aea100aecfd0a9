package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import dev.inlet.localaws.HttpRoute;
import dev.inlet.localruntime.IngestionHttp.Answer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, part 2: every route of template.yaml under every kind of credential, over HTTP against the local runtime.
 * Admin routes × {no token, malformed, a project token with a wrong checksum (refused before any read), a token of
 * the root token's format that is not it (fails the HMAC comparison), a never-issued project token with a valid
 * checksum (refused after its lookup), revoked project token, other project's token, right project's token, root};
 * tracking routes × {no key, malformed, made-up with a valid checksum, expired, revoked, disabled source — each of
 * the last four in Basic and alone in the body's writeKey — and another source's key in the body while Basic has one,
 * of the same project and of another}. Each cell asserts the exact status and code, that no event was stored, and
 * that no answer to a caller outside a project holds any of its ids, names or prefixes. A route in the template but
 * not in this matrix fails the test by name.
 */
class AuthorizationMatrixTest {

    @RegisterExtension
    static final IngestionHttp http = new IngestionHttp();

    enum AdminCredential {
        NO_TOKEN, MALFORMED, WRONG_CHECKSUM, WRONG_ROOT, UNKNOWN_PROJECT_TOKEN, REVOKED_PROJECT_TOKEN, OTHER_PROJECT,
        RIGHT_PROJECT, ROOT
    }

    enum KeyCredential {
        NO_KEY, MALFORMED, MADE_UP, EXPIRED, REVOKED, DISABLED_SOURCE, MADE_UP_IN_BODY, EXPIRED_IN_BODY,
        REVOKED_IN_BODY, DISABLED_SOURCE_IN_BODY, OTHER_SOURCE_IN_BODY, OTHER_PROJECT_IN_BODY
    }

    /** An expected answer: status and error code (null for a success). */
    record Expected(int status, String code) {
        static Expected ok(int status) {
            return new Expected(status, null);
        }

        static Expected refused(int status, String code) {
            return new Expected(status, code);
        }
    }

    private static final Expected UNAUTHORIZED = Expected.refused(401, "unauthorized");
    private static final Expected FORBIDDEN = Expected.refused(403, "forbidden");
    private static final Expected NOT_FOUND = Expected.refused(404, "not_found");

    /** How one admin route is called (its path made concrete in a fresh world per cell), and what each caller gets. */
    record AdminCase(Function<World, String> path, String body, Map<AdminCredential, Expected> expected) {
    }

    /** Root-only routes: project tokens get 403, whichever project. */
    private static Map<AdminCredential, Expected> rootOnly(int success) {
        return expectations(Expected.ok(success), FORBIDDEN, FORBIDDEN);
    }

    /** A route on one of project A's sources: project B's token gets 404, as for a source that does not exist. */
    private static Map<AdminCredential, Expected> projectScoped(int success) {
        return expectations(Expected.ok(success), NOT_FOUND, Expected.ok(success));
    }

    /** A collection route: each project token sees (or creates in) its own project. */
    private static Map<AdminCredential, Expected> collection(int success) {
        return expectations(Expected.ok(success), Expected.ok(success), Expected.ok(success));
    }

    private static Map<AdminCredential, Expected> expectations(Expected root, Expected other, Expected right) {
        Map<AdminCredential, Expected> expected = new EnumMap<>(AdminCredential.class);
        expected.put(AdminCredential.NO_TOKEN, UNAUTHORIZED);
        expected.put(AdminCredential.MALFORMED, UNAUTHORIZED);
        expected.put(AdminCredential.WRONG_CHECKSUM, UNAUTHORIZED);
        expected.put(AdminCredential.WRONG_ROOT, UNAUTHORIZED);
        expected.put(AdminCredential.UNKNOWN_PROJECT_TOKEN, UNAUTHORIZED);
        expected.put(AdminCredential.REVOKED_PROJECT_TOKEN, UNAUTHORIZED);
        expected.put(AdminCredential.OTHER_PROJECT, other);
        expected.put(AdminCredential.RIGHT_PROJECT, right);
        expected.put(AdminCredential.ROOT, root);
        return expected;
    }

    /** Every admin route. A new route in template.yaml must be added here (the test names it if not). */
    private static final Map<String, AdminCase> ADMIN = new LinkedHashMap<>();

    static {
        String sources = "/api/v1/events/write-keys";
        ADMIN.put("POST /api/v1/projects", new AdminCase(w -> "/api/v1/projects", "{\"name\":\"new\"}", rootOnly(201)));
        ADMIN.put("GET /api/v1/projects", new AdminCase(w -> "/api/v1/projects", null, rootOnly(200)));
        ADMIN.put("POST /api/v1/projects/{id}/tokens", new AdminCase(w -> "/api/v1/projects/" + w.projectA
                + "/tokens", "{\"name\":\"more\"}", rootOnly(201)));
        ADMIN.put("GET /api/v1/projects/{id}/tokens", new AdminCase(w -> "/api/v1/projects/" + w.projectA
                + "/tokens", null, rootOnly(200)));
        ADMIN.put("DELETE /api/v1/projects/{id}/tokens/{token_id}", new AdminCase(w -> "/api/v1/projects/"
                + w.projectA + "/tokens/" + w.spareTokenA, null, rootOnly(204)));
        ADMIN.put("POST " + sources, new AdminCase(w -> sources,
                "{\"name\":\"created\",\"source_type\":\"server\"}", collection(201)));
        ADMIN.put("GET " + sources, new AdminCase(w -> sources, null, collection(200)));
        ADMIN.put("GET " + sources + "/{id}", new AdminCase(w -> sources + "/" + w.sourceA, null, projectScoped(200)));
        ADMIN.put("PATCH " + sources + "/{id}", new AdminCase(w -> sources + "/" + w.sourceA,
                "{\"description\":\"patched\"}", projectScoped(200)));
        ADMIN.put("GET " + sources + "/{id}/audit", new AdminCase(w -> sources + "/" + w.sourceA + "/audit", null,
                projectScoped(200)));
        ADMIN.put("GET " + sources + "/{id}/stats", new AdminCase(w -> sources + "/" + w.sourceA + "/stats", null,
                projectScoped(200)));
        ADMIN.put("GET " + sources + "/{id}/events", new AdminCase(w -> sources + "/" + w.sourceA + "/events", null,
                projectScoped(200)));
        ADMIN.put("GET /api/v1/events/stats/unattributed", new AdminCase(w -> "/api/v1/events/stats/unattributed",
                null, rootOnly(200)));
        ADMIN.put("POST " + sources + "/{id}/rotate", new AdminCase(w -> sources + "/" + w.sourceA + "/rotate",
                "{\"grace_period_hours\":1}", projectScoped(200)));
        ADMIN.put("GET " + sources + "/{id}/keys", new AdminCase(w -> sources + "/" + w.sourceA + "/keys", null,
                projectScoped(200)));
        ADMIN.put("POST " + sources + "/{id}/keys/{key_id}/expire", new AdminCase(w -> sources + "/" + w.sourceA
                + "/keys/" + w.previousKeyA + "/expire", null, projectScoped(200)));
        ADMIN.put("POST " + sources + "/{id}/revoke", new AdminCase(w -> sources + "/" + w.sourceA + "/revoke", null,
                projectScoped(200)));
        ADMIN.put("POST " + sources + "/{id}/disable", new AdminCase(w -> sources + "/" + w.sourceA + "/disable",
                null, projectScoped(200)));
        ADMIN.put("POST " + sources + "/{id}/enable", new AdminCase(w -> sources + "/" + w.sourceA + "/enable", null,
                projectScoped(200)));
    }

    private static final String EVENT = "{\"userId\":\"u\",\"event\":\"e\",\"groupId\":\"g\",\"previousId\":\"p\","
            + "\"name\":\"n\",\"messageId\":\"matrix-%s\"}";

    /** Every tracking route and the body it is sent; each refused alike, by credential. */
    private static final Map<String, String> TRACKING = new LinkedHashMap<>();

    static {
        for (String call : List.of("track", "identify", "page", "screen", "group", "alias", "t", "i", "p", "s", "g",
                "a")) {
            TRACKING.put("POST /v1/" + call, EVENT);
        }
        for (String call : List.of("batch", "import", "b")) {
            TRACKING.put("POST /v1/" + call, "{\"batch\":[" + EVENT.replace("{\"userId\"", "{\"type\":\"track\","
                    + "\"userId\"") + "]}");
        }
    }

    private static final Map<KeyCredential, Expected> TRACKING_EXPECTED = new EnumMap<>(Map.ofEntries(
            Map.entry(KeyCredential.NO_KEY, Expected.refused(401, "unauthorized")),
            Map.entry(KeyCredential.MALFORMED, Expected.refused(401, "unauthorized")),
            Map.entry(KeyCredential.MADE_UP, Expected.refused(401, "unauthorized")),
            Map.entry(KeyCredential.EXPIRED, Expected.refused(401, "key_expired")),
            Map.entry(KeyCredential.REVOKED, Expected.refused(401, "key_revoked")),
            Map.entry(KeyCredential.DISABLED_SOURCE, Expected.refused(403, "source_disabled")),
            Map.entry(KeyCredential.MADE_UP_IN_BODY, Expected.refused(401, "unauthorized")),
            Map.entry(KeyCredential.EXPIRED_IN_BODY, Expected.refused(401, "key_expired")),
            Map.entry(KeyCredential.REVOKED_IN_BODY, Expected.refused(401, "key_revoked")),
            Map.entry(KeyCredential.DISABLED_SOURCE_IN_BODY, Expected.refused(403, "source_disabled")),
            Map.entry(KeyCredential.OTHER_SOURCE_IN_BODY, Expected.refused(401, "unauthorized")),
            Map.entry(KeyCredential.OTHER_PROJECT_IN_BODY, Expected.refused(401, "unauthorized"))));

    /** The preflight needs no key: answered 204 whatever is sent, and it reveals nothing. */
    private static final String PREFLIGHT = "OPTIONS /v1/{proxy+}";

    /** Project A and B, their tokens, and one of A's sources: made anew for each cell that could change them. */
    static final class World {
        String projectA;
        String projectAName;
        String tokenA;
        String tokenAId;
        String revokedTokenA;
        String spareTokenA;
        String unknownTokenA;
        String projectB;
        String tokenB;
        String sourceA;
        String previousKeyA;
        final List<String> secretsOfA = new ArrayList<>();
    }

    private static World shared;
    private static final String NO_SUCH_SOURCE = "wk_00000000000000000000";

    @Test
    void everyRouteOfTheTemplateIsInTheMatrix() {
        Set<String> template = new TreeSet<>(http.runtime().template().functions().stream()
                .flatMap(function -> function.routes().stream()).map(HttpRoute::routeKey).toList());
        Set<String> matrix = new TreeSet<>(ADMIN.keySet());
        matrix.addAll(TRACKING.keySet());
        matrix.add(PREFLIGHT);
        Set<String> missing = new TreeSet<>(template);
        missing.removeAll(matrix);
        Set<String> stale = new TreeSet<>(matrix);
        stale.removeAll(template);
        assertTrue(missing.isEmpty(), "routes in template.yaml but not in the authorization matrix (add each to "
                + "AuthorizationMatrixTest with its expected answer per credential): " + missing);
        assertTrue(stale.isEmpty(), "matrix routes no longer in template.yaml: " + stale);
    }

    @Test
    void everyAdminRouteAnswersEachCredentialExactlyAndLeaksNothingOfAnotherProject() {
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        for (Map.Entry<String, AdminCase> route : ADMIN.entrySet()) {
            String method = route.getKey().split(" ", 2)[0];
            AdminCase adminCase = route.getValue();
            for (AdminCredential credential : AdminCredential.values()) {
                Expected expected = adminCase.expected().get(credential);
                // A cell meant to succeed may change the world (revoke, rotate, delete a token): it gets its own.
                // A refusal must change nothing, so refusals share one (and a wrong success fails its own cell).
                boolean changes = !method.equals("GET") && expected.code() == null;
                World world = changes ? newWorld() : shared();
                String path = adminCase.path().apply(world);
                IngestionHttp.Call call = http.call(method, path);
                authorization(world, credential).ifPresent(value -> call.header("Authorization", value));
                if (adminCase.body() != null) {
                    call.json(adminCase.body());
                }
                int callsBefore = DynamoDbCallRecorder.accesses().size();
                Answer answer = call.send();
                cells++;
                String cell = route.getKey() + " × " + credential + ": ";
                check(wrong, cell, expected, answer);
                long lookups = tokenLookups(callsBefore);
                // Each kind of wrong token must reach the check it is meant to test: the cheap ones stop before
                // any read, the never-issued one only after its lookup.
                if (credential == AdminCredential.UNKNOWN_PROJECT_TOKEN ? lookups == 0
                        : lookups > 0 && List.of(AdminCredential.NO_TOKEN, AdminCredential.MALFORMED,
                        AdminCredential.WRONG_CHECKSUM, AdminCredential.WRONG_ROOT)
                        .contains(credential)) {
                    wrong.add(cell + lookups + " admin-token lookups");
                }
                if (expected == NOT_FOUND) {
                    IngestionHttp.Call missing = http.call(method, path.replace(world.sourceA, NO_SUCH_SOURCE))
                            .header("Authorization", authorization(world, credential).orElseThrow());
                    Answer nonexistent = (adminCase.body() == null ? missing : missing.json(adminCase.body())).send();
                    if (!answer.body().replace(world.sourceA, "{id}")
                            .equals(nonexistent.body().replace(NO_SUCH_SOURCE, "{id}"))) {
                        wrong.add(cell + "another project's source must answer exactly as a missing one: "
                                + answer + " vs " + nonexistent);
                    }
                }
                if (credential != AdminCredential.RIGHT_PROJECT && credential != AdminCredential.ROOT) {
                    for (String secret : world.secretsOfA) {
                        // What the caller sent (an id in the path) may be echoed; nothing else of A may appear.
                        if (answer.body().contains(secret) && !path.contains(secret)) {
                            wrong.add(cell + "the answer holds project A's '" + secret + "': " + answer.body());
                        }
                    }
                }
            }
        }
        System.out.printf("AUTHORIZATION MATRIX: %d admin routes × %d credentials = %d cells%n", ADMIN.size(),
                AdminCredential.values().length, cells);
        assertEquals(List.of(), wrong);
    }

    @Test
    void aProjectTokenCannotCreateOrListInAnotherProject() {
        World world = shared();
        Answer created = http.call("POST", "/api/v1/events/write-keys").header("Authorization", "Bearer " + world.tokenB)
                .json("{\"name\":\"smuggled\",\"source_type\":\"server\",\"project_id\":\"" + world.projectA + "\"}")
                .send();
        created.assertRefused(422, "invalid_value");
        Answer listed = http.call("GET", "/api/v1/events/write-keys?project_id=" + world.projectA)
                .header("Authorization", "Bearer " + world.tokenB).send();
        assertEquals(200, listed.status(), listed.body());
        assertEquals(0, listed.json().get("data").size(), listed.body());
        Answer mine = http.call("GET", "/api/v1/events/write-keys?project_id=" + world.projectA)
                .header("Authorization", "Bearer " + world.tokenA).send();
        assertTrue(mine.body().contains(world.sourceA), mine.body());
        assertTrue(mine.json().get("data").findValuesAsText("name").stream().noneMatch("smuggled"::equals),
                mine.body());
    }

    @Test
    void everyTrackingRouteRefusesEachBadKeyExactlyAndStoresNothing() {
        Keys keys = keys();
        long eventsBefore = eventCount();
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        for (Map.Entry<String, String> route : TRACKING.entrySet()) {
            String path = route.getKey().split(" ", 2)[1];
            for (KeyCredential credential : KeyCredential.values()) {
                String body = String.format(route.getValue(), UUID.randomUUID());
                IngestionHttp.Call call = http.post(path);
                switch (credential) {
                    case NO_KEY -> { }
                    case MALFORMED -> call.basic("inlet_live_sk_not-a-key");
                    case MADE_UP -> call.basic(keys.madeUp);
                    case EXPIRED -> call.basic(keys.expired);
                    case REVOKED -> call.basic(keys.revoked);
                    case DISABLED_SOURCE -> call.basic(keys.disabled);
                    case MADE_UP_IN_BODY -> body = withWriteKey(body, keys.madeUp);
                    case EXPIRED_IN_BODY -> body = withWriteKey(body, keys.expired);
                    case REVOKED_IN_BODY -> body = withWriteKey(body, keys.revoked);
                    case DISABLED_SOURCE_IN_BODY -> body = withWriteKey(body, keys.disabled);
                    case OTHER_SOURCE_IN_BODY -> {
                        call.basic(keys.live);
                        body = withWriteKey(body, keys.otherLive);
                    }
                    case OTHER_PROJECT_IN_BODY -> {
                        // Either way round: project B's key in Basic with A's in the body, and A's with B's.
                        boolean bInBasic = cells % 2 == 0;
                        call.basic(bInBasic ? keys.otherProject : keys.live);
                        body = withWriteKey(body, bInBasic ? keys.live : keys.otherProject);
                    }
                }
                Answer answer = call.json(body).send();
                cells++;
                String cell = route.getKey() + " × " + credential + ": ";
                check(wrong, cell, TRACKING_EXPECTED.get(credential), answer);
                for (String secret : keys.attribution) {
                    if (answer.body().contains(secret)) {
                        wrong.add(cell + "the refusal names '" + secret + "': " + answer.body());
                    }
                }
            }
            cells += preflight(wrong, path, keys);
        }
        System.out.printf("AUTHORIZATION MATRIX: %d tracking routes × %d credentials + %d preflights = %d cells%n",
                TRACKING.size(), KeyCredential.values().length, TRACKING.size(), cells);
        assertEquals(List.of(), wrong);
        assertEquals(eventsBefore, eventCount(), "no refused tracking call stored an event");
    }

    /** GetItems on the admin tokens table since the {@code from}-th recorded DynamoDB call. */
    private static long tokenLookups(int from) {
        String table = http.runtime().tableName("AdminTokensTable");
        List<DynamoDbCallRecorder.Access> accesses = DynamoDbCallRecorder.accesses();
        return accesses.subList(Math.min(from, accesses.size()), accesses.size()).stream()
                .filter(access -> access.action().equals("dynamodb:GetItem") && access.tableName().equals(table))
                .count();
    }

    private static String withWriteKey(String body, String key) {
        return body.replaceFirst("\\{", "{\"writeKey\":\"" + key + "\",");
    }

    private static int preflight(List<String> wrong, String path, Keys keys) {
        Answer answer = http.call("OPTIONS", path).header("Origin", "https://anywhere.example")
                .header("Access-Control-Request-Method", "POST").basic(keys.live).send();
        if (answer.status() != 204 || !answer.body().isEmpty()) {
            wrong.add(PREFLIGHT + " on " + path + ": expected 204 with no body, got " + answer);
        }
        return 1;
    }

    private static void check(List<String> wrong, String cell, Expected expected, Answer answer) {
        if (answer.status() != expected.status()) {
            wrong.add(cell + "expected " + expected.status() + " " + (expected.code() == null ? "" : expected.code())
                    + ", got " + answer);
        } else if (expected.code() != null && !expected.code().equals(answer.errorCode())) {
            wrong.add(cell + "expected code " + expected.code() + ", got " + answer);
        }
    }

    private static java.util.Optional<String> authorization(World world, AdminCredential credential) {
        return java.util.Optional.ofNullable(switch (credential) {
            case NO_TOKEN -> null;
            case MALFORMED -> "Bearer inlet_pat_tooShort";
            case WRONG_CHECKSUM -> "Bearer inlet_pat_" + "A".repeat(45);
            case WRONG_ROOT -> "Bearer " + wrongRootToken();
            case UNKNOWN_PROJECT_TOKEN -> "Bearer " + world.unknownTokenA;
            case REVOKED_PROJECT_TOKEN -> "Bearer " + world.revokedTokenA;
            case OTHER_PROJECT -> "Bearer " + world.tokenB;
            case RIGHT_PROJECT -> "Bearer " + world.tokenA;
            case ROOT -> "Bearer " + http.runtime().adminToken();
        });
    }

    /** The root token with its last character changed: the same prefix, length and alphabet, but not the token. */
    private static String wrongRootToken() {
        String root = http.runtime().adminToken();
        char last = root.charAt(root.length() - 1);
        return root.substring(0, root.length() - 1) + (last == 'A' ? 'B' : 'A');
    }

    // ------------------------------------------------------------------------------------------------ set-up

    private static synchronized World shared() {
        if (shared == null) {
            shared = newWorld();
        }
        return shared;
    }

    /**
     * Projects A and B with a token each, a revoked and a spare token of A, and a source of A rotated once (so it
     * has a previous key to expire). Everything of A an outsider must never see is kept in {@code secretsOfA}.
     */
    private static World newWorld() {
        World world = new World();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        world.projectAName = "Alpha " + suffix;
        JsonNode projectA = root("POST", "/api/v1/projects", "{\"name\":\"" + world.projectAName + "\"}", 201);
        world.projectA = projectA.get("id").asText();
        world.projectB = root("POST", "/api/v1/projects", "{\"name\":\"Bravo " + suffix + "\"}", 201).get("id")
                .asText();
        JsonNode tokenA = root("POST", "/api/v1/projects/" + world.projectA + "/tokens", "{\"name\":\"a\"}", 201);
        world.tokenA = tokenA.get("token").asText();
        world.tokenAId = tokenA.get("id").asText();
        JsonNode revoked = root("POST", "/api/v1/projects/" + world.projectA + "/tokens", "{\"name\":\"r\"}", 201);
        world.revokedTokenA = revoked.get("token").asText();
        root("DELETE", "/api/v1/projects/" + world.projectA + "/tokens/" + revoked.get("id").asText(), null, 204);
        JsonNode spare = root("POST", "/api/v1/projects/" + world.projectA + "/tokens", "{\"name\":\"s\"}", 201);
        world.spareTokenA = spare.get("id").asText();
        // Issued, then its item deleted: a token with a valid checksum that no lookup finds.
        JsonNode unknown = root("POST", "/api/v1/projects/" + world.projectA + "/tokens", "{\"name\":\"u\"}", 201);
        world.unknownTokenA = unknown.get("token").asText();
        String tokens = http.runtime().tableName("AdminTokensTable");
        List<Map<String, AttributeValue>> unknownItems = http.runtime().dynamoDb().scanPaginator(scan -> scan
                .tableName(tokens).consistentRead(true).filterExpression("token_id = :id")
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromS(unknown.get("id").asText()))))
                .items().stream().toList();
        assertEquals(1, unknownItems.size(), "the issued token's item");
        http.runtime().dynamoDb().deleteItem(delete -> delete.tableName(tokens)
                .key(Map.of("token_hash", unknownItems.get(0).get("token_hash"))));
        world.tokenB = root("POST", "/api/v1/projects/" + world.projectB + "/tokens", "{\"name\":\"b\"}", 201)
                .get("token").asText();
        Answer source = http.call("POST", "/api/v1/events/write-keys").header("Authorization", "Bearer "
                + world.tokenA).json("{\"name\":\"Alpha source " + suffix + "\",\"source_type\":\"web\"}").send();
        assertEquals(201, source.status(), source.body());
        world.sourceA = source.json().get("id").asText();
        Answer rotated = http.call("POST", "/api/v1/events/write-keys/" + world.sourceA + "/rotate")
                .header("Authorization", "Bearer " + world.tokenA).json("{\"grace_period_hours\":24}").send();
        assertEquals(200, rotated.status(), rotated.body());
        world.previousKeyA = rotated.json().get("previous_key").get("id").asText();
        world.secretsOfA.addAll(List.of(world.projectA, world.projectAName, world.tokenAId, world.spareTokenA,
                world.sourceA, "Alpha source " + suffix, world.previousKeyA, world.unknownTokenA, rotated.json().get("key_id").asText(),
                rotated.json().get("key_prefix").asText(), source.json().get("key_prefix").asText(),
                tokenA.get("token_prefix").asText(), world.tokenA, world.revokedTokenA));
        return world;
    }

    private static JsonNode root(String method, String path, String json, int status) {
        IngestionHttp.Call call = http.call(method, path).header("Authorization", "Bearer "
                + http.runtime().adminToken());
        if (json != null) {
            call.json(json);
        }
        Answer answer = call.send();
        assertEquals(status, answer.status(), method + " " + path + ": " + answer.body());
        return answer.json();
    }

    /** Keys in each state, and what a refusal must not reveal about their sources. */
    record Keys(String live, String otherLive, String otherProject, String madeUp, String expired, String revoked,
                String disabled, List<String> attribution) {
    }

    /**
     * Keys of the root's default project in every state, and the live key of a source of a second project, made
     * with that project's own token so that nothing but the key ties a call to it.
     */
    private static Keys keys() {
        IngestionHttp.CreatedSource live = http.serverSource("matrix live");
        IngestionHttp.CreatedSource other = http.serverSource("matrix other");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String projectName = "Tracking second " + suffix;
        String projectId = root("POST", "/api/v1/projects", "{\"name\":\"" + projectName + "\"}", 201).get("id")
                .asText();
        JsonNode token = root("POST", "/api/v1/projects/" + projectId + "/tokens", "{\"name\":\"t\"}", 201);
        Answer created = http.call("POST", "/api/v1/events/write-keys").header("Authorization", "Bearer "
                + token.get("token").asText()).json("{\"name\":\"matrix second project " + suffix + "\","
                + "\"source_type\":\"server\",\"environment\":\"production\"}").send();
        assertEquals(201, created.status(), created.body());
        JsonNode secondProject = created.json();
        assertEquals(projectId, secondProject.get("project_id").asText(), created.body());
        IngestionHttp.CreatedSource expiring = http.serverSource("matrix expired");
        http.rotate(expiring.id(), 0);
        IngestionHttp.CreatedSource revoked = http.serverSource("matrix revoked");
        http.revoke(revoked.id());
        IngestionHttp.CreatedSource disabled = http.serverSource("matrix disabled");
        http.disable(disabled.id());
        List<String> attribution = new ArrayList<>();
        for (JsonNode source : List.of(live.answer(), other.answer(), expiring.answer(), revoked.answer(),
                disabled.answer(), secondProject)) {
            attribution.add(source.get("id").asText());
            attribution.add(source.get("name").asText());
            attribution.add(source.get("key_prefix").asText());
            attribution.add(source.get("project_id").asText());
        }
        attribution.addAll(List.of(projectName, token.get("id").asText(), token.get("token_prefix").asText()));
        return new Keys(live.key(), other.key(), secondProject.get("key").asText(), http.unknownKey("matrix made up"),
                expiring.key(), revoked.key(), disabled.key(), attribution);
    }

    private static long eventCount() {
        return http.runtime().dynamoDb().scanPaginator(scan -> scan.tableName(http.runtime()
                .tableName("EventsTable")).consistentRead(true).select("COUNT")).stream()
                .mapToLong(page -> page.count()).sum();
    }
}
