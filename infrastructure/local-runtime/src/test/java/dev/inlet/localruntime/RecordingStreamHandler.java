package dev.inlet.localruntime;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;

/** A test stream handler: remembers every batch (and who it ran as) and answers whatever the test sets. */
public class RecordingStreamHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {

    final List<List<DynamodbStreamRecord>> batches = new CopyOnWriteArrayList<>();
    final BlockingQueue<List<DynamodbStreamRecord>> arrivals = new LinkedBlockingQueue<>();
    final List<Optional<String>> runningAs = new CopyOnWriteArrayList<>();
    /** Called with the batch and its number (1 for the first invocation); success by default. */
    volatile Responder responder = (records, invocation) -> StreamsEventResponse.builder().build();

    @FunctionalInterface
    interface Responder {
        StreamsEventResponse respond(List<DynamodbStreamRecord> records, int invocation) throws Exception;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        List<DynamodbStreamRecord> records = List.copyOf(event.getRecords());
        batches.add(records);
        arrivals.add(records);
        runningAs.add(CurrentInvocation.functionLogicalId());
        try {
            return responder.respond(records, batches.size());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    List<DynamodbStreamRecord> nextBatch() throws InterruptedException {
        List<DynamodbStreamRecord> batch = arrivals.poll(10, TimeUnit.SECONDS);
        if (batch == null) {
            throw new AssertionError("no batch arrived");
        }
        return batch;
    }

    List<Integer> batchSizes() {
        return batches.stream().map(List::size).toList();
    }

    /** Every delivered record's value of {@code attribute} (a string attribute of the new image), in order. */
    List<String> values(String attribute) {
        return batches.stream().flatMap(List::stream).map(record -> value(record, attribute)).toList();
    }

    static String value(DynamodbStreamRecord record, String attribute) {
        return record.getDynamodb().getNewImage().get(attribute).getS();
    }

    static StreamsEventResponse failing(String... sequenceNumbers) {
        return StreamsEventResponse.builder().withBatchItemFailures(List.of(sequenceNumbers).stream()
                .map(sequence -> StreamsEventResponse.BatchItemFailure.builder().withItemIdentifier(sequence).build())
                .toList()).build();
    }
}
