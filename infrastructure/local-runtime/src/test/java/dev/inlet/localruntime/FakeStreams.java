package dev.inlet.localruntime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.SequenceNumberRange;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * An in-memory DynamoDB stream whose shards a test splits and closes at will, which DynamoDB Local never does.
 * DescribeStream pages two shards at a time; iterators are "shardId#position".
 */
final class FakeStreams implements DynamoDbStreamsClient {

    static final String ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/Fake/stream/2026-01-01T00:00:00.000";

    private static final class FakeShard {
        final String parent;
        final List<Record> records = new ArrayList<>();
        boolean closed;

        FakeShard(String parent) {
            this.parent = parent;
        }
    }

    private final Map<String, FakeShard> shards = new LinkedHashMap<>();
    private final List<String> iteratorRequests = new ArrayList<>();
    private long sequence;
    private int readsToExpire;

    synchronized void addShard(String shardId, String parentShardId) {
        shards.put(shardId, new FakeShard(parentShardId));
    }

    /** Appends an INSERT whose new image has {@code v = value}. */
    synchronized void append(String shardId, String value) {
        String number = String.format("%021d", ++sequence);
        Map<String, AttributeValue> image = Map.of("id", AttributeValue.fromS(value), "v", AttributeValue.fromS(value));
        shards.get(shardId).records.add(Record.builder().eventID("event-" + number).eventName(OperationType.INSERT)
                .eventVersion("1.1").eventSource("aws:dynamodb").awsRegion("us-east-1")
                .dynamodb(StreamRecord.builder().approximateCreationDateTime(Instant.now())
                        .keys(Map.of("id", image.get("id"))).newImage(image).sequenceNumber(number).sizeBytes(10L)
                        .streamViewType(StreamViewType.NEW_IMAGE).build())
                .build());
    }

    synchronized void close(String shardId) {
        shards.get(shardId).closed = true;
    }

    /** The next read with an iterator fails as an iterator unused for 15 minutes does. */
    synchronized void expireNextRead() {
        readsToExpire = 1;
    }

    synchronized List<String> iteratorRequests() {
        return List.copyOf(iteratorRequests);
    }

    @Override
    public synchronized DescribeStreamResponse describeStream(DescribeStreamRequest request) {
        List<String> ids = new ArrayList<>(shards.keySet());
        int from = request.exclusiveStartShardId() == null ? 0 : ids.indexOf(request.exclusiveStartShardId()) + 1;
        int to = Math.min(ids.size(), from + 2);
        List<Shard> page = new ArrayList<>();
        for (String id : ids.subList(from, to)) {
            page.add(Shard.builder().shardId(id).parentShardId(shards.get(id).parent)
                    .sequenceNumberRange(SequenceNumberRange.builder().startingSequenceNumber("1").build()).build());
        }
        return DescribeStreamResponse.builder().streamDescription(StreamDescription.builder().streamArn(ARN)
                .streamStatus(StreamStatus.ENABLED).shards(page)
                .lastEvaluatedShardId(to < ids.size() ? ids.get(to - 1) : null).build()).build();
    }

    @Override
    public synchronized GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
        iteratorRequests.add(request.shardIteratorTypeAsString() + " " + request.shardId()
                + (request.sequenceNumber() == null ? "" : " " + request.sequenceNumber()));
        List<Record> records = shards.get(request.shardId()).records;
        int position = switch (request.shardIteratorType()) {
            case TRIM_HORIZON -> 0;
            case LATEST -> records.size();
            case AFTER_SEQUENCE_NUMBER -> indexOf(records, request.sequenceNumber()) + 1;
            case AT_SEQUENCE_NUMBER -> indexOf(records, request.sequenceNumber());
            default -> throw new IllegalArgumentException(request.toString());
        };
        return GetShardIteratorResponse.builder().shardIterator(request.shardId() + "#" + position).build();
    }

    @Override
    public synchronized GetRecordsResponse getRecords(GetRecordsRequest request) {
        if (readsToExpire > 0) {
            readsToExpire--;
            throw ExpiredIteratorException.builder().message("Iterator expired (FakeStreams)").build();
        }
        String[] iterator = request.shardIterator().split("#");
        FakeShard shard = shards.get(iterator[0]);
        int from = Integer.parseInt(iterator[1]);
        int to = Math.min(shard.records.size(), from + (request.limit() == null ? 1000 : request.limit()));
        boolean ended = shard.closed && to == shard.records.size();
        return GetRecordsResponse.builder().records(List.copyOf(shard.records.subList(from, to)))
                .nextShardIterator(ended ? null : iterator[0] + "#" + to).build();
    }

    private static int indexOf(List<Record> records, String sequenceNumber) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).dynamodb().sequenceNumber().equals(sequenceNumber)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no record " + sequenceNumber);
    }

    @Override
    public String serviceName() {
        return "dynamodb";
    }

    @Override
    public void close() {
    }
}
