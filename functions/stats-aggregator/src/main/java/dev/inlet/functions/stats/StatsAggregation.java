package dev.inlet.functions.stats;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import dev.inlet.common.store.DebugSample;
import dev.inlet.common.store.DebugSampleRepository;
import dev.inlet.common.store.SourceActivityRepository;
import dev.inlet.common.store.SourceStatsRepository;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns a batch of new events into one counter ADD per (source, hour), one last_event_at update per source, per
 * key one requests ADD per hour (distinct request ids) and one last_used_at update, and the event debugger's
 * accepted entries ({@link AcceptedSamples}).
 *
 * <p>Delivery is at least once: when a write fails, the batch is reported failed from its earliest unapplied record
 * and Lambda re-delivers from there, so counters already added for later records of that retried span are added
 * again. The over-count is bounded by one batch (≤ 1,000 events, the template's BatchSize) per aggregator failure;
 * with no failures, counts are exact, because a retried ingestion request overwrites its item (MODIFY, filtered out).
 */
final class StatsAggregation {

    private static final Logger LOG = LoggerFactory.getLogger(StatsAggregation.class);

    private record Hourly(String sourceId, String hour) {
    }

    private record KeyHourly(String sourceId, String keyId, String hour) {
    }

    private record KeyOf(String sourceId, String keyId) {
    }

    private static final class Tally {
        long count;
        BigInteger firstSequence;
        String firstSequenceText;

        void add(String sequence) {
            count++;
            BigInteger value = new BigInteger(sequence);
            if (firstSequence == null || value.compareTo(firstSequence) < 0) {
                firstSequence = value;
                firstSequenceText = sequence;
            }
        }
    }

    private final SourceStatsRepository stats;
    private final SourceActivityRepository sources;
    private final Optional<DebugSampleRepository> debugger;

    StatsAggregation(SourceStatsRepository stats, SourceActivityRepository sources,
                     Optional<DebugSampleRepository> debugger) {
        this.stats = stats;
        this.sources = sources;
        this.debugger = debugger;
    }

    /** Applies the batch; returns the sequence numbers to report as failed (empty when everything was applied). */
    List<String> apply(List<DynamodbStreamRecord> records) {
        Map<Hourly, Tally> hourly = new LinkedHashMap<>();
        Map<String, Instant> latest = new LinkedHashMap<>();
        Map<String, Tally> bySource = new LinkedHashMap<>();
        Map<KeyHourly, Long> keyRequests = new LinkedHashMap<>();
        Map<KeyHourly, Tally> keyTallies = new LinkedHashMap<>();
        Map<KeyOf, Instant> keyLatest = new LinkedHashMap<>();
        AcceptedSamples samples = new AcceptedSamples();
        for (DynamodbStreamRecord record : records) {
            if (!"INSERT".equals(record.getEventName()) || record.getDynamodb() == null
                    || record.getDynamodb().getNewImage() == null) {
                continue;
            }
            Map<String, AttributeValue> image = record.getDynamodb().getNewImage();
            String sourceId = text(image, "source_id");
            Instant receivedAt = instant(text(image, "received_at"));
            String sequence = record.getDynamodb().getSequenceNumber();
            if (sourceId == null || receivedAt == null || sequence == null) {
                LOG.warn("Skipping a stream record without source_id, received_at or sequence number");
                continue;
            }
            hourly.computeIfAbsent(new Hourly(sourceId, SourceStatsRepository.hourOf(receivedAt)), k -> new Tally())
                    .add(sequence);
            bySource.computeIfAbsent(sourceId, k -> new Tally()).add(sequence);
            latest.merge(sourceId, receivedAt, (a, b) -> a.isAfter(b) ? a : b);
            String keyId = text(image, "key_id");
            if (keyId != null) {
                KeyHourly slot = new KeyHourly(sourceId, keyId, SourceStatsRepository.hourOf(receivedAt));
                // One event per request is its head: counting heads counts requests, whichever shard or stream
                // batch the request's other events land in.
                AttributeValue head = image.get("request_head");
                if (head != null && Boolean.TRUE.equals(head.getBOOL())) {
                    keyRequests.merge(slot, 1L, Long::sum);
                    keyTallies.computeIfAbsent(slot, k -> new Tally()).add(sequence);
                }
                keyLatest.merge(new KeyOf(sourceId, keyId), receivedAt, (a, b) -> a.isAfter(b) ? a : b);
            }
            sample(sourceId, receivedAt, image).ifPresent(samples::offer);
        }
        BigInteger earliestFailure = null;
        String earliestFailureText = null;
        for (Map.Entry<Hourly, Tally> entry : hourly.entrySet()) {
            try {
                stats.addAccepted(entry.getKey().sourceId(), entry.getKey().hour(), entry.getValue().count);
            } catch (SdkException e) {
                LOG.warn("Could not add {} events to source {} hour {}", entry.getValue().count,
                        entry.getKey().sourceId(), entry.getKey().hour(), e);
                if (earliestFailure == null || entry.getValue().firstSequence.compareTo(earliestFailure) < 0) {
                    earliestFailure = entry.getValue().firstSequence;
                    earliestFailureText = entry.getValue().firstSequenceText;
                }
            }
        }
        for (Map.Entry<String, Instant> entry : latest.entrySet()) {
            try {
                sources.recordLastEvent(entry.getKey(), entry.getValue());
            } catch (SdkException e) {
                LOG.warn("Could not record last_event_at of source {}", entry.getKey(), e);
                Tally tally = bySource.get(entry.getKey());
                if (earliestFailure == null || tally.firstSequence.compareTo(earliestFailure) < 0) {
                    earliestFailure = tally.firstSequence;
                    earliestFailureText = tally.firstSequenceText;
                }
            }
        }
        for (Map.Entry<KeyHourly, Long> entry : keyRequests.entrySet()) {
            KeyHourly slot = entry.getKey();
            try {
                stats.addKeyRequests(slot.sourceId(), slot.keyId(), slot.hour(), entry.getValue());
            } catch (SdkException e) {
                LOG.warn("Could not add requests of key {} hour {}", slot.keyId(), slot.hour(), e);
                Tally tally = keyTallies.get(slot);
                if (earliestFailure == null || tally.firstSequence.compareTo(earliestFailure) < 0) {
                    earliestFailure = tally.firstSequence;
                    earliestFailureText = tally.firstSequenceText;
                }
            }
        }
        for (Map.Entry<KeyOf, Instant> entry : keyLatest.entrySet()) {
            try {
                stats.recordKeyUse(entry.getKey().sourceId(), entry.getKey().keyId(), entry.getValue());
            } catch (SdkException e) {
                // last_used_at is a convenience that the next batch moves forward anyway: not worth a retry.
                LOG.warn("Could not record the use of key {}", entry.getKey().keyId(), e);
            }
        }
        writeSamples(samples.chosen());
        return earliestFailureText == null ? List.of() : List.of(earliestFailureText);
    }

    /**
     * The debugger is best effort: a failed sample write is logged, never retried through the stream, because a
     * re-delivered batch would count its events again.
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
