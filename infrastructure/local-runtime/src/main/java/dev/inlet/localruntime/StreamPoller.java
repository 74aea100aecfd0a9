package dev.inlet.localruntime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;

import dev.inlet.localaws.StreamEventSource;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Plays Lambda's event source mapping for one {@code Type: DynamoDB} event: one daemon thread reads every shard of the
 * table's stream (a child shard only after its parent, so each key's changes stay in order), drops the records the
 * FilterCriteria reject, gathers the rest per shard into batches of up to BatchSize records or
 * MaximumBatchingWindowInSeconds, and hands each batch to {@link BatchDelivery}, which invokes the function with a
 * {@code DynamodbEvent} through {@link LambdaFunction} (so the function's own DynamoDB calls are attributed to it by
 * {@link CurrentInvocation}, while the poller's stream reads are not) and handles failures and retries. After every
 * batch the shard's checkpoint moves past what is done ({@link StreamCheckpoints}: a file in the data directory).
 *
 * <p>Lag: an idle poller reads every {@value #POLL_INTERVAL_MILLIS} ms (Lambda polls 4 times a second too), and
 * DynamoDB Local makes a record readable as soon as its write returns. So a record reaches the handler at most poll
 * interval + batching window + the run time of the batches ahead of it after its write; shards that appear without a
 * parent ending are found within {@link StreamShards#REFRESH_INTERVAL}. For the template's mapping (5 s window) that
 * is about 5.3 s plus handler time, well under 60 s, while the handler succeeds; each failed attempt adds its backoff
 * (at most 1 s) and a discarded batch its retries.
 */
final class StreamPoller implements AutoCloseable {

    static final long POLL_INTERVAL_MILLIS = 250;
    /** Properties whose absence locally changes no record's delivery, only throughput or record age limits. */
    static final Set<String> IGNORED_LOCALLY = Set.of("ParallelizationFactor", "MaximumRecordAgeInSeconds",
            "MetricsConfig", "KmsKeyArn");
    /** Pages read from one shard per cycle before the others get a turn. */
    private static final int PAGES_PER_SHARD_PER_CYCLE = 10;
    private static final long TRANSIENT_ERROR_PAUSE_MILLIS = 1_000;

    private final StreamEventSource source;
    private final LambdaFunction function;
    private final StreamShards shards;
    private final EventFilter filter;
    private final BatchDelivery delivery;
    private final String region;
    private final Thread thread;

    private final Object signal = new Object();
    private boolean wakeRequested;
    private long drainRequested;
    private long drainedUpTo;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile String status = "starting";

    private final AtomicLong filtered = new AtomicLong();

    /** What a poller has done so far: records handed to the handler successfully, filtered out, discarded. */
    record Stats(long deliveredRecords, long filteredRecords, long discardedRecords) {
    }

    /**
     * Checks everything that could make the mapping misbehave, so a bad template fails at start-up.
     *
     * @param checkpointFile where to keep checkpoints; empty to keep them in memory
     * @throws IllegalStateException for properties the runtime cannot honour, a filter pattern it cannot evaluate, or
     *                               a handler that does not take a {@code DynamodbEvent}
     */
    StreamPoller(StreamEventSource source, LambdaFunction function, String streamArn, DynamoDbStreamsClient streams,
                 Optional<Path> checkpointFile, String region, boolean logBatches) {
        List<String> unsupported = source.unmodelledProperties().stream()
                .filter(property -> !IGNORED_LOCALLY.contains(property)).toList();
        if (!unsupported.isEmpty()) {
            throw new IllegalStateException(source.id() + ": the local runtime cannot honour " + unsupported
                    + " of a DynamoDB event source; remove them or teach StreamPoller");
        }
        if (!function.accepts(DynamodbEvent.class)) {
            throw new IllegalStateException(source.id() + ": the handler takes " + function.inputType().getName()
                    + ", but a DynamoDB event source delivers a " + DynamodbEvent.class.getName());
        }
        this.source = source;
        this.function = function;
        this.filter = EventFilter.compile(source.id() + ".FilterCriteria", source.filterPatterns());
        this.region = region;
        this.delivery = new BatchDelivery(source, function, streamArn, region, logBatches, () -> running,
                millis -> pause(millis, false));
        StreamCheckpoints checkpoints = checkpointFile
                .map(file -> StreamCheckpoints.inFile(file, streamArn))
                .orElseGet(() -> StreamCheckpoints.inMemory(streamArn));
        this.shards = new StreamShards(streams, streamArn, source.startingPosition(), checkpoints);
        this.thread = new Thread(this::run, "inlet-stream-" + source.id());
        this.thread.setDaemon(true); // never keeps the JVM alive; close() still joins it
        source.unmodelledProperties().forEach(property -> System.err.println(log(property
                + " is ignored locally: it changes throughput or record age limits, not what is delivered")));
    }

    StreamEventSource source() {
        return source;
    }

    String streamArn() {
        return shards.streamArn();
    }

    Stats stats() {
        return new Stats(delivery.delivered.get(), filtered.get(), delivery.discarded.get());
    }

    /** What Lambda would have sent the on-failure destination for each discarded batch (JSON), oldest first. */
    List<String> failureDocuments() {
        return List.copyOf(delivery.failureDocuments);
    }

    /** Lists the shards and takes their iterators now (LATEST means "from start()"), then polls in the background. */
    void start() {
        shards.refresh();
        shards.acquireIterators();
        thread.start();
    }

    /**
     * Returns once every record written to the stream before this call has been delivered (or filtered out, or
     * discarded after its retries). Batching windows end early for it, as if the batches had filled.
     *
     * @throws IllegalStateException on timeout (saying what the poller is doing), or if the poller has stopped
     */
    void awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (signal) {
            long target = ++drainRequested;
            wakeRequested = true;
            signal.notifyAll();
            while (drainedUpTo < target) {
                if (failure != null) {
                    throw new IllegalStateException(source.id() + " stopped: " + failure, failure);
                }
                if (!running || !thread.isAlive()) {
                    throw new IllegalStateException(source.id() + " is not running");
                }
                long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (remainingMillis <= 0) {
                    throw new IllegalStateException(source.id() + " not idle after " + timeout + ": " + status);
                }
                try {
                    signal.wait(remainingMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for " + source.id(), e);
                }
            }
        }
    }

    /** Stops polling and joins the thread; a batch being delivered is left undone, so it comes again next start. */
    @Override
    public void close() {
        running = false;
        synchronized (signal) {
            wakeRequested = true;
            signal.notifyAll();
        }
        if (!thread.isAlive()) {
            return;
        }
        try {
            thread.join(2_000);
            if (thread.isAlive()) { // a handler still running: interrupt its waits, give it its Timeout to end
                thread.interrupt();
                thread.join(function.definition().timeoutSeconds() * 1_000L + 1_000);
            }
            if (thread.isAlive()) {
                System.err.println(log("did not stop; leaving the daemon thread behind"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (running) {
                long target;
                synchronized (signal) {
                    target = drainRequested;
                }
                boolean draining = target > drainedUpTo;
                boolean busy;
                try {
                    busy = cycle(draining);
                } catch (ResourceNotFoundException gone) {
                    System.err.println(log("not found: " + gone.getMessage() + "; listing the shards again"));
                    pause(TRANSIENT_ERROR_PAUSE_MILLIS, false);
                    shards.refresh(); // throws again, stopping the poller, if the stream itself is gone
                    continue;
                } catch (SdkException transientError) {
                    if (!running) {
                        break;
                    }
                    status = "retrying after " + transientError;
                    System.err.println(log("reading the stream failed, retrying in "
                            + TRANSIENT_ERROR_PAUSE_MILLIS + " ms: " + transientError));
                    pause(TRANSIENT_ERROR_PAUSE_MILLIS, false);
                    continue;
                }
                if (!busy && caughtUp()) {
                    status = "idle";
                    if (draining) {
                        synchronized (signal) {
                            drainedUpTo = target;
                            signal.notifyAll();
                        }
                    }
                }
                if (!busy) {
                    pause(nextWakeMillis(), true);
                }
            }
        } catch (InterruptedException closing) {
            // close() ends the loop
        } catch (RuntimeException | Error fatal) {
            failure = fatal;
            status = "stopped: " + fatal;
            System.err.println(log("stopped: " + fatal));
            fatal.printStackTrace();
        } finally {
            try {
                shards.saveCheckpoints();
            } catch (RuntimeException e) {
                System.err.println(log("could not save checkpoints: " + e));
            }
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    /** One pass over the readable shards: read, filter, deliver what is ready, checkpoint. @return whether anything moved */
    private boolean cycle(boolean draining) throws InterruptedException {
        boolean busy = false;
        if (draining || shards.refreshDue()) {
            busy = shards.refresh();
        }
        for (ShardCursor shard : shards.readable()) {
            shard.caughtUp = false;
            for (int page = 0; page < PAGES_PER_SHARD_PER_CYCLE && running; page++) {
                if (shard.pending.size() >= source.batchSize()) {
                    break; // deliver before reading more, so a failing batch does not pile up records behind it
                }
                status = "reading " + shard.shardId;
                List<Record> records = shards.read(shard);
                if (records.isEmpty()) {
                    shard.caughtUp = true;
                    break;
                }
                busy = true;
                accept(shard, records);
                busy |= deliverReady(shard, draining);
            }
            busy |= deliverReady(shard, draining);
            boolean wasFinished = shard.finished();
            shards.checkpoint(shard);
            busy |= wasFinished;
            if (!running) {
                break;
            }
        }
        shards.saveCheckpoints();
        return busy;
    }

    private void accept(ShardCursor shard, List<Record> records) {
        for (Record record : records) {
            String before = shard.lastRead;
            String sequence = record.dynamodb().sequenceNumber();
            shard.lastRead = sequence;
            DynamodbStreamRecord lambda = StreamRecords.toLambda(record, shards.streamArn(), region);
            if (filter.matches(StreamRecords.filterView(lambda))) {
                shard.add(lambda, sequence, before);
            } else {
                filtered.incrementAndGet();
            }
        }
    }

    private boolean deliverReady(ShardCursor shard, boolean draining) throws InterruptedException {
        boolean delivered = false;
        while (running && !shard.pending.isEmpty()) {
            boolean full = shard.pending.size() >= delivery.nextBatchSize(shard);
            boolean windowOver = System.nanoTime() - shard.batchStartedNanos
                    >= source.maximumBatchingWindowSeconds() * 1_000_000_000L;
            if (!(full || windowOver || draining || shard.closed)) {
                break;
            }
            status = "delivering " + Math.min(shard.pending.size(), delivery.nextBatchSize(shard)) + " records of "
                    + shard.shardId + (shard.failedAttempts > 0 ? " (retry " + shard.failedAttempts + ")" : "");
            delivery.deliverOldest(shard);
            delivered = true;
            shard.batchStartedNanos = System.nanoTime(); // the next batch gathers for its own window
            shards.checkpoint(shard);
            shards.saveCheckpoints();
        }
        return delivered;
    }

    /** Nothing pending and nothing unread, except in children still waiting for their (caught-up) parent. */
    private boolean caughtUp() {
        return shards.readable().stream().allMatch(shard -> shard.caughtUp && shard.pending.isEmpty());
    }

    /** Until the next poll, or the end of the earliest batching window, whichever comes first. */
    private long nextWakeMillis() {
        long wake = POLL_INTERVAL_MILLIS;
        for (ShardCursor shard : shards.unfinished()) {
            if (!shard.pending.isEmpty()) {
                long windowEnd = shard.batchStartedNanos + source.maximumBatchingWindowSeconds() * 1_000_000_000L;
                wake = Math.min(wake, Math.max(1, (windowEnd - System.nanoTime()) / 1_000_000));
            }
        }
        return wake;
    }

    /** Waits {@code millis}; close() always cuts it short, a drain request only when {@code wakeOnRequest}. */
    private void pause(long millis, boolean wakeOnRequest) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        synchronized (signal) {
            while (running && !(wakeOnRequest && wakeRequested)) {
                long remaining = (deadline - System.nanoTime()) / 1_000_000;
                if (remaining <= 0) {
                    break;
                }
                signal.wait(remaining);
            }
            if (wakeOnRequest) {
                wakeRequested = false;
            }
        }
        if (!running) {
            throw new InterruptedException("closing");
        }
    }

    private String log(String message) {
        return "[" + source.id() + " <- " + source.tableLogicalId() + " stream] " + message;
    }
}
