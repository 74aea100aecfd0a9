package dev.inlet.common.source;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.http.Json;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/** The API's view of a source, field for field as the reference API names them. */
public final class SourceJson {

    private SourceJson() {
    }

    /** A source without its key: what every answer but creation shows. */
    public static ObjectNode of(Source source) {
        ObjectNode node = Json.object();
        node.put("id", source.id());
        node.put("name", source.name());
        node.put("key_prefix", source.currentKey().map(SourceKey::prefix).orElse(null));
        node.put("source_type", source.type().wireName());
        node.put("environment", source.environment().wireName());
        node.put("description", source.description().orElse(null));
        node.put("project_id", source.projectId());
        if (source.rateLimitEps().isPresent()) {
            node.put("rate_limit_eps", source.rateLimitEps().get());
        } else {
            node.putNull("rate_limit_eps");
        }
        if (source.rateLimitBurst().isPresent()) {
            node.put("rate_limit_burst", source.rateLimitBurst().get());
        } else {
            node.putNull("rate_limit_burst");
        }
        ArrayNode types = node.putArray("allowed_event_types");
        source.allowedEventTypes().stream().sorted().forEach(t -> types.add(t.wireName()));
        ArrayNode origins = node.putArray("allowed_origins");
        source.allowedOrigins().forEach(origins::add);
        node.put("status", source.status().wireName());
        node.put("created_at", source.createdAt().toString());
        node.put("updated_at", source.updatedAt().toString());
        node.put("last_event_at", source.lastEventAt().map(Instant::toString).orElse(null));
        node.put("version", source.version());
        return node;
    }

    /** The view of get and list: the source and its accepted-event count over the last 24 hours. */
    public static ObjectNode withVolume(Source source, OptionalLong volume24h) {
        ObjectNode node = of(source);
        if (volume24h.isPresent()) {
            node.put("volume_24h", volume24h.getAsLong());
        }
        return node;
    }

    /** The creation answer: the one place, with rotation, where the full key appears. */
    public static ObjectNode withKey(Source source, String key) {
        ObjectNode plain = of(source);
        ObjectNode node = Json.object();
        node.put("id", source.id());
        node.put("name", source.name());
        node.put("key", key);
        plain.fields().forEachRemaining(e -> {
            if (!node.has(e.getKey())) {
                node.set(e.getKey(), e.getValue());
            }
        });
        return node;
    }

    public static ObjectNode key(SourceKey key) {
        ObjectNode node = Json.object();
        node.put("id", key.id());
        node.put("key_prefix", key.prefix());
        node.put("created_at", key.createdAt().toString());
        node.put("expires_at", key.expiresAt().map(Instant::toString).orElse(null));
        return node;
    }

    /** The ETag of a source's version, for If-Match on updates. */
    public static String etag(Source source) {
        return "\"" + source.version() + "\"";
    }

    public static Optional<Long> parseEtag(String value) {
        String trimmed = value.strip();
        if (trimmed.startsWith("W/")) {
            trimmed = trimmed.substring(2);
        }
        if (trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")) {
            trimmed = trimmed.substring(1, trimmed.length() - 1);
        }
        try {
            return Optional.of(Long.parseLong(trimmed));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
