package dev.inlet.localruntime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.inlet.localaws.StreamEventSource;

/**
 * Invokes a function with a shard's oldest pending records and handles the outcome as Lambda's event source mapping
 * does. A handler that throws (or overruns its Timeout) gets the batch again; with BisectBatchOnFunctionError the
 * batch is first halved down to single records, which costs no retry. With ReportBatchItemFailures the records
 * before the first reported one are done and the rest is retried. Retries back off from {@value #FIRST_BACKOFF_MILLIS}
 * to {@value #MAX_BACKOFF_MILLIS} ms. When they run out the batch is discarded, and the document Lambda would send
 * to the on-failure destination is logged (there is no SQS or SNS locally) and kept for tests.
 *
 * <p>Lambda retries until the records expire (MaximumRetryAttempts -1, its default); locally
 * {@value #LOCAL_DEFAULT_RETRIES} retries then, and never more than {@value #LOCAL_MAX_RETRIES}, so a broken handler
 * cannot wedge a shard for a day.
 */
final class BatchDelivery {

    static final long FIRST_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 1_000;
    static final int LOCAL_DEFAULT_RETRIES = 3;
    static final int LOCAL_MAX_RETRIES = 10;
    private static final int KEPT_FAILURE_DOCUMENTS = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Waits between retries; the poller's version returns early (throwing) when it is closed. */
    @FunctionalInterface
    interface Pause {
        void pause(long millis) throws InterruptedException;
    }

    private final StreamEventSource source;
    private final LambdaFunction function;
    private final String streamArn;
    private final String region;
    private final boolean logBatches;
    private final BooleanSupplier running;
    private final Pause pause;
    private final int retryLimit;

    final AtomicLong delivered = new AtomicLong();
    final AtomicLong discarded = new AtomicLong();
    final List<String> failureDocuments = new CopyOnWriteArrayList<>();

    BatchDelivery(StreamEventSource source, LambdaFunction function, String streamArn, String region,
                  boolean logBatches, BooleanSupplier running, Pause pause) {
        this.source = source;
        this.function = function;
        this.streamArn = streamArn;
        this.region = region;
        this.logBatches = logBatches;
        this.running = running;
        this.pause = pause;
        this.retryLimit = source.maximumRetryAttempts() == StreamEventSource.RETRY_UNTIL_EXPIRED
                ? LOCAL_DEFAULT_RETRIES : Math.min(source.maximumRetryAttempts(), LOCAL_MAX_RETRIES);
    }

    int retryLimit() {
        return retryLimit;
    }

    /** Size of the next batch: BatchSize, or the current half while a failed batch is being bisected. */
    int nextBatchSize(ShardCursor shard) {
        return shard.bisectedRecordsLeft > 0
                ? Math.min(shard.bisectedBatchSize, shard.bisectedRecordsLeft) : source.batchSize();
    }

    void deliverOldest(ShardCursor shard) throws InterruptedException {
        List<ShardCursor.Pending> batch = shard.pending.stream().limit(nextBatchSize(shard)).toList();
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(new ArrayList<>(batch.stream().map(ShardCursor.Pending::record).toList()));
        long start = System.nanoTime();
        int done;
        String problem = null;
        boolean functionError = false;
        try {
            Object response = function.invokeWith(event);
            done = source.reportBatchItemFailures() ? BatchItemFailures.firstFailed(response, batch) : batch.size();
            if (done < batch.size()) {
                problem = "reported records from " + batch.get(done).sequenceNumber() + " as failed";
            }
        } catch (Exception | Error e) {
            if (!running.getAsBoolean()) {
                return; // interrupted by close(): the batch stays undone and comes again next start
            }
            done = 0;
            functionError = true;
            problem = "failed: " + e;
            if (!(e instanceof LambdaFunction.FunctionTimeoutException)) {
                e.printStackTrace();
            }
        }
        complete(shard, done);
        if (problem == null) {
            shard.failedAttempts = 0;
            if (logBatches) {
                log(batch.size() + " records delivered (" + (System.nanoTime() - start) / 1_000_000 + " ms)");
            }
            return;
        }
        if (functionError && source.bisectBatchOnFunctionError() && batch.size() > 1) {
            shard.bisectedBatchSize = (batch.size() + 1) / 2;
            shard.bisectedRecordsLeft = batch.size();
            log(batch.size() + " records: " + problem + "; splitting the batch in two (no retry used)");
            return;
        }
        shard.failedAttempts = done > 0 ? 1 : shard.failedAttempts + 1;
        if (shard.failedAttempts > retryLimit) {
            discard(shard, problem, functionError);
            return;
        }
        long backoff = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << (shard.failedAttempts - 1));
        log(batch.size() + " records: " + problem + "; retry " + shard.failedAttempts + " of " + retryLimit
                + " in " + backoff + " ms");
        pause.pause(backoff);
    }

    private void complete(ShardCursor shard, int records) {
        for (int i = 0; i < records; i++) {
            shard.pending.removeFirst();
        }
        shard.handled(records);
        delivered.addAndGet(records);
    }

    private void discard(ShardCursor shard, String problem, boolean functionError) {
        List<ShardCursor.Pending> batch = shard.pending.stream().limit(nextBatchSize(shard)).toList();
        for (int i = 0; i < batch.size(); i++) {
            shard.pending.removeFirst();
        }
        shard.handled(batch.size());
        discarded.addAndGet(batch.size());
        String document = failureDocument(shard, batch, functionError, shard.failedAttempts);
        shard.failedAttempts = 0;
        if (failureDocuments.size() < KEPT_FAILURE_DOCUMENTS) {
            failureDocuments.add(document);
        }
        log(batch.size() + " records: " + problem + "; " + retryLimit + " retries used, DISCARDING them. "
                + source.onFailureDestination().map(destination -> "Lambda would send " + destination + ": " + document)
                        .orElse("No on-failure destination: Lambda would drop them too."));
    }

    /** What Lambda sends an on-failure destination for a DynamoDB stream batch: metadata, not the records. */
    private String failureDocument(ShardCursor shard, List<ShardCursor.Pending> batch, boolean functionError,
                                   int invocations) {
        ObjectNode document = JSON.createObjectNode();
        ObjectNode request = document.putObject("requestContext");
        request.put("requestId", UUID.randomUUID().toString());
        request.put("functionArn", "arn:aws:lambda:" + region + ":" + LocalLambdaContext.ACCOUNT_ID + ":function:"
                + function.definition().logicalId());
        request.put("condition", "RetryAttemptsExhausted");
        request.put("approximateInvokeCount", invocations);
        ObjectNode response = document.putObject("responseContext");
        response.put("statusCode", 200);
        response.put("executedVersion", "$LATEST");
        if (functionError) {
            response.put("functionError", "Unhandled");
        }
        document.put("version", "1.0");
        document.put("timestamp", Instant.now().toString());
        ObjectNode info = document.putObject("DDBStreamBatchInfo");
        info.put("shardId", shard.shardId);
        info.put("startSequenceNumber", batch.getFirst().sequenceNumber());
        info.put("endSequenceNumber", batch.getLast().sequenceNumber());
        info.put("approximateArrivalOfFirstRecord", arrival(batch.getFirst().record()));
        info.put("approximateArrivalOfLastRecord", arrival(batch.getLast().record()));
        info.put("batchSize", batch.size());
        info.put("streamArn", streamArn);
        return document.toString();
    }

    private static String arrival(DynamodbStreamRecord record) {
        Date created = record.getDynamodb().getApproximateCreationDateTime();
        return created == null ? null : created.toInstant().toString();
    }

    private void log(String message) {
        System.err.println("[" + source.id() + " <- " + source.tableLogicalId() + " stream] " + message);
    }
}
