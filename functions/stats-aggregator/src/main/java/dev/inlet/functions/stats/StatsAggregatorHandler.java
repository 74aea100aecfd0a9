package dev.inlet.functions.stats;

import dev.inlet.common.http.Json;
import dev.inlet.common.logging.LoggingStartup;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.inlet.common.config.AwsClients;
import dev.inlet.common.config.Priming;
import dev.inlet.common.config.RuntimeEnvironment;
import dev.inlet.common.logging.RequestLog;
import dev.inlet.common.store.DebugSampleRepository;
import dev.inlet.common.store.SourceActivityRepository;
import dev.inlet.common.store.SourceStatsRepository;
import dev.inlet.common.store.TableNames;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Fed by the events table's stream (INSERTs only, see template.yaml): keeps each source's hourly accepted counts and
 * last_event_at current, and samples accepted events for the debugger, at no cost to the ingestion path. Adapts the
 * stream batch to {@link StatsAggregation}.
 */
public final class StatsAggregatorHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse>, Resource {

    static {
        // Before anything asks for a logger; Jackson's set-up needs none, so it overlaps logging's start.
        LoggingStartup.beginInBackground(Json.class);
    }

    private final StatsAggregation aggregation;

    public StatsAggregatorHandler() {
        this(AwsClients.dynamoDb(RuntimeEnvironment.current()), RuntimeEnvironment.current());
        Core.getGlobalContext().register(this);
    }

    StatsAggregatorHandler(DynamoDbClient dynamo, Map<String, String> environment) {
        this.aggregation = new StatsAggregation(
                new SourceStatsRepository(dynamo, TableNames.required(environment, TableNames.SOURCE_STATS)),
                new SourceActivityRepository(dynamo, TableNames.required(environment, TableNames.SOURCES)),
                TableNames.optional(environment, TableNames.DEBUGGER)
                        .map(table -> new DebugSampleRepository(dynamo, table)),
                Clock.systemUTC());
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        List<String> failed = RequestLog.around(context,
                () -> aggregation.apply(event.getRecords() == null ? List.of() : event.getRecords()));
        return StreamsEventResponse.builder()
                .withBatchItemFailures(failed.stream()
                        .map(sequence -> StreamsEventResponse.BatchItemFailure.builder()
                                .withItemIdentifier(sequence).build())
                        .toList())
                .build();
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        // Loads the aggregation path; an empty batch writes nothing.
        Priming.run("empty stream batch", () -> handleRequest(new DynamodbEvent(), null));
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to refresh.
    }
}
