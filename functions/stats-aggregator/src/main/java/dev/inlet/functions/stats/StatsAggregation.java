package dev.inlet.functions.stats;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.DebugSampleRepository;
import dev.inlet.common.store.SourceActivityRepository;
import dev.inlet.common.store.SourceStatsRepository;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns a batch of new events into hourly accepted counts per source, requests per key and hour (distinct request
 * ids), one last_event_at update per source, one last_used_at update per key, and the event debugger's accepted
 * entries ({@link AcceptedSamples}).
 *
 * <p>Counts are exact although Lambda delivers at least once (a reported failure, a timeout or a crash re-delivers
 * records, and with BisectBatchOnFunctionError in halves cut anywhere). The batch is walked in stream order in chunks
 * of at most {@link SourceStatsRepository#MAX_INCREMENTS} counters; each chunk's counters are applied in one
 * transaction together with a ledger item keyed by its first record ({@link SourceStatsRepository#addOnce}), so a
 * chunk is applied whole or not at all, and a re-delivery that starts where a chunk started finds the ledger item,
 * skips the records it covered and goes on from the next one. Re-deliveries start only there: at the batch's first
 * record or at the chunk that failed (the only records this class reports), or at a bisected half's first record,
 * which the preceding half marks when it ends inside an applied chunk ({@link SourceStatsRepository#markApplied}).
 * One transaction per chunk: one for a batch that touches at most 99 (source, hour) and (key, hour) counters.
 */
final class StatsAggregation {

    private static final Logger LOG = LoggerFactory.getLogger(StatsAggregation.class);

    /** A record's contribution: its counters (an hour slot, and a key-hour slot for a request's head). */
    private record Parsed(String id, String sequence, String sourceId, Instant receivedAt, String hour,
                          String keyId, boolean requestHead) {

        boolean counted() {
            return sourceId != null;
        }

        List<Slot> slots() {
            if (!counted()) {
                return List.of();
            }
            return keyId != null && requestHead
                    ? List.of(new Slot(sourceId, null, hour), new Slot(sourceId, keyId, hour))
                    : List.of(new Slot(sourceId, null, hour));
        }
    }

    /** A counter: the source's hour ({@code keyId} null) or a key's hour. */
    private record Slot(String sourceId, String keyId, String hour) {
    }

    private record KeyOf(String sourceId, String keyId) {
    }

    /** Records a ledger item may cover: bounds its size (ids are deflated, ~20 KB for 1,000). */
    static final int MAX_RECORDS_PER_CHUNK = 1_000;

    private final SourceStatsRepository stats;
    private final SourceActivityRepository sources;
    private final Optional<DebugSampleRepository> debugger;
    private final Clock clock;

    StatsAggregation(SourceStatsRepository stats, SourceActivityRepository sources,
                     Optional<DebugSampleRepository> debugger, Clock clock) {
        this.stats = stats;
        this.sources = sources;
        this.debugger = debugger;
        this.clock = clock;
    }

    /** Applies the batch; returns the sequence numbers to report as failed (empty when everything was applied). */
    List<String> apply(List<DynamodbStreamRecord> records) {
        List<Parsed> parsed = new ArrayList<>(records.size());
        Map<String, Instant> latest = new LinkedHashMap<>();
        Map<KeyOf, Instant> keyLatest = new LinkedHashMap<>();
        AcceptedSamples samples = new AcceptedSamples();
        for (DynamodbStreamRecord record : records) {
            Parsed one = parse(record);
            if (one.sequence() == null) {
                // Lambda always sends one; without it the record could not be reported, nor chunked stably.
                LOG.warn("Skipping a stream record without a sequence number");
                continue;
            }
            parsed.add(one);
            if (!one.counted()) {
                continue;
            }
            latest.merge(one.sourceId(), one.receivedAt(), (a, b) -> a.isAfter(b) ? a : b);
            if (one.keyId() != null) {
                keyLatest.merge(new KeyOf(one.sourceId(), one.keyId()), one.receivedAt(),
                        (a, b) -> a.isAfter(b) ? a : b);
            }
            sample(one.sourceId(), one.receivedAt(), record.getDynamodb().getNewImage()).ifPresent(samples::offer);
        }
        if (parsed.isEmpty()) {
            return List.of();
        }
        Optional<String> failed = applyCounts(parsed);
        // last_event_at and last_used_at only move forward, so writing them again on a re-delivery is harmless:
        // a failure re-delivers the batch from its first record, whose counters the ledger then skips.
        boolean setsFailed = false;
        for (Map.Entry<String, Instant> entry : latest.entrySet()) {
            try {
                sources.recordLastEvent(entry.getKey(), entry.getValue());
            } catch (SdkException e) {
                LOG.warn("Could not record last_event_at of source {}", entry.getKey(), e);
                setsFailed = true;
            }
        }
        for (Map.Entry<KeyOf, Instant> entry : keyLatest.entrySet()) {
            try {
                stats.recordKeyUse(entry.getKey().sourceId(), entry.getKey().keyId(), entry.getValue());
            } catch (SdkException e) {
                LOG.warn("Could not record the use of key {}", entry.getKey().keyId(), e);
                setsFailed = true;
            }
        }
        writeSamples(samples.chosen());
        if (setsFailed) {
            return List.of(parsed.get(0).sequence());
        }
        return failed.map(List::of).orElse(List.of());
    }

    /**
     * Walks the records in chunks, each applied at most once; returns the sequence number of the first record of the
     * chunk that could not be applied, from which Lambda is to re-deliver.
     */
    private Optional<String> applyCounts(List<Parsed> records) {
        int position = 0;
        while (position < records.size()) {
            int end = chunkEnd(records, position);
            List<Parsed> chunk = records.subList(position, end);
            List<String> ids = chunk.stream().map(Parsed::id).toList();
            Optional<List<String>> earlier;
            try {
                earlier = stats.addOnce(ids, increments(chunk), clock.instant());
            } catch (SdkException e) {
                LOG.warn("Could not apply the counts of {} stream records", chunk.size(), e);
                return Optional.of(records.get(position).sequence());
            }
            if (earlier.isEmpty()) {
                position = end;
                continue;
            }
            // An earlier delivery applied a chunk starting here: skip what it covered.
            List<String> covered = earlier.get();
            int matched = 0;
            while (matched < covered.size() && position + matched < records.size()
                    && covered.get(matched).equals(records.get(position + matched).id())) {
                matched++;
            }
            if (matched == 0) {
                LOG.warn("The ledger's chunk at stream record {} does not start with it", ids.get(0));
                return Optional.of(records.get(position).sequence());
            }
            if (position + matched == records.size() && matched < covered.size()) {
                // This batch ends inside that chunk (a bisected half): the next one starts at its next record.
                try {
                    stats.markApplied(covered.subList(matched, covered.size()), clock.instant());
                } catch (SdkException e) {
                    LOG.warn("Could not mark the rest of an applied chunk", e);
                    return Optional.of(records.get(position).sequence());
                }
            } else if (matched < covered.size()) {
                LOG.warn("The ledger's chunk at stream record {} differs from this batch after {} records",
                        ids.get(0), matched);
            }
            position += matched;
        }
        return Optional.empty();
    }

    /** The end (exclusive) of the chunk from {@code start}: as many records as keep it within one transaction. */
    private static int chunkEnd(List<Parsed> records, int start) {
        Set<Slot> slots = new HashSet<>();
        int end = start;
        while (end < records.size() && end - start < MAX_RECORDS_PER_CHUNK) {
            List<Slot> more = records.get(end).slots().stream().filter(slot -> !slots.contains(slot)).toList();
            if (slots.size() + more.size() > SourceStatsRepository.MAX_INCREMENTS) {
                break;
            }
            slots.addAll(more);
            end++;
        }
        return end;
    }

    private static List<SourceStatsRepository.Increment> increments(List<Parsed> chunk) {
        Map<Slot, Long> counts = new LinkedHashMap<>();
        for (Parsed record : chunk) {
            for (Slot slot : record.slots()) {
                counts.merge(slot, 1L, Long::sum);
            }
        }
        List<SourceStatsRepository.Increment> increments = new ArrayList<>(counts.size());
        counts.forEach((slot, count) -> increments.add(slot.keyId() == null
                ? SourceStatsRepository.Increment.accepted(slot.sourceId(), slot.hour(), count)
                // One event per request is its head: counting heads counts requests, whichever shard or stream
                // batch the request's other events land in.
                : SourceStatsRepository.Increment.keyRequests(slot.sourceId(), slot.keyId(), slot.hour(), count)));
        return increments;
    }

    private static Parsed parse(DynamodbStreamRecord record) {
        String sequence = record.getDynamodb() == null ? null : record.getDynamodb().getSequenceNumber();
        // eventID is globally unique; Lambda always sends it (the sequence number stands in for tests' records).
        String id = record.getEventID() != null ? record.getEventID() : "seq:" + sequence;
        if (!"INSERT".equals(record.getEventName()) || record.getDynamodb() == null
                || record.getDynamodb().getNewImage() == null) {
            return new Parsed(id, sequence, null, null, null, null, false);
        }
        Map<String, AttributeValue> image = record.getDynamodb().getNewImage();
        String sourceId = text(image, "source_id");
        Instant receivedAt = instant(text(image, "received_at"));
        if (sourceId == null || receivedAt == null) {
            LOG.warn("Skipping a stream record without source_id or received_at");
            return new Parsed(id, sequence, null, null, null, null, false);
        }
        AttributeValue head = image.get("request_head");
        return new Parsed(id, sequence, sourceId, receivedAt, SourceStatsRepository.hourOf(receivedAt),
                text(image, "key_id"), head != null && Boolean.TRUE.equals(head.getBOOL()));
    }

    /**
     * The debugger is best effort: a failed sample write is logged, never retried through the stream (a re-delivery
     * costs a ledger lookup per chunk for a sample nobody asked to keep).
     */
    private void writeSamples(List<DebugSample.Accepted> chosen) {
        if (debugger.isEmpty() || chosen.isEmpty()) {
            return;
        }
        try {
            int unwritten = debugger.get().putAll(chosen);
            if (unwritten > 0) {
                LOG.warn("{} of {} debugger samples stayed unprocessed", unwritten, chosen.size());
            }
        } catch (SdkException e) {
            LOG.warn("Could not write {} debugger samples", chosen.size(), e);
        }
    }

    private static Optional<DebugSample.Accepted> sample(String sourceId, Instant receivedAt,
                                                         Map<String, AttributeValue> image) {
        String messageId = text(image, "message_id");
        String type = text(image, "type");
        String payload = text(image, "payload");
        if (messageId == null || type == null || payload == null) {
            return Optional.empty();
        }
        return Optional.of(new DebugSample.Accepted(sourceId, receivedAt, messageId, type,
                Optional.ofNullable(text(image, "key_id")).orElse(""),
                Optional.ofNullable(text(image, "request_id")).orElse(""), payload));
    }

    private static String text(Map<String, AttributeValue> image, String name) {
        AttributeValue value = image.get(name);
        return value == null ? null : value.getS();
    }

    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
