package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;
import static dev.inlet.common.store.Attributes.strings;
import static dev.inlet.common.store.Attributes.time;

import dev.inlet.common.source.EventType;
import dev.inlet.common.source.KeyGrant;
import dev.inlet.common.source.Source;
import dev.inlet.common.source.SourceEnvironment;
import dev.inlet.common.source.SourceKey;
import dev.inlet.common.source.SourceStatus;
import dev.inlet.common.source.SourceType;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Mappers between {@link Source} and its two kinds of item: the source item (SourcesTable) and one item per live key
 * (WriteKeysTable), which repeats what ingestion needs so that a cold key lookup is a single GetItem.
 */
final class SourceItems {

    /** Ended keys stay readable this long, so they answer "key_expired" rather than "unknown key", then TTL purges them. */
    static final Duration PURGE_AFTER_END = Duration.ofDays(7);

    private SourceItems() {
    }

    static String createdKey(Source source) {
        return Attributes.sortable(source.createdAt()) + "#" + source.id();
    }

    static Map<String, AttributeValue> sourceItem(Source source) {
        Map<String, AttributeValue> item = new HashMap<>(adminOwnedAttributes(source));
        item.put("id", s(source.id()));
        item.put("project_id", s(source.projectId()));
        item.put("created_key", s(createdKey(source)));
        item.put("source_type", s(source.type().wireName()));
        item.put("created_at", time(source.createdAt()));
        source.description().ifPresent(d -> item.put("description", s(d)));
        source.rateLimitEps().ifPresent(r -> item.put("rate_limit_eps", n(r)));
        source.rateLimitBurst().ifPresent(b -> item.put("rate_limit_burst", n(b)));
        source.lastEventAt().ifPresent(t -> item.put("last_event_at", time(t)));
        return item;
    }

    /**
     * Attributes an admin change may rewrite (always present). Optional ones (description, rate limits) are
     * handled by the caller; last_event_at belongs to the stats aggregator and is never written here.
     */
    static Map<String, AttributeValue> adminOwnedAttributes(Source source) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("name", s(source.name()));
        item.put("environment", s(source.environment().wireName()));
        item.put("allowed_event_types", strings(eventTypes(source.allowedEventTypes())));
        item.put("allowed_origins", strings(source.allowedOrigins()));
        item.put("status", s(source.status().wireName()));
        item.put("updated_at", time(source.updatedAt()));
        item.put("version", n(source.version()));
        item.put("keys", AttributeValue.fromL(source.keys().stream().map(SourceItems::keyEntry).toList()));
        return item;
    }

    static Source fromItem(Map<String, AttributeValue> item) {
        return new Source(
                Attributes.string(item, "id"),
                Attributes.string(item, "project_id"),
                Attributes.string(item, "name"),
                SourceType.fromWire(Attributes.string(item, "source_type")).orElseThrow(),
                SourceEnvironment.fromWire(Attributes.string(item, "environment")).orElseThrow(),
                Attributes.optionalString(item, "description"),
                Attributes.optionalNumber(item, "rate_limit_eps").map(Long::intValue),
                Attributes.optionalNumber(item, "rate_limit_burst").map(Long::intValue),
                parseEventTypes(Attributes.stringList(item, "allowed_event_types")),
                Attributes.stringList(item, "allowed_origins"),
                SourceStatus.fromWire(Attributes.string(item, "status")).orElseThrow(),
                Attributes.instant(item, "created_at"),
                Attributes.instant(item, "updated_at"),
                Attributes.optionalInstant(item, "last_event_at"),
                Attributes.number(item, "version"),
                item.containsKey("keys") ? item.get("keys").l().stream().map(v -> keyFromEntry(v.m())).toList()
                        : List.of());
    }

    /** The key item: the key's own facts plus the source configuration ingestion enforces. */
    static Map<String, AttributeValue> keyItem(Source source, SourceKey key) {
        Map<String, AttributeValue> item = new HashMap<>(keyConfigAttributes(source));
        item.put("key_hash", s(key.hash()));
        item.put("key_id", s(key.id()));
        item.put("key_prefix", s(key.prefix()));
        item.put("source_id", s(source.id()));
        item.put("project_id", s(source.projectId()));
        item.put("source_type", s(source.type().wireName()));
        item.put("created_at", time(key.createdAt()));
        source.rateLimitEps().ifPresent(r -> item.put("rate_limit_eps", n(r)));
        source.rateLimitBurst().ifPresent(b -> item.put("rate_limit_burst", n(b)));
        key.expiresAt().ifPresent(at -> {
            item.put("expires_at", time(at));
            item.put(TableNames.WRITE_KEYS_TTL_ATTRIBUTE, n(purgeAt(at)));
        });
        return item;
    }

    /**
     * The source configuration repeated on each key item; rewritten on every change of the source. The optional
     * rate limits are set or removed by the caller.
     */
    static Map<String, AttributeValue> keyConfigAttributes(Source source) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("source_status", s(source.status().wireName()));
        item.put("environment", s(source.environment().wireName()));
        item.put("allowed_event_types", strings(eventTypes(source.allowedEventTypes())));
        item.put("allowed_origins", strings(source.allowedOrigins()));
        item.put("source_version", n(source.version()));
        return item;
    }

    static KeyGrant grantFromKeyItem(Map<String, AttributeValue> item) {
        return new KeyGrant(
                Attributes.string(item, "key_id"),
                Attributes.string(item, "key_prefix"),
                Attributes.string(item, "source_id"),
                Attributes.string(item, "project_id"),
                SourceType.fromWire(Attributes.string(item, "source_type")).orElseThrow(),
                SourceStatus.fromWire(Attributes.string(item, "source_status")).orElseThrow(),
                Attributes.optionalNumber(item, "rate_limit_eps").map(Long::intValue),
                Attributes.optionalNumber(item, "rate_limit_burst").map(Long::intValue),
                parseEventTypes(Attributes.stringList(item, "allowed_event_types")),
                Attributes.stringList(item, "allowed_origins"),
                Attributes.optionalInstant(item, "expires_at"),
                item.containsKey("revoked_at"));
    }

    static long purgeAt(Instant expiresAt) {
        return expiresAt.plus(PURGE_AFTER_END).getEpochSecond();
    }

    private static AttributeValue keyEntry(SourceKey key) {
        Map<String, AttributeValue> entry = new HashMap<>();
        entry.put("id", s(key.id()));
        entry.put("hash", s(key.hash()));
        entry.put("prefix", s(key.prefix()));
        entry.put("created_at", time(key.createdAt()));
        key.expiresAt().ifPresent(at -> entry.put("expires_at", time(at)));
        return AttributeValue.fromM(entry);
    }

    private static SourceKey keyFromEntry(Map<String, AttributeValue> entry) {
        return new SourceKey(
                Attributes.string(entry, "id"),
                Attributes.string(entry, "hash"),
                Attributes.string(entry, "prefix"),
                Attributes.instant(entry, "created_at"),
                Attributes.optionalInstant(entry, "expires_at"));
    }

    private static List<String> eventTypes(Set<EventType> types) {
        return types.stream().sorted().map(EventType::wireName).toList();
    }

    private static Set<EventType> parseEventTypes(List<String> names) {
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        names.forEach(name -> EventType.fromWire(name).ifPresent(types::add));
        return types;
    }
}
