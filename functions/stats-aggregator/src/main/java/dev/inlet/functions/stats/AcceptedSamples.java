package dev.inlet.functions.stats;

import dev.inlet.common.store.DebugSample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The accepted events of one stream batch that go to the event debugger: every event of a source that sends little,
 * and under load the newest {@link #PER_SOURCE_AND_TYPE} of each source and event type per batch, so a rare type is
 * not drowned by a frequent one. That bounds the debugger's writes per source to a few dozen per batch (about one
 * batch per second per shard), whatever the event rate.
 */
final class AcceptedSamples {

    static final int PER_SOURCE_AND_TYPE = 5;

    private record Slot(String sourceId, String type) {
    }

    private static final Comparator<DebugSample.Accepted> OLDEST_FIRST = Comparator
            .comparing(DebugSample.Accepted::at).thenComparing(DebugSample.Accepted::messageId);

    private final Map<Slot, PriorityQueue<DebugSample.Accepted>> newest = new HashMap<>();

    void offer(DebugSample.Accepted sample) {
        PriorityQueue<DebugSample.Accepted> kept = newest.computeIfAbsent(
                new Slot(sample.sourceId(), sample.type()), slot -> new PriorityQueue<>(OLDEST_FIRST));
        kept.add(sample);
        if (kept.size() > PER_SOURCE_AND_TYPE) {
            kept.poll(); // the oldest goes
        }
    }

    List<DebugSample.Accepted> chosen() {
        List<DebugSample.Accepted> all = new ArrayList<>();
        newest.values().forEach(all::addAll);
        all.sort(OLDEST_FIRST);
        return all;
    }
}
