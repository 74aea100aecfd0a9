package dev.inlet.localruntime;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;

/** Where one mapping is in one shard, and the records it read there but has not delivered yet (one poller thread). */
final class ShardCursor {

    /**
     * A record waiting for delivery. {@code checkpointBefore} is the last sequence number read before it (records
     * filtered out in between included): where the checkpoint goes while this record is the oldest undelivered one.
     */
    record Pending(DynamodbStreamRecord record, String sequenceNumber, String checkpointBefore) {
    }

    final String shardId;
    final String parentShardId;
    /** Listed when the mapping started: only such shards start at LATEST; later ones (children) at TRIM_HORIZON. */
    final boolean presentAtStart;

    String iterator;
    /** The sequence number of the last record read (or the checkpoint it resumed from); null before any. */
    String lastRead;
    boolean restartAtTrimHorizon;
    /** GetRecords returned no next iterator: the shard has ended and every record of it has been read. */
    boolean closed;
    /** The last read of this polling cycle found no records: nothing older than the cycle is left unread here. */
    boolean caughtUp;

    final Deque<Pending> pending = new ArrayDeque<>();
    /** When the batch now gathering started (System.nanoTime), for MaximumBatchingWindowInSeconds. */
    long batchStartedNanos;
    /** Failed invocations whose batch started at the current oldest pending record. */
    int failedAttempts;
    /** While a failed batch is being bisected: the size of the next batches, and how many records the split covers. */
    int bisectedBatchSize;
    int bisectedRecordsLeft;

    ShardCursor(String shardId, String parentShardId, boolean presentAtStart) {
        this.shardId = shardId;
        this.parentShardId = parentShardId;
        this.presentAtStart = presentAtStart;
    }

    void add(DynamodbStreamRecord record, String sequenceNumber, String checkpointBefore) {
        if (pending.isEmpty()) {
            batchStartedNanos = System.nanoTime();
        }
        pending.addLast(new Pending(record, sequenceNumber, checkpointBefore));
    }

    /** The position every record up to which is done: before the oldest pending record, else the last one read. */
    Optional<String> checkpoint() {
        return Optional.ofNullable(pending.isEmpty() ? lastRead : pending.peekFirst().checkpointBefore());
    }

    /** Records of a bisected batch were handled (delivered or discarded); past the split, batches are whole again. */
    void handled(int records) {
        bisectedRecordsLeft = Math.max(0, bisectedRecordsLeft - records);
    }

    boolean finished() {
        return closed && pending.isEmpty();
    }
}
