package dev.inlet.localruntime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/** The whole runtime with the project's real handlers, over HTTP. */
class LocalRuntimeTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern KEY = Pattern.compile("\"key\"\\s*:\\s*\"([^\"]+)\"");
    private static final Set<String> EXERCISED_FUNCTIONS = Set.of("ProjectsFunction", "SourcesFunction",
            "KeyRotationFunction", "KeyRevocationFunction", "IngestFunction");
    private static LocalRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = LocalRuntime.start(LocalRuntime.Options.forTests());
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    private static HttpResponse<String> call(String method, String path, String token, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(runtime.baseUri() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String idOf(HttpResponse<String> response) {
        Matcher matcher = ID.matcher(response.body());
        assertTrue(matcher.find(), response.body());
        return matcher.group(1);
    }

    @Test
    void adminRoutesNeedAToken() throws Exception {
        HttpResponse<String> response = call("POST", "/api/v1/projects", null, "{\"name\":\"No token\"}");
        assertEquals(401, response.statusCode(), response.body());

        assertEquals(401, call("POST", "/api/v1/projects", "inlet_root_wrong", "{\"name\":\"x\"}").statusCode());
    }

    @Test
    void unknownRoutesAre404() throws Exception {
        HttpResponse<String> response = call("GET", "/api/v1/nothing-here", runtime.adminToken(), null);
        assertEquals(404, response.statusCode());
        assertEquals("{\"message\":\"Not Found\"}", response.body());
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        List<InetAddress> otherAddresses = NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> !address.isLoopbackAddress() && !address.isLinkLocalAddress())
                .toList();
        Assumptions.assumeFalse(otherAddresses.isEmpty(), "no non-loopback address to probe");
        for (int port : List.of(runtime.baseUri().getPort(), runtime.dynamoDbEndpoint().getPort())) {
            for (InetAddress address : otherAddresses) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(address, port), 2000);
                    throw new AssertionError("something answers on " + address + ":" + port);
                } catch (ConnectException | SocketTimeoutException expected) {
                    // refused (or unroutable): not listening there
                }
            }
        }
    }

    @Test
    void tablesComeFromTheTemplate() {
        Set<String> tables = Set.copyOf(runtime.dynamoDb().listTables().tableNames());
        assertTrue(tables.containsAll(runtime.tableNames().values()), tables.toString());
        assertEquals(TimeToLiveStatus.ENABLED, runtime.dynamoDb().describeTimeToLive(describe -> describe
                .tableName(runtime.tableName("WriteKeysTable"))).timeToLiveDescription().timeToLiveStatus());
        assertEquals("127.0.0.1", runtime.dynamoDbEndpoint().getHost());
    }

    @Test
    void everyCallStaysWithinTheTemplatePolicies() throws Exception {
        DynamoDbCallRecorder.clear();
        String root = runtime.adminToken();
        List<String> failures = new ArrayList<>();

        HttpResponse<String> project = expect(failures, 201, call("POST", "/api/v1/projects", root,
                "{\"name\":\"Policy check\"}"));
        String projectId = idOf(project);
        expect(failures, 200, call("GET", "/api/v1/projects", root, null));
        String tokenId = idOf(expect(failures, 201, call("POST", "/api/v1/projects/" + projectId + "/tokens", root,
                "{\"name\":\"ci\"}")));
        expect(failures, 200, call("GET", "/api/v1/projects/" + projectId + "/tokens", root, null));

        HttpResponse<String> source = expect(failures, 201, call("POST", "/api/v1/events/write-keys", root,
                "{\"name\":\"Checkout\",\"source_type\":\"server\",\"project_id\":\"" + projectId + "\"}"));
        String sourceId = idOf(source);
        Matcher key = KEY.matcher(source.body());
        assertTrue(key.find(), source.body());
        String basic = "Basic " + Base64.getEncoder().encodeToString((key.group(1) + ":").getBytes(UTF_8));
        expect(failures, 200, ingest("/v1/track", basic,
                "{\"userId\":\"u1\",\"event\":\"Signed Up\",\"messageId\":\"m1\"}"));
        expect(failures, 200, ingest("/v1/batch", basic, "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u1\","
                + "\"messageId\":\"m2\"},{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Paid\",\"messageId\":\"m3\"}]}"));
        expect(failures, 200, call("GET", "/api/v1/events/write-keys?project_id=" + projectId, root, null));
        expect(failures, 200, call("GET", "/api/v1/events/write-keys", root, null));
        expect(failures, 200, call("GET", "/api/v1/events/write-keys/" + sourceId, root, null));
        expect(failures, 200, call("PATCH", "/api/v1/events/write-keys/" + sourceId, root,
                "{\"description\":\"checked\"}"));
        expect(failures, 200, call("POST", "/api/v1/events/write-keys/" + sourceId + "/rotate", root, "{}"));
        expect(failures, 200, call("POST", "/api/v1/events/write-keys/" + sourceId + "/revoke", root, null));
        expect(failures, 204, call("DELETE", "/api/v1/projects/" + projectId + "/tokens/" + tokenId, root, null));
        assertEquals(List.of(), failures);

        List<DynamoDbCallRecorder.Access> accesses = DynamoDbCallRecorder.functionAccesses();
        Set<String> callers = accesses.stream().map(access -> access.functionLogicalId().orElseThrow())
                .collect(Collectors.toSet());
        assertTrue(callers.containsAll(EXERCISED_FUNCTIONS), "every function was exercised: " + callers);
        assertEquals(List.of(), PolicyCoverage.violations(runtime.template(), accesses, runtime.tableNames()));
    }

    /** Segment's convention: the write key as the Basic-auth user name, no password. */
    private static HttpResponse<String> ingest(String path, String basicAuthorization, String json) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(runtime.baseUri() + path))
                .header("Authorization", basicAuthorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> expect(List<String> failures, int status, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            failures.add(response.request().method() + " " + response.request().uri().getPath() + ": expected "
                    + status + ", got " + response.statusCode() + " " + response.body());
        }
        return response;
    }

    @Test
    void bannerShowsTheAdminTokenButNeverThePepper() {
        String banner = runtime.banner();
        assertTrue(banner.lines().anyMatch(line -> line.equals("ADMIN_TOKEN=" + runtime.adminToken())), banner);
        assertTrue(banner.contains(runtime.baseUri().toString()), banner);
        assertTrue(banner.contains(runtime.dynamoDbEndpoint().toString()), banner);
        assertTrue(banner.contains("generated"), banner);
        assertFalse(banner.contains("PEPPER"), banner);
        assertTrue(runtime.adminToken().startsWith("inlet_root_"));
    }

    @Test
    void dataDirKeepsDataAndSecretsAcrossRestarts(@TempDir Path dataDir) throws Exception {
        LocalRuntime.Options options = LocalRuntime.Options.forTests().withDataDir(dataDir);
        String token;
        String projectId;
        try (LocalRuntime first = LocalRuntime.start(options)) {
            token = first.adminToken();
            HttpResponse<String> created = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(first.baseUri() + "/api/v1/projects"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Kept\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            projectId = idOf(created);
        }
        try (LocalRuntime second = LocalRuntime.start(options)) {
            assertEquals(token, second.adminToken());
            assertTrue(second.banner().contains("read from"), second.banner());
            HttpResponse<String> list = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(second.baseUri() + "/api/v1/projects"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, list.statusCode(), list.body());
            assertTrue(list.body().contains(projectId), list.body());
        }
    }

    @Test
    void fixedSecretsAndEnvironmentWin() {
        try (LocalRuntime fixed = LocalRuntime.start(LocalRuntime.Options.forTests()
                .withTablePrefix("fixed-")
                .withSecret("ADMIN_TOKEN", "inlet_root_fixed")
                .withEnvironment(Map.of("PEPPER", "env-pepper", "AWS_REGION", "eu-west-1")))) {
            assertEquals("inlet_root_fixed", fixed.adminToken());
            assertEquals("fixed-ProjectsTable", fixed.tableName("ProjectsTable"));
            assertFalse(fixed.banner().contains("env-pepper"));
        }
    }
}
