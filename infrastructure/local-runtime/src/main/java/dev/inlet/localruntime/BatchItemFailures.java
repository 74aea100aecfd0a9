package dev.inlet.localruntime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;

/**
 * Reads a handler's partial batch response as Lambda does with ReportBatchItemFailures. Success: null, no
 * {@code batchItemFailures}, or an empty list. Otherwise the batch is done up to the failed record with the lowest
 * sequence number and retried from there; an identifier that is null, blank or not in the batch fails the whole batch.
 * Handlers may answer with {@link StreamsEventResponse} or with the same shape as a map (Lambda only sees the JSON).
 */
final class BatchItemFailures {

    private BatchItemFailures() {
    }

    /** @return how many records from the start of {@code batch} succeeded ({@code batch.size()} for all) */
    static int firstFailed(Object response, List<ShardCursor.Pending> batch) {
        List<String> identifiers = identifiers(response);
        int first = batch.size();
        for (String identifier : identifiers) {
            int index = indexOf(batch, identifier);
            if (index < 0) {
                return 0;
            }
            first = Math.min(first, index);
        }
        return first;
    }

    private static int indexOf(List<ShardCursor.Pending> batch, String identifier) {
        if (identifier == null || identifier.isBlank()) {
            return -1;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).sequenceNumber().equals(identifier)) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> identifiers(Object response) {
        List<String> identifiers = new ArrayList<>();
        if (response instanceof StreamsEventResponse typed && typed.getBatchItemFailures() != null) {
            typed.getBatchItemFailures().forEach(failure -> identifiers.add(failure == null ? null
                    : failure.getItemIdentifier()));
        } else if (response instanceof Map<?, ?> map && map.get("batchItemFailures") instanceof List<?> failures) {
            failures.forEach(failure -> identifiers.add(failure instanceof Map<?, ?> item
                    && item.get("itemIdentifier") instanceof String id ? id : null));
        }
        return identifiers;
    }
}
