package dev.inlet.common.store;

import java.time.Instant;

/**
 * An accepted event as the events table keeps it: the payload as received (minus any write key) with its
 * attribution (source, project, key, and the API Gateway request that carried it; exactly one event of each request
 * is its {@code requestHead}, so requests can be counted from the stream without seeing all their events). The key is source id and messageId, so a retried request overwrites rather than duplicates.
 */
public record StoredEvent(String sourceId, String projectId, String keyId, String requestId, boolean requestHead,
                          String messageId, String type, Instant receivedAt, String payloadJson, Instant purgeAt) {

    public String itemKey() {
        return sourceId + "#" + messageId;
    }
}
