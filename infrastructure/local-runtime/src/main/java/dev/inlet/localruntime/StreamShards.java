package dev.inlet.localruntime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.inlet.localaws.StreamEventSource.StartingPosition;

import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The shards of one stream as one mapping reads them: new shards found by DescribeStream, a child read only after its
 * parent is done (so a key's changes stay in order across a split), iterators (re)acquired from the checkpoint, and
 * checkpoints kept per shard. Used by one poller thread only.
 */
final class StreamShards {

    /** How often DescribeStream looks for new shards while no shard has ended. */
    static final Duration REFRESH_INTERVAL = Duration.ofSeconds(2);
    /** GetRecords' maximum. */
    static final int PAGE_LIMIT = 1000;

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final StartingPosition startingPosition;
    private final StreamCheckpoints checkpoints;
    private final Map<String, ShardCursor> unfinished = new LinkedHashMap<>();
    private final Set<String> finished = new HashSet<>();
    private boolean listedOnce;
    private boolean shardEndedSinceRefresh;
    private long refreshedAtNanos;

    StreamShards(DynamoDbStreamsClient streams, String streamArn, StartingPosition startingPosition,
                 StreamCheckpoints checkpoints) {
        this.streams = streams;
        this.streamArn = streamArn;
        this.startingPosition = startingPosition;
        this.checkpoints = checkpoints;
    }

    String streamArn() {
        return streamArn;
    }

    boolean refreshDue() {
        return shardEndedSinceRefresh || System.nanoTime() - refreshedAtNanos >= REFRESH_INTERVAL.toNanos();
    }

    /** Lists the stream's shards; @return whether a shard was added or dropped */
    boolean refresh() {
        List<Shard> listed = describeAllShards();
        Set<String> ids = new HashSet<>();
        boolean changed = false;
        for (Shard shard : listed) {
            ids.add(shard.shardId());
            if (unfinished.containsKey(shard.shardId()) || finished.contains(shard.shardId())) {
                continue;
            }
            ShardCursor cursor = new ShardCursor(shard.shardId(), shard.parentShardId(), !listedOnce);
            cursor.lastRead = checkpoints.get(shard.shardId()).orElse(null);
            unfinished.put(shard.shardId(), cursor);
            changed = true;
        }
        // A shard the stream no longer lists was trimmed (24 hours after it ended): nothing left to read there.
        changed |= unfinished.keySet().retainAll(ids);
        finished.retainAll(ids);
        checkpoints.retainOnly(ids);
        listedOnce = true;
        shardEndedSinceRefresh = false;
        refreshedAtNanos = System.nanoTime();
        return changed;
    }

    /** Gets an iterator for every shard that has none, so LATEST means "from now", not "from the first read". */
    void acquireIterators() {
        for (ShardCursor shard : unfinished.values()) {
            if (shard.iterator == null && !shard.closed) {
                shard.iterator = acquire(shard);
            }
        }
    }

    /** Unfinished shards whose parent is done (or unknown: trimmed, or from before the stream was enabled). */
    List<ShardCursor> readable() {
        return unfinished.values().stream()
                .filter(shard -> shard.parentShardId == null || !unfinished.containsKey(shard.parentShardId))
                .toList();
    }

    List<ShardCursor> unfinished() {
        return List.copyOf(unfinished.values());
    }

    /** One GetRecords page (empty when there is nothing new); marks the shard closed when it has ended. */
    List<Record> read(ShardCursor shard) {
        if (shard.closed) {
            return List.of();
        }
        for (int attempt = 1; ; attempt++) {
            try {
                if (shard.iterator == null) {
                    shard.iterator = acquire(shard);
                }
                String iterator = shard.iterator;
                var page = streams.getRecords(request -> request.shardIterator(iterator).limit(PAGE_LIMIT));
                shard.iterator = page.nextShardIterator();
                if (shard.iterator == null) {
                    shard.closed = true;
                    shardEndedSinceRefresh = true;
                }
                return page.records();
            } catch (ExpiredIteratorException expired) { // unused for 15 minutes: resume after the last read
                shard.iterator = null;
                if (attempt > 1) {
                    throw expired;
                }
            } catch (TrimmedDataAccessException trimmed) {
                // Before the first record, DynamoDB Local also says this while that record's write is committing
                // (its latest and earliest sequence numbers disagree for a moment): nothing is lost then.
                if (shard.lastRead != null) {
                    System.err.println("[" + streamArn + "] shard " + shard.shardId + ": records after "
                            + shard.lastRead + " were trimmed before they were read; going on from the oldest left");
                }
                shard.iterator = null;
                shard.restartAtTrimHorizon = true;
                if (attempt > 1) {
                    throw trimmed;
                }
            }
        }
    }

    /** Records everything up to the shard's checkpoint as done; a finished shard leaves the reading set. */
    void checkpoint(ShardCursor shard) {
        shard.checkpoint().ifPresent(sequence -> checkpoints.put(shard.shardId, sequence));
        if (shard.finished()) {
            unfinished.remove(shard.shardId);
            finished.add(shard.shardId);
        }
    }

    void saveCheckpoints() {
        checkpoints.save();
    }

    private String acquire(ShardCursor shard) {
        GetShardIteratorRequest.Builder request = GetShardIteratorRequest.builder()
                .streamArn(streamArn).shardId(shard.shardId);
        if (shard.restartAtTrimHorizon) {
            request.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            shard.restartAtTrimHorizon = false;
        } else if (shard.lastRead != null) {
            request.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(shard.lastRead);
        } else if (shard.presentAtStart && startingPosition == StartingPosition.LATEST) {
            request.shardIteratorType(ShardIteratorType.LATEST);
        } else {
            request.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
        }
        return streams.getShardIterator(request.build()).shardIterator();
    }

    private List<Shard> describeAllShards() {
        List<Shard> shards = new ArrayList<>();
        String startAfter = null;
        do {
            String exclusiveStart = startAfter;
            StreamDescription description = streams.describeStream(request -> request.streamArn(streamArn)
                    .exclusiveStartShardId(exclusiveStart)).streamDescription();
            shards.addAll(description.shards());
            startAfter = description.lastEvaluatedShardId();
        } while (startAfter != null);
        return shards;
    }
}
