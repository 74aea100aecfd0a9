package dev.inlet.common.store;

import static dev.inlet.common.store.Attributes.n;
import static dev.inlet.common.store.Attributes.s;

import dev.inlet.common.source.AuditEntry;
import dev.inlet.common.source.Source;
import dev.inlet.common.source.SourceKey;
import dev.inlet.common.source.SourceStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Sources and their key items. Every change is one TransactWriteItems conditional on the source's version, so the
 * source item and the key items that repeat its configuration never disagree, and of two concurrent changes one
 * wins and the other gets a {@link VersionConflict}.
 */
public final class SourceRepository {

    /** Attribute marking a source whose revocation is under way (see {@link #markRevoking}). */
    static final String REVOKING = "revoking_since";

    private static final int MAX_READS_PER_PAGE = 20;

    private final DynamoDbClient dynamo;
    private final String sourcesTable;
    private final String keysTable;
    private final AuditRepository audit;

    public SourceRepository(DynamoDbClient dynamo, String sourcesTable, String keysTable, AuditRepository audit) {
        this.dynamo = dynamo;
        this.sourcesTable = sourcesTable;
        this.keysTable = keysTable;
        this.audit = audit;
    }

    /** Writes a new source, its first key and its first audit entry; fails if the source or key exists. */
    public void create(Source source, AuditEntry created) {
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().put(Put.builder()
                .tableName(sourcesTable)
                .item(SourceItems.sourceItem(source))
                .conditionExpression("attribute_not_exists(id)")
                .build()).build());
        source.keys().forEach(key -> writes.add(putKey(source, key)));
        writes.add(audit.put(created));
        try {
            transact(writes, "Source " + source.id() + " already exists");
        } catch (VersionConflict e) {
            throw new IllegalStateException("A new source or key id collided: " + source.id(), e);
        }
    }

    public Optional<Source> find(String id) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b
                .tableName(sourcesTable)
                .key(Map.of("id", s(id)))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(SourceItems.fromItem(item));
    }

    /**
     * Replaces {@code previous} with {@code next} if nobody changed it since it was read, in one transaction: the
     * source item, a Put for each new key, the repeated configuration on each live key, an immediate end for keys
     * {@code next} dropped (marked revoked when {@code revokeDroppedKeys}), and the audit entry of the change.
     */
    public void save(Source previous, Source next, Instant now, AuditEntry change, boolean revokeDroppedKeys) {
        List<TransactWriteItem> writes = new ArrayList<>();
        Update source = new Update()
                .set(SourceItems.adminOwnedAttributes(next))
                .setOrRemove("description", next.description().map(Attributes::s).orElse(null))
                .setOrRemove("rate_limit_eps", next.rateLimitEps().map(Attributes::n).orElse(null))
                .setOrRemove("rate_limit_burst", next.rateLimitBurst().map(Attributes::n).orElse(null));
        // While a revocation is under way (markRevoking) only the revocation itself may change the source.
        String versionMatches = source.name("version") + " = " + source.value(n(previous.version()))
                + (next.status() == SourceStatus.REVOKED ? "" : " AND attribute_not_exists(" + REVOKING + ")");
        writes.add(TransactWriteItem.builder().update(u -> u
                .tableName(sourcesTable)
                .key(Map.of("id", s(next.id())))
                .updateExpression(source.expression())
                .conditionExpression(versionMatches)
                .expressionAttributeNames(source.names())
                .expressionAttributeValues(source.values())).build());

        Set<String> previousKeys = previous.keys().stream().map(SourceKey::id).collect(Collectors.toSet());
        Set<String> nextKeys = next.keys().stream().map(SourceKey::id).collect(Collectors.toSet());
        for (SourceKey key : next.keys()) {
            if (!previousKeys.contains(key.id())) {
                writes.add(putKey(next, key));
            } else if (key.isLiveAt(now)) {
                writes.add(updateKey(next, key));
            }
        }
        for (SourceKey key : previous.keys()) {
            if (!nextKeys.contains(key.id()) && key.isLiveAt(now)) {
                writes.add(revokeDroppedKeys ? revokeKey(next, key.expiringAt(now), now)
                        : updateKey(next, key.expiringAt(now)));
            }
        }
        writes.add(audit.put(change));
        transact(writes, "Source " + next.id() + " was changed by another request");
    }

    /**
     * The first step of a revocation: marks the source so that from now on every change but the revocation itself
     * fails its condition. Without it, a stream of changes (a leaked admin token patching in a loop) could keep a
     * revocation's versioned write losing forever; with it, the revocation competes only with changes already in
     * flight. A source already revoked, or gone, is left as it is.
     */
    public void markRevoking(String id, Instant now) {
        try {
            dynamo.updateItem(b -> b.tableName(sourcesTable)
                    .key(Map.of("id", s(id)))
                    .updateExpression("SET #revoking = :now")
                    .conditionExpression("attribute_exists(id) AND #status <> :revoked")
                    .expressionAttributeNames(Map.of("#revoking", REVOKING, "#status", "status"))
                    .expressionAttributeValues(Map.of(":now", Attributes.time(now),
                            ":revoked", s(SourceStatus.REVOKED.wireName()))));
        } catch (ConditionalCheckFailedException alreadyRevokedOrGone) {
            // Nothing to mark: the revocation's own write decides what happens next.
        }
    }

    /**
     * A page of sources, newest first within a project (or in table order across projects when {@code projectId}
     * is empty), filtered, continuing after {@code after} (a key from a previous page).
     */
    public Page<Source> list(Optional<String> projectId, SourceFilter filter, int limit,
                             Optional<Map<String, String>> after) {
        List<Source> found = new ArrayList<>();
        Map<String, AttributeValue> start = after.map(SourceRepository::toKey).orElse(null);
        Map<String, String> lastReturned = null;
        boolean more = false;
        int reads = 0;
        do {
            List<Map<String, AttributeValue>> items;
            Map<String, AttributeValue> lastEvaluated;
            if (projectId.isPresent()) {
                QueryResponse response = dynamo.query(query(projectId.get(), filter, limit, start));
                items = response.items();
                lastEvaluated = response.hasLastEvaluatedKey() ? response.lastEvaluatedKey() : Map.of();
            } else {
                ScanResponse response = dynamo.scan(scan(filter, limit, start));
                items = response.items();
                lastEvaluated = response.hasLastEvaluatedKey() ? response.lastEvaluatedKey() : Map.of();
            }
            for (Map<String, AttributeValue> item : items) {
                if (found.size() == limit) {
                    more = true;
                    break;
                }
                Source source = SourceItems.fromItem(item);
                found.add(source);
                lastReturned = projectId.isPresent()
                        ? Map.of("id", source.id(), "project_id", source.projectId(),
                        "created_key", SourceItems.createdKey(source))
                        : Map.of("id", source.id());
            }
            start = lastEvaluated.isEmpty() ? null : lastEvaluated;
            reads++;
        } while (!more && found.size() < limit && start != null && reads < MAX_READS_PER_PAGE);

        Optional<Map<String, String>> next;
        if (more || (found.size() == limit && start != null)) {
            next = Optional.of(lastReturned);
        } else if (start != null) {
            next = Optional.of(fromKey(start)); // read budget spent on filtered-out items: continue from there
        } else {
            next = Optional.empty();
        }
        return new Page<>(found, next);
    }

    private QueryRequest query(String projectId, SourceFilter filter, int limit, Map<String, AttributeValue> start) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        names.put("#project", "project_id");
        values.put(":project", s(projectId));
        QueryRequest.Builder request = QueryRequest.builder()
                .tableName(sourcesTable)
                .indexName(TableNames.BY_PROJECT_INDEX)
                .keyConditionExpression("#project = :project")
                .scanIndexForward(false)
                .limit(filter.isEmpty() ? limit + 1 : 100)
                .exclusiveStartKey(start);
        filterExpression(filter, names, values).ifPresent(request::filterExpression);
        return request.expressionAttributeNames(names).expressionAttributeValues(values).build();
    }

    private ScanRequest scan(SourceFilter filter, int limit, Map<String, AttributeValue> start) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        ScanRequest.Builder request = ScanRequest.builder()
                .tableName(sourcesTable)
                .consistentRead(true)
                .limit(filter.isEmpty() ? limit + 1 : 100)
                .exclusiveStartKey(start);
        filterExpression(filter, names, values).ifPresent(request::filterExpression);
        if (!names.isEmpty()) {
            request.expressionAttributeNames(names).expressionAttributeValues(values);
        }
        return request.build();
    }

    private static Optional<String> filterExpression(SourceFilter filter, Map<String, String> names,
                                                     Map<String, AttributeValue> values) {
        List<String> terms = new ArrayList<>();
        filter.status().ifPresent(v -> terms.add(equal("status", v.wireName(), names, values)));
        filter.type().ifPresent(v -> terms.add(equal("source_type", v.wireName(), names, values)));
        filter.environment().ifPresent(v -> terms.add(equal("environment", v.wireName(), names, values)));
        filter.inactiveSince().ifPresent(cutoff -> {
            names.put("#last_event_at", "last_event_at");
            values.put(":inactive_since", Attributes.time(cutoff));
            terms.add("(attribute_not_exists(#last_event_at) OR #last_event_at < :inactive_since)");
        });
        return terms.isEmpty() ? Optional.empty() : Optional.of(String.join(" AND ", terms));
    }

    private static String equal(String attribute, String value, Map<String, String> names,
                                Map<String, AttributeValue> values) {
        names.put("#" + attribute, attribute);
        values.put(":" + attribute, s(value));
        return "#" + attribute + " = :" + attribute;
    }

    private TransactWriteItem putKey(Source source, SourceKey key) {
        return TransactWriteItem.builder().put(Put.builder()
                .tableName(keysTable)
                .item(SourceItems.keyItem(source, key))
                .conditionExpression("attribute_not_exists(key_hash)")
                .build()).build();
    }

    private TransactWriteItem updateKey(Source source, SourceKey key) {
        return updateKey(source, key, new Update());
    }

    private TransactWriteItem revokeKey(Source source, SourceKey key, Instant now) {
        return updateKey(source, key, new Update().set("revoked_at", Attributes.time(now)));
    }

    private TransactWriteItem updateKey(Source source, SourceKey key, Update update) {
        update
                .set(SourceItems.keyConfigAttributes(source))
                .setOrRemove("rate_limit_eps", source.rateLimitEps().map(Attributes::n).orElse(null))
                .setOrRemove("rate_limit_burst", source.rateLimitBurst().map(Attributes::n).orElse(null))
                .setOrRemove("expires_at", key.expiresAt().map(Attributes::time).orElse(null))
                .setOrRemove(TableNames.WRITE_KEYS_TTL_ATTRIBUTE,
                        key.expiresAt().map(at -> n(SourceItems.purgeAt(at))).orElse(null));
        return TransactWriteItem.builder().update(u -> u
                .tableName(keysTable)
                .key(Map.of("key_hash", s(key.hash())))
                .updateExpression(update.expression())
                .conditionExpression("attribute_exists(key_hash)")
                .expressionAttributeNames(update.names())
                .expressionAttributeValues(update.values())).build();
    }

    private void transact(List<TransactWriteItem> writes, String conflictMessage) {
        try {
            dynamo.transactWriteItems(b -> b.transactItems(writes));
        } catch (TransactionCanceledException e) {
            // Only the source item's own condition (the first write) means "changed meanwhile". A failed condition
            // on a key item means the items disagree: a bug or a partial restore, not something to retry.
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            String sourceReason = reasons.isEmpty() ? null : reasons.get(0).code();
            boolean keyConflict = reasons.stream().skip(1).anyMatch(r -> "TransactionConflict".equals(r.code()));
            if ("ConditionalCheckFailed".equals(sourceReason) || "TransactionConflict".equals(sourceReason)
                    || keyConflict) {
                throw new VersionConflict(conflictMessage);
            }
            throw new IllegalStateException("A source transaction was cancelled: " + reasons.stream()
                    .map(CancellationReason::code).toList(), e);
        }
    }

    private static Map<String, AttributeValue> toKey(Map<String, String> key) {
        Map<String, AttributeValue> out = new HashMap<>();
        key.forEach((name, value) -> out.put(name, s(value)));
        return out;
    }

    private static Map<String, String> fromKey(Map<String, AttributeValue> key) {
        Map<String, String> out = new HashMap<>();
        key.forEach((name, value) -> out.put(name, value.s()));
        return out;
    }
}
