package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.inlet.localaws.FunctionDefinition;
import dev.inlet.localaws.StreamEventSource;
import dev.inlet.localaws.StreamEventSource.StartingPosition;

/** Shard life cycles DynamoDB Local does not produce (splits, new shards, expired iterators), on {@link FakeStreams}. */
class StreamShardsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final FakeStreams streams = new FakeStreams();
    private final RecordingStreamHandler handler = new RecordingStreamHandler();
    private final List<StreamPoller> pollers = new ArrayList<>();

    @AfterEach
    void closePollers() {
        pollers.forEach(StreamPoller::close);
    }

    private StreamPoller start(StartingPosition startingPosition) {
        StreamEventSource source = new StreamEventSource("Consumer", "Fake", "Things", startingPosition, 100, 0, false,
                List.of());
        FunctionDefinition definition = new FunctionDefinition("Consumer", RecordingStreamHandler.class.getName(),
                "handleRequest", "", Map.of(), List.of(), List.of());
        StreamPoller poller = new StreamPoller(source, new LambdaFunction(definition, handler, "us-east-1"),
                FakeStreams.ARN, streams, Optional.empty(), "us-east-1", false);
        pollers.add(poller);
        poller.start();
        return poller;
    }

    @Test
    void aChildShardIsReadOnlyAfterItsParentEnds() {
        streams.addShard("child", "parent"); // listed first: order must come from the lineage, not the listing
        streams.addShard("parent", null);
        streams.append("parent", "p1");
        streams.append("child", "c1");
        StreamPoller poller = start(StartingPosition.TRIM_HORIZON);

        poller.awaitIdle(TIMEOUT);
        assertEquals(List.of("p1"), handler.values("v"));

        streams.append("parent", "p2");
        streams.close("parent");
        poller.awaitIdle(TIMEOUT);
        assertEquals(List.of("p1", "p2", "c1"), handler.values("v"));
    }

    @Test
    void shardsThatAppearLaterAreReadFromTheirStart() {
        streams.addShard("a", null);
        streams.addShard("b", null);
        streams.addShard("c", null); // three shards: DescribeStream takes two pages
        streams.append("a", "before start");
        StreamPoller poller = start(StartingPosition.LATEST);
        streams.append("c", "c1");

        streams.addShard("d", "a");
        streams.append("d", "d1");
        streams.append("d", "d2");
        streams.close("a");
        poller.awaitIdle(TIMEOUT);

        assertEquals(List.of("c1", "d1", "d2"), handler.values("v").stream().sorted().toList());
        assertTrue(streams.iteratorRequests().contains("TRIM_HORIZON d"), streams.iteratorRequests().toString());
        assertTrue(streams.iteratorRequests().contains("LATEST a"), streams.iteratorRequests().toString());
    }

    @Test
    void anExpiredIteratorResumesAfterTheLastRecordRead() {
        streams.addShard("a", null);
        streams.append("a", "a1");
        StreamPoller poller = start(StartingPosition.TRIM_HORIZON);
        poller.awaitIdle(TIMEOUT);

        streams.expireNextRead();
        streams.append("a", "a2");
        poller.awaitIdle(TIMEOUT);

        assertEquals(List.of("a1", "a2"), handler.values("v"), "nothing lost, nothing twice");
        assertTrue(streams.iteratorRequests().contains("AFTER_SEQUENCE_NUMBER a 000000000000000000001"),
                streams.iteratorRequests().toString());
    }
}
