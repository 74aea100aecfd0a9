package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.HttpRoute;

/** The HTTP front over real HTTP, with test handlers instead of the project's (which are built elsewhere). */
class HttpFrontTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final RecordingHandler PROJECTS = new RecordingHandler();
    private static final RecordingHandler FILES = new RecordingHandler();
    private static HttpFront front;

    @BeforeAll
    static void start() throws IOException {
        front = HttpFront.start(0, List.of(
                function("ProjectsFunction", PROJECTS,
                        "POST /api/v1/projects",
                        "GET /api/v1/projects/{id}",
                        "GET /api/v1/projects/mine",
                        "DELETE /api/v1/projects/{id}/tokens/{token_id}",
                        "ANY /api/v1/things/{id}",
                        "GET /api/v1/things/{id}"),
                function("FilesFunction", FILES,
                        "GET /files/{path+}",
                        "GET /files/special/{name}")), false);
    }

    @AfterAll
    static void stop() {
        front.close();
    }

    @BeforeEach
    void reset() {
        for (RecordingHandler handler : List.of(PROJECTS, FILES)) {
            handler.events.clear();
            handler.contexts.clear();
            handler.responder = RecordingHandler::echoRoute;
        }
    }

    static LambdaFunction function(String logicalId, RecordingHandler handler, String... routeKeys) {
        List<HttpRoute> routes = Arrays.stream(routeKeys).map(key -> {
            String[] parts = key.split(" ", 2);
            return new HttpRoute(logicalId, key, parts[0], parts[1]);
        }).toList();
        FunctionDefinition definition = new FunctionDefinition(logicalId, RecordingHandler.class.getName(),
                "handleRequest", "", Map.of(), routes, List.of(), 15, 1024);
        return new LambdaFunction(definition, handler, "us-east-1");
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(front.baseUri() + pathAndQuery));
    }

    @Test
    void bindsLoopbackOnly() {
        assertEquals("127.0.0.1", front.baseUri().getHost());
    }

    @Test
    void mostSpecificRouteWins() throws Exception {
        assertEquals("GET /api/v1/projects/mine null", send(request("/api/v1/projects/mine")).body());
        assertEquals("GET /api/v1/projects/{id} {id=p1}", send(request("/api/v1/projects/p1")).body());
        assertEquals("GET /api/v1/things/{id} {id=7}", send(request("/api/v1/things/7")).body());
        assertEquals("ANY /api/v1/things/{id} {id=7}",
                send(request("/api/v1/things/7").method("PUT", HttpRequest.BodyPublishers.noBody())).body());
        assertEquals("GET /files/special/{name} {name=x}", send(request("/files/special/x")).body());
        assertEquals("GET /files/{path+} {path=special/x/y}", send(request("/files/special/x/y")).body());
        assertEquals("DELETE /api/v1/projects/{id}/tokens/{token_id} {id=p 1, token_id=t1}",
                send(request("/api/v1/projects/p%201/tokens/t1").DELETE()).body());
    }

    @Test
    void unknownRoutesAnswerLikeApiGateway() throws Exception {
        for (HttpRequest.Builder unknown : List.of(
                request("/nope"),
                request("/api/v1/projects"),                       // GET: only POST is routed
                request("/api/v1/projects/p1/tokens/t1"))) {      // GET: only DELETE is routed
            HttpResponse<String> response = send(unknown);
            assertEquals(404, response.statusCode());
            assertEquals("{\"message\":\"Not Found\"}", response.body());
            assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(response.headers().firstValue("apigw-requestid").isPresent());
        }
        assertTrue(PROJECTS.events.isEmpty());
    }

    @Test
    void defaultRouteWhenTheTemplateHasOne() throws Exception {
        RecordingHandler fallback = new RecordingHandler();
        try (HttpFront withDefault = HttpFront.start(0, List.of(
                function("Fallback", fallback, "GET /known"),
                new LambdaFunction(new FunctionDefinition("Default", RecordingHandler.class.getName(), "handleRequest",
                        "", Map.of(), List.of(new HttpRoute("Default", "All", "ANY", "$default")), List.of()),
                        fallback, "us-east-1")), false)) {
            HttpResponse<String> response = CLIENT.send(
                    HttpRequest.newBuilder(URI.create(withDefault.baseUri() + "/anything/else")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("$default null", response.body());
        }
    }

    @Test
    void headersCookiesAndQueryReachTheHandler() throws Exception {
        send(request("/api/v1/projects/p1?limit=5&tag=a&tag=b&q=x%20y")
                .header("Cookie", "session=abc; theme=dark")
                .header("X-Repeated", "one")
                .header("X-Repeated", "two")
                .header("Authorization", "Bearer t0ken"));
        APIGatewayV2HTTPEvent event = PROJECTS.lastEvent();

        assertEquals("GET /api/v1/projects/{id}", event.getRouteKey());
        assertEquals("GET /api/v1/projects/{id}", event.getRequestContext().getRouteKey());
        assertEquals("/api/v1/projects/p1", event.getRawPath());
        assertEquals("limit=5&tag=a&tag=b&q=x%20y", event.getRawQueryString());
        assertEquals(Map.of("limit", "5", "tag", "a,b", "q", "x y"), event.getQueryStringParameters());
        assertEquals(Map.of("id", "p1"), event.getPathParameters());
        assertEquals(List.of("session=abc", "theme=dark"), event.getCookies());
        assertEquals("one,two", event.getHeaders().get("x-repeated"));
        assertEquals("Bearer t0ken", event.getHeaders().get("authorization"));
        assertFalse(event.getHeaders().containsKey("cookie"));
        assertTrue(event.getHeaders().keySet().stream().allMatch(name -> name.equals(name.toLowerCase())));
        assertEquals("127.0.0.1", event.getRequestContext().getHttp().getSourceIp());
        assertEquals("GET", event.getRequestContext().getHttp().getMethod());
        assertEquals("HTTP/1.1", event.getRequestContext().getHttp().getProtocol());
        assertNotNull(event.getRequestContext().getHttp().getUserAgent());
        assertNull(event.getBody());

        Context context = PROJECTS.contexts.poll();
        assertEquals("ProjectsFunction", context.getFunctionName());
        assertEquals(1024, context.getMemoryLimitInMB());
        assertTrue(context.getRemainingTimeInMillis() > 10_000 && context.getRemainingTimeInMillis() <= 15_000);
    }

    @Test
    void jsonBodiesArriveAsText() throws Exception {
        send(request("/api/v1/projects").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Zoë\"}")));
        APIGatewayV2HTTPEvent event = PROJECTS.lastEvent();
        assertFalse(event.getIsBase64Encoded());
        assertEquals("{\"name\":\"Zoë\"}", event.getBody());
        assertEquals("application/json", event.getHeaders().get("content-type"));
    }

    @Test
    void binaryAndCompressedBodiesArriveBase64() throws Exception {
        byte[] binary = {0, 1, 2, (byte) 0xff};
        send(request("/api/v1/projects").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(binary)));
        APIGatewayV2HTTPEvent event = PROJECTS.lastEvent();
        assertTrue(event.getIsBase64Encoded());
        assertArrayEquals(binary, Base64.getDecoder().decode(event.getBody()));

        byte[] gzipped = gzip("{\"a\":1}");
        send(request("/api/v1/projects").header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped)));
        event = PROJECTS.lastEvent();
        assertTrue(event.getIsBase64Encoded());
        assertArrayEquals(gzipped, Base64.getDecoder().decode(event.getBody()));
    }

    @Test
    void responseHeadersCookiesAndBase64BodyAreMapped() throws Exception {
        byte[] binary = {(byte) 0x89, 'P', 'N', 'G'};
        PROJECTS.responder = event -> {
            APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
            response.setStatusCode(201);
            response.setHeaders(Map.of("Content-Type", "image/png", "X-One", "1"));
            response.setMultiValueHeaders(Map.of("X-Multi", List.of("a", "b")));
            response.setCookies(List.of("session=abc; Path=/; HttpOnly", "theme=dark"));
            response.setBody(Base64.getEncoder().encodeToString(binary));
            response.setIsBase64Encoded(true);
            return response;
        };
        HttpResponse<byte[]> response = CLIENT.send(request("/api/v1/projects")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(201, response.statusCode());
        assertArrayEquals(binary, response.body());
        assertEquals("image/png", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("1", response.headers().firstValue("X-One").orElseThrow());
        assertEquals(List.of("a", "b"), response.headers().allValues("X-Multi"));
        assertEquals(List.of("session=abc; Path=/; HttpOnly", "theme=dark"), response.headers().allValues("Set-Cookie"));
    }

    @Test
    void noContentHasNoBody() throws Exception {
        PROJECTS.responder = event -> {
            APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
            response.setStatusCode(204);
            return response;
        };
        HttpResponse<String> response = send(request("/api/v1/projects").POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(204, response.statusCode());
        assertEquals("", response.body());
    }

    @Test
    void failingOrNullOrInvalidHandlersAnswer500() throws Exception {
        List<java.util.function.Function<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> broken = List.of(
                event -> {
                    throw new IllegalStateException("boom (expected by HttpFrontTest)");
                },
                event -> null,
                event -> new APIGatewayV2HTTPResponse()); // statusCode 0
        for (var responder : broken) {
            PROJECTS.responder = responder;
            HttpResponse<String> response = send(request("/api/v1/projects").POST(HttpRequest.BodyPublishers.noBody()));
            assertEquals(500, response.statusCode());
            assertEquals("{\"message\":\"Internal Server Error\"}", response.body());
        }
        PROJECTS.responder = RecordingHandler::echoRoute;
        assertEquals(200, send(request("/api/v1/projects").POST(HttpRequest.BodyPublishers.noBody())).statusCode());
    }

    @Test
    void bodyAtTheLimitIsAccepted() throws Exception {
        byte[] body = new byte[ApiGatewayHandler.MAX_BODY_BYTES];
        Arrays.fill(body, (byte) 'a');
        HttpResponse<String> response = send(request("/api/v1/projects").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        assertEquals(200, response.statusCode());
        assertEquals(ApiGatewayHandler.MAX_BODY_BYTES, PROJECTS.lastEvent().getBody().length());
    }

    @Test
    void declaredOversizedBodyIsRefusedBeforeItIsSent() throws Exception {
        String head = "POST /api/v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                + "Content-Length: " + (ApiGatewayHandler.MAX_BODY_BYTES + 1) + "\r\n\r\n";
        String response = rawExchange(head.getBytes(StandardCharsets.US_ASCII), new byte[0]);
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        assertTrue(response.endsWith("{\"message\":\"Request Entity Too Large\"}"), response);
        assertTrue(PROJECTS.events.isEmpty());
    }

    @Test
    void chunkedOversizedBodyIsRefusedAfterTheLimit() throws Exception {
        String head = "POST /api/v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        byte[] chunk = new byte[1024 * 1024];
        Arrays.fill(chunk, (byte) 'a');
        for (int i = 0; i < 10; i++) {
            chunks.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunks.write(chunk);
            chunks.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        chunks.write("1\r\na\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)); // one byte over the limit
        String response = rawExchange(head.getBytes(StandardCharsets.US_ASCII), chunks.toByteArray());
        assertTrue(response.startsWith("HTTP/1.1 413"), response);
        assertTrue(PROJECTS.events.isEmpty());
    }

    /**
     * Writes a request on a plain socket and reads one response. It stops at the end of the response rather than
     * at end of stream: after a 413 the server still waits a little for the body it refused.
     */
    private static String rawExchange(byte[] head, byte[] body) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder headers = new StringBuilder();
            while (!headers.toString().endsWith("\r\n\r\n")) {
                int next = in.read();
                if (next < 0) {
                    break;
                }
                headers.append((char) next);
            }
            int length = headers.toString().lines()
                    .filter(line -> line.toLowerCase().startsWith("content-length:"))
                    .map(line -> Integer.parseInt(line.substring("content-length:".length()).trim()))
                    .findFirst().orElse(0);
            return headers.toString().trim() + "\n\n" + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
