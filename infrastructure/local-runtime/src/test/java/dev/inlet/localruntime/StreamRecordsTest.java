package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** SDK v2 stream records into the events library's model, as Lambda delivers them. */
class StreamRecordsTest {

    private static final String STREAM = "arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2026-01-01T00:00:00.000";

    private static software.amazon.awssdk.services.dynamodb.model.AttributeValue s(String value) {
        return software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(value);
    }

    @Test
    void everyFieldLambdaDeliversIsSet() {
        Record record = Record.builder()
                .eventID("e1").eventName(OperationType.MODIFY).eventVersion("1.1").eventSource("aws:dynamodb")
                .awsRegion("ddblocal")
                .dynamodb(StreamRecord.builder()
                        .approximateCreationDateTime(Instant.parse("2026-03-04T05:06:07.890Z"))
                        .keys(Map.of("id", s("k1")))
                        .newImage(Map.of("id", s("k1"), "v", s("new")))
                        .oldImage(Map.of("id", s("k1"), "v", s("old")))
                        .sequenceNumber("000000000000000000042").sizeBytes(33L)
                        .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).build())
                .build();

        DynamodbStreamRecord lambda = StreamRecords.toLambda(record, STREAM, "eu-west-1");

        assertEquals("e1", lambda.getEventID());
        assertEquals("MODIFY", lambda.getEventName());
        assertEquals("1.1", lambda.getEventVersion());
        assertEquals("aws:dynamodb", lambda.getEventSource());
        assertEquals("eu-west-1", lambda.getAwsRegion(), "Lambda's region, not DynamoDB Local's 'ddblocal'");
        assertEquals(STREAM, lambda.getEventSourceARN());
        assertNull(lambda.getUserIdentity());
        var dynamodb = lambda.getDynamodb();
        assertEquals(Instant.parse("2026-03-04T05:06:07Z"), dynamodb.getApproximateCreationDateTime().toInstant(),
                "whole seconds, as Lambda delivers it");
        assertEquals("k1", dynamodb.getKeys().get("id").getS());
        assertEquals("new", dynamodb.getNewImage().get("v").getS());
        assertEquals("old", dynamodb.getOldImage().get("v").getS());
        assertEquals("000000000000000000042", dynamodb.getSequenceNumber());
        assertEquals(33L, dynamodb.getSizeBytes());
        assertEquals("NEW_AND_OLD_IMAGES", dynamodb.getStreamViewType());
    }

    @Test
    void imagesTheViewTypeLeavesOutStayNull() {
        Record keysOnly = Record.builder().eventID("e2").eventName(OperationType.REMOVE)
                .userIdentity(Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build())
                .dynamodb(StreamRecord.builder().keys(Map.of("id", s("k"))).sequenceNumber("7").sizeBytes(5L)
                        .streamViewType(StreamViewType.KEYS_ONLY).build())
                .build();
        DynamodbStreamRecord lambda = StreamRecords.toLambda(keysOnly, STREAM, "us-east-1");
        assertNull(lambda.getDynamodb().getNewImage());
        assertNull(lambda.getDynamodb().getOldImage());
        assertEquals("1.1", lambda.getEventVersion());
        assertEquals("Service", lambda.getUserIdentity().getType(), "TTL deletions name DynamoDB as their user");
        assertEquals("dynamodb.amazonaws.com", lambda.getUserIdentity().getPrincipalId());
    }

    @Test
    void everyAttributeTypeConverts() {
        var sdk = software.amazon.awssdk.services.dynamodb.model.AttributeValue.builder();
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item = Map.of(
                "s", s("text"),
                "n", sdk.n("1.5").build(),
                "b", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromB(SdkBytes.fromUtf8String("hi")),
                "ss", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromSs(List.of("a", "b")),
                "ns", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromNs(List.of("1", "2")),
                "bs", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromBs(
                        List.of(SdkBytes.fromUtf8String("x"))),
                "m", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromM(Map.of("inner", s("v"))),
                "l", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromL(List.of(s("first"))),
                "bool", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromBool(true),
                "null", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromNul(true));

        Map<String, AttributeValue> converted = StreamRecords.toLambda(item);

        assertEquals("text", converted.get("s").getS());
        assertEquals("1.5", converted.get("n").getN());
        ByteBuffer bytes = converted.get("b").getB();
        assertFalse(bytes.isReadOnly(), "Lambda's deserialised buffers are writable");
        assertArrayEquals("hi".getBytes(), bytes.array());
        assertEquals(List.of("a", "b"), converted.get("ss").getSS());
        assertEquals(List.of("1", "2"), converted.get("ns").getNS());
        assertEquals(1, converted.get("bs").getBS().size());
        assertEquals("v", converted.get("m").getM().get("inner").getS());
        assertEquals("first", converted.get("l").getL().getFirst().getS());
        assertTrue(converted.get("bool").getBOOL());
        assertTrue(converted.get("null").getNULL());
    }

    @Test
    void filterViewIsTheDeliveredJson() {
        Record record = Record.builder().eventID("e3").eventName(OperationType.INSERT)
                .dynamodb(StreamRecord.builder().approximateCreationDateTime(Instant.ofEpochSecond(1_700_000_000))
                        .keys(Map.of("id", s("k")))
                        .newImage(Map.of("id", s("k"), "blob", software.amazon.awssdk.services.dynamodb.model
                                .AttributeValue.fromB(SdkBytes.fromUtf8String("hi"))))
                        .sequenceNumber("9").sizeBytes(12L).streamViewType(StreamViewType.NEW_IMAGE).build())
                .build();
        Map<String, Object> view = StreamRecords.filterView(StreamRecords.toLambda(record, STREAM, "us-east-1"));

        assertEquals("INSERT", view.get("eventName"));
        assertEquals("aws:dynamodb", view.get("eventSource"));
        assertEquals(STREAM, view.get("eventSourceARN"));
        @SuppressWarnings("unchecked")
        Map<String, Object> dynamodb = (Map<String, Object>) view.get("dynamodb");
        assertEquals(Map.of("id", Map.of("S", "k")), dynamodb.get("Keys"));
        assertEquals(Map.of("id", Map.of("S", "k"), "blob", Map.of("B", "aGk=")), dynamodb.get("NewImage"));
        assertFalse(dynamodb.containsKey("OldImage"));
        assertEquals(new BigDecimal(1_700_000_000), dynamodb.get("ApproximateCreationDateTime"));
        assertEquals(12L, dynamodb.get("SizeBytes"));
        assertEquals("NEW_IMAGE", dynamodb.get("StreamViewType"));
    }
}
