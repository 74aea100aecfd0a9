package dev.inlet.bench;

import dev.inlet.common.http.Json;
import dev.inlet.common.store.BenchItems;
import dev.inlet.common.store.EventStore;
import dev.inlet.common.store.StoredEvent;
import dev.inlet.localruntime.LocalRuntime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Figure 4: events per second through the local runtime's HTTP front in batches of 100 from a concurrent client,
 * beside raw {@code BatchWriteItem} of the same items (25 per call, as the API allows) into the same DynamoDB Local
 * from the same number of threads. Phases alternate (raw, front, raw, front) so that drift hits both alike.
 */
public final class Throughput {

    public static final int BATCH = 100;

    /** Events per second, summed over the phases of each kind. */
    public record Result(int threads, double frontEventsPerSecond, double rawEventsPerSecond, long frontEvents,
                         long rawEvents, long refusedRequests) {
    }

    private final LocalRuntime runtime;
    private final AdminApi admin;

    public Throughput(LocalRuntime runtime, AdminApi admin) {
        this.runtime = runtime;
        this.admin = admin;
    }

    /** @param phaseSeconds each of the four measured phases; one short warm-up phase of each kind comes first */
    public Result run(int threads, int phaseSeconds) throws Exception {
        AdminApi.Source source = admin.createSource("throughput", 100_000);
        String table = runtime.tableName("EventsTable");
        DynamoDbClient dynamo = runtime.dynamoDb();
        AtomicLong refused = new AtomicLong();
        AtomicLong sequence = new AtomicLong();
        Phase front = prefix -> {
            int status = admin.track("/v1/batch", source, TrackingBodies.body(prefix, BATCH));
            if (status != 200) {
                refused.incrementAndGet();
                return 0;
            }
            return BATCH;
        };
        Phase raw = prefix -> {
            List<StoredEvent> events = storedEvents(source.id(), prefix);
            for (int from = 0; from < events.size(); from += EventStore.BATCH_WRITE_LIMIT) {
                List<WriteRequest> pending = new ArrayList<>();
                for (StoredEvent event : events.subList(from, from + EventStore.BATCH_WRITE_LIMIT)) {
                    pending.add(WriteRequest.builder().putRequest(PutRequest.builder()
                            .item(BenchItems.item(event)).build()).build());
                }
                while (!pending.isEmpty()) {
                    List<WriteRequest> batch = pending;
                    BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, batch)));
                    pending = response.unprocessedItems().getOrDefault(table, List.of());
                }
            }
            return BATCH;
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            Duration warmUp = Duration.ofSeconds(Math.max(1, phaseSeconds / 2));
            drive(pool, threads, raw, warmUp, sequence);
            drive(pool, threads, front, warmUp, sequence);
            refused.set(0);
            long frontEvents = 0;
            long rawEvents = 0;
            double frontSeconds = 0;
            double rawSeconds = 0;
            for (int round = 0; round < 2; round++) {
                long started = System.nanoTime();
                rawEvents += drive(pool, threads, raw, Duration.ofSeconds(phaseSeconds), sequence);
                rawSeconds += (System.nanoTime() - started) / 1e9;
                started = System.nanoTime();
                frontEvents += drive(pool, threads, front, Duration.ofSeconds(phaseSeconds), sequence);
                frontSeconds += (System.nanoTime() - started) / 1e9;
            }
            return new Result(threads, frontEvents / frontSeconds, rawEvents / rawSeconds, frontEvents, rawEvents,
                    refused.get());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One request of a phase: writes a batch whose messageIds start with the prefix, returns the events written. */
    @FunctionalInterface
    private interface Phase {
        int send(String prefix) throws Exception;
    }

    /** Runs {@code threads} loops of {@code phase} until {@code duration} is over; each finishes its request. */
    private static long drive(ExecutorService pool, int threads, Phase phase, Duration duration, AtomicLong sequence)
            throws Exception {
        long deadline = System.nanoTime() + duration.toNanos();
        List<Future<Long>> loops = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            loops.add(pool.submit(() -> {
                long events = 0;
                while (System.nanoTime() < deadline) {
                    events += phase.send("tp-" + sequence.incrementAndGet());
                }
                return events;
            }));
        }
        long events = 0;
        for (Future<Long> loop : loops) {
            events += loop.get();
        }
        return events;
    }

    /** The items ingestion would store for that batch: the same payloads, with messageId and receivedAt added. */
    private static List<StoredEvent> storedEvents(String sourceId, String prefix) {
        Instant now = Instant.now();
        List<StoredEvent> events = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            String messageId = prefix + "-" + i;
            var payload = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(TrackingBodies.event(messageId));
            payload.put("receivedAt", now.toString());
            events.add(new StoredEvent(sourceId, "default", "key_raw", prefix, i == 0, messageId, "track", now,
                    Json.write(payload), now.plus(Duration.ofDays(7))));
        }
        return events;
    }
}
