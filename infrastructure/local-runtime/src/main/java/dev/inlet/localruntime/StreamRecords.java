package dev.inlet.localruntime;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.Identity;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType;

import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * DynamoDB stream records (SDK v2 model) as Lambda delivers them in a {@code DynamodbEvent} (the events library's
 * own model), and as the JSON that event filtering sees. Lambda sets {@code eventSource}, {@code awsRegion} and
 * {@code eventSourceARN} itself, and delivers {@code ApproximateCreationDateTime} in whole seconds.
 */
final class StreamRecords {

    static final String EVENT_SOURCE = "aws:dynamodb";
    static final String EVENT_VERSION = "1.1";

    private StreamRecords() {
    }

    static DynamodbStreamRecord toLambda(Record record, String streamArn, String region) {
        DynamodbStreamRecord lambda = new DynamodbStreamRecord();
        lambda.setEventID(record.eventID());
        lambda.setEventName(record.eventNameAsString());
        lambda.setEventVersion(record.eventVersion() == null ? EVENT_VERSION : record.eventVersion());
        lambda.setEventSource(EVENT_SOURCE);
        lambda.setAwsRegion(region);
        lambda.setEventSourceARN(streamArn);
        if (record.userIdentity() != null) { // TTL deletions: {type: Service, principalId: dynamodb.amazonaws.com}
            Identity identity = new Identity();
            identity.setType(record.userIdentity().type());
            identity.setPrincipalId(record.userIdentity().principalId());
            lambda.setUserIdentity(identity);
        }
        var change = record.dynamodb();
        StreamRecord dynamodb = new StreamRecord();
        if (change.approximateCreationDateTime() != null) {
            dynamodb.setApproximateCreationDateTime(
                    Date.from(change.approximateCreationDateTime().truncatedTo(ChronoUnit.SECONDS)));
        }
        if (change.hasKeys()) {
            dynamodb.setKeys(toLambda(change.keys()));
        }
        if (change.hasNewImage()) {
            dynamodb.setNewImage(toLambda(change.newImage()));
        }
        if (change.hasOldImage()) {
            dynamodb.setOldImage(toLambda(change.oldImage()));
        }
        dynamodb.setSequenceNumber(change.sequenceNumber());
        dynamodb.setSizeBytes(change.sizeBytes());
        if (change.streamViewTypeAsString() != null) {
            dynamodb.setStreamViewType(StreamViewType.fromValue(change.streamViewTypeAsString()));
        }
        lambda.setDynamodb(dynamodb);
        return lambda;
    }

    static Map<String, AttributeValue> toLambda(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        Map<String, AttributeValue> converted = new LinkedHashMap<>();
        item.forEach((name, value) -> converted.put(name, toLambda(value)));
        return converted;
    }

    static AttributeValue toLambda(software.amazon.awssdk.services.dynamodb.model.AttributeValue value) {
        AttributeValue converted = new AttributeValue();
        switch (value.type()) {
            case S -> converted.setS(value.s());
            case N -> converted.setN(value.n());
            case B -> converted.setB(ByteBuffer.wrap(value.b().asByteArray())); // writable, as Lambda's
            case SS -> converted.setSS(new ArrayList<>(value.ss()));
            case NS -> converted.setNS(new ArrayList<>(value.ns()));
            case BS -> converted.setBS(value.bs().stream().map(bytes -> ByteBuffer.wrap(bytes.asByteArray())).toList());
            case M -> converted.setM(toLambda(value.m()));
            case L -> converted.setL(value.l().stream().map(StreamRecords::toLambda).toList());
            case BOOL -> converted.setBOOL(value.bool());
            case NUL -> converted.setNULL(value.nul());
            default -> throw new IllegalArgumentException("attribute value of an unknown type: " + value);
        }
        return converted;
    }

    /** The record as the JSON Lambda delivers (and filters), as maps, lists, strings, numbers and booleans. */
    static Map<String, Object> filterView(DynamodbStreamRecord record) {
        Map<String, Object> view = new LinkedHashMap<>();
        putIfSet(view, "eventID", record.getEventID());
        putIfSet(view, "eventName", record.getEventName());
        putIfSet(view, "eventVersion", record.getEventVersion());
        putIfSet(view, "eventSource", record.getEventSource());
        putIfSet(view, "awsRegion", record.getAwsRegion());
        putIfSet(view, "eventSourceARN", record.getEventSourceARN());
        if (record.getUserIdentity() != null) {
            Map<String, Object> identity = new LinkedHashMap<>();
            putIfSet(identity, "type", record.getUserIdentity().getType());
            putIfSet(identity, "principalId", record.getUserIdentity().getPrincipalId());
            view.put("userIdentity", identity);
        }
        StreamRecord change = record.getDynamodb();
        if (change != null) {
            Map<String, Object> dynamodb = new LinkedHashMap<>();
            if (change.getApproximateCreationDateTime() != null) {
                dynamodb.put("ApproximateCreationDateTime",
                        BigDecimal.valueOf(change.getApproximateCreationDateTime().toInstant().getEpochSecond()));
            }
            putIfSet(dynamodb, "Keys", item(change.getKeys()));
            putIfSet(dynamodb, "NewImage", item(change.getNewImage()));
            putIfSet(dynamodb, "OldImage", item(change.getOldImage()));
            putIfSet(dynamodb, "SequenceNumber", change.getSequenceNumber());
            putIfSet(dynamodb, "SizeBytes", change.getSizeBytes());
            putIfSet(dynamodb, "StreamViewType", change.getStreamViewType());
            view.put("dynamodb", dynamodb);
        }
        return view;
    }

    private static Map<String, Object> item(Map<String, AttributeValue> item) {
        if (item == null) {
            return null;
        }
        Map<String, Object> json = new LinkedHashMap<>();
        item.forEach((name, value) -> json.put(name, json(value)));
        return json;
    }

    /** DynamoDB JSON: {@code {"S": "x"}}, {@code {"N": "5"}} (numbers stay strings), binary as base64. */
    private static Map<String, Object> json(AttributeValue value) {
        Map<String, Object> json = new LinkedHashMap<>();
        putIfSet(json, "S", value.getS());
        putIfSet(json, "N", value.getN());
        if (value.getB() != null) {
            json.put("B", base64(value.getB()));
        }
        putIfSet(json, "SS", value.getSS());
        putIfSet(json, "NS", value.getNS());
        if (value.getBS() != null) {
            json.put("BS", value.getBS().stream().map(StreamRecords::base64).toList());
        }
        putIfSet(json, "M", item(value.getM()));
        if (value.getL() != null) {
            json.put("L", value.getL().stream().map(StreamRecords::json).toList());
        }
        putIfSet(json, "BOOL", value.getBOOL());
        putIfSet(json, "NULL", value.getNULL());
        return json;
    }

    private static String base64(ByteBuffer bytes) {
        ByteBuffer copy = bytes.duplicate();
        byte[] array = new byte[copy.remaining()];
        copy.get(array);
        return Base64.getEncoder().encodeToString(array);
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
