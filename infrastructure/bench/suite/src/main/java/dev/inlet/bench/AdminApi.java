package dev.inlet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.inlet.common.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** The few calls the suite makes over the local runtime's HTTP front: create sources, send tracking calls. */
public final class AdminApi {

    /** A source as its creation answered it: the full key appears only there. */
    public record Source(String id, String key) {

        /** The key as Segment's SDKs send it: HTTP Basic, key as user name, empty password. */
        public String basicAuthorization() {
            return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String adminToken;

    public AdminApi(URI base, String adminToken) {
        this.base = base;
        this.adminToken = adminToken;
    }

    /** A production server source taking every event type; {@code rateLimitEps} 0 keeps the plan's default. */
    public Source createSource(String name, int rateLimitEps) {
        String limit = rateLimitEps > 0 ? ",\"rate_limit_eps\":" + rateLimitEps : "";
        HttpResponse<String> created = send(HttpRequest.newBuilder(base.resolve("/api/v1/events/write-keys"))
                .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"source_type\":\"server\","
                        + "\"environment\":\"production\"" + limit + "}")).build());
        if (created.statusCode() != 201) {
            throw new IllegalStateException("creating source " + name + ": " + created.statusCode() + " "
                    + created.body());
        }
        JsonNode answer = Json.parse(created.body());
        return new Source(answer.get("id").asText(), answer.get("key").asText());
    }

    /** POSTs a tracking call; returns the status. */
    public int track(String path, Source source, String body) {
        HttpResponse<String> answer = send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", source.basicAuthorization()).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        return answer.statusCode();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
