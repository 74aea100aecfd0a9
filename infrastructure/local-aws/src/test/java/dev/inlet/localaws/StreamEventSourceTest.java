package dev.inlet.localaws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.inlet.localaws.StreamEventSource.StartingPosition;

/** {@code Type: DynamoDB} events read from the template into {@link StreamEventSource}s. */
class StreamEventSourceTest {

    private static final SamTemplate TEMPLATE = SamTemplate.locate();
    private static final List<String> STREAM_READ_ACTIONS = List.of("dynamodb:DescribeStream", "dynamodb:GetRecords",
            "dynamodb:GetShardIterator", "dynamodb:ListStreams");

    private static SamTemplate withEvent(String properties) {
        return SamTemplate.parse("""
                Resources:
                  Things:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                      KeySchema: [{AttributeName: id, KeyType: HASH}]
                      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
                  Counter:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: example.Counter::handleRequest
                      Events:
                        Api:
                          Type: HttpApi
                          Properties: {Path: /x, Method: GET}
                        Changes:
                          Type: DynamoDB
                          Properties:
                """ + properties.indent(12));
    }

    @Test
    void theTemplatesStatsAggregatorReadsTheEventsStream() {
        StreamEventSource source = TEMPLATE.function("StatsAggregatorFunction").streamEventSources().getFirst();
        assertEquals(new StreamEventSource("StatsAggregatorFunction", "EventsStream", "EventsTable",
                StartingPosition.TRIM_HORIZON, 1000, 5, true, List.of("{\"eventName\": [\"INSERT\"]}"), 5, true,
                Optional.of("StatsDeadLetterQueue"), true, List.of()), source);
        assertEquals("StatsAggregatorFunction.EventsStream", source.id());
        assertTrue(TEMPLATE.streamEventSources().contains(source));
        assertEquals(Optional.of("NEW_IMAGE"), TEMPLATE.table("EventsTable").streamViewType());
    }

    @Test
    void everyStreamSourceOfTheTemplateReadsAStreamItsTableHas() {
        for (StreamEventSource source : TEMPLATE.streamEventSources()) {
            assertTrue(TEMPLATE.table(source.tableLogicalId()).streamViewType().isPresent(),
                    source.id() + ": " + source.tableLogicalId() + " needs a StreamSpecification");
        }
    }

    /** AWS refuses to create the mapping unless the function's role may read the stream. */
    @Test
    void everyStreamSourceFunctionMayReadItsStream() {
        for (StreamEventSource source : TEMPLATE.streamEventSources()) {
            Object stream = Map.of("Fn::GetAtt", List.of(source.tableLogicalId(), "StreamArn"));
            List<PolicyStatement> statements = TEMPLATE.function(source.functionLogicalId()).policyStatements();
            for (String action : STREAM_READ_ACTIONS) {
                assertTrue(statements.stream().anyMatch(statement -> statement.isAllow()
                                && statement.actions().contains(action) && statement.resources().contains(stream)),
                        source.functionLogicalId() + " needs " + action + " on " + source.tableLogicalId() + ".StreamArn");
            }
        }
    }

    /** Lambda sends a discarded batch's description with the function's role: it needs sqs:SendMessage. */
    @Test
    void everyOnFailureQueueMayBeSentTo() {
        for (StreamEventSource source : TEMPLATE.streamEventSources()) {
            Optional<String> queue = source.onFailureDestination()
                    .filter(id -> TEMPLATE.resourceType(id).filter("AWS::SQS::Queue"::equals).isPresent());
            queue.ifPresent(id -> assertTrue(TEMPLATE.function(source.functionLogicalId()).policyStatements().stream()
                    .anyMatch(statement -> statement.isAllow() && statement.actions().contains("sqs:SendMessage")
                            && statement.resources().contains(Map.of("Fn::GetAtt", List.of(id, "Arn")))),
                    source.functionLogicalId() + " needs sqs:SendMessage on " + id));
        }
    }

    @Test
    void absentPropertiesTakeLambdasDefaults() {
        FunctionDefinition counter = withEvent("""
                Stream: !GetAtt Things.StreamArn
                StartingPosition: LATEST
                """).function("Counter");
        assertEquals(1, counter.routes().size(), "HttpApi events stay routes");
        assertEquals(List.of(new StreamEventSource("Counter", "Changes", "Things", StartingPosition.LATEST,
                100, 0, false, List.of())), counter.streamEventSources());
        StreamEventSource source = counter.streamEventSources().getFirst();
        assertEquals(StreamEventSource.RETRY_UNTIL_EXPIRED, source.maximumRetryAttempts());
        assertFalse(source.bisectBatchOnFunctionError());
        assertEquals(Optional.empty(), source.onFailureDestination());
        assertTrue(source.enabled());
    }

    @Test
    void everyModelledPropertyIsRead() {
        StreamEventSource source = withEvent("""
                Stream: !GetAtt [Things, StreamArn]
                StartingPosition: TRIM_HORIZON
                BatchSize: 10
                MaximumBatchingWindowInSeconds: 2
                FunctionResponseTypes: [ReportBatchItemFailures]
                MaximumRetryAttempts: 2
                Enabled: false
                ParallelizationFactor: 2
                TumblingWindowInSeconds: 60
                BisectBatchOnFunctionError: true
                DestinationConfig:
                  OnFailure:
                    Type: SQS
                    Destination: arn:aws:sqs:us-east-1:123456789012:elsewhere
                FilterCriteria:
                  Filters:
                    - Pattern: '{"eventName": ["INSERT"]}'
                    - Pattern: '{"dynamodb": {"NewImage": {"kind": {"S": ["a"]}}}}'
                """).function("Counter").streamEventSources().getFirst();
        assertEquals(10, source.batchSize());
        assertEquals(2, source.maximumBatchingWindowSeconds());
        assertTrue(source.reportBatchItemFailures());
        assertEquals(2, source.maximumRetryAttempts());
        assertFalse(source.enabled());
        assertTrue(source.bisectBatchOnFunctionError());
        assertEquals(Optional.of("arn:aws:sqs:us-east-1:123456789012:elsewhere"), source.onFailureDestination());
        assertEquals(2, source.filterPatterns().size());
        assertEquals(List.of("ParallelizationFactor", "TumblingWindowInSeconds"), source.unmodelledProperties());
    }

    @Test
    void whatAwsWouldRefuseFailsToParse() {
        assertRefused("Stream: arn:aws:dynamodb:us-east-1:1:table/x/stream/y\nStartingPosition: LATEST", "Stream");
        assertRefused("Stream: !GetAtt Things.Arn\nStartingPosition: LATEST", "Stream");
        assertRefused("Stream: !GetAtt Nothing.StreamArn\nStartingPosition: LATEST", "Stream");
        assertRefused("Stream: !GetAtt Things.StreamArn", "StartingPosition");
        assertRefused("Stream: !GetAtt Things.StreamArn\nStartingPosition: AT_TIMESTAMP", "StartingPosition");
        assertRefused("Stream: !GetAtt Things.StreamArn\nStartingPosition: LATEST\nBatchSize: 0", "BatchSize");
        assertRefused("Stream: !GetAtt Things.StreamArn\nStartingPosition: LATEST\nBatchSize: 10001", "BatchSize");
        assertRefused("Stream: !GetAtt Things.StreamArn\nStartingPosition: LATEST\nMaximumBatchingWindowInSeconds: 301",
                "MaximumBatchingWindowInSeconds");
        assertRefused("Stream: !GetAtt Things.StreamArn\nStartingPosition: LATEST\nFunctionResponseTypes: [Other]",
                "FunctionResponseTypes");
        assertRefused("Stream: !GetAtt Things.StreamArn\nStartingPosition: LATEST\n"
                + "FilterCriteria: {Filters: [{Pattern: {eventName: [INSERT]}}]}", "Pattern");
    }

    private static void assertRefused(String properties, String named) {
        SamTemplate template = withEvent(properties);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> template.function("Counter"));
        assertTrue(refused.getMessage().contains(named) && refused.getMessage().contains("Counter")
                && refused.getMessage().contains("Changes"), refused.getMessage());
    }
}
