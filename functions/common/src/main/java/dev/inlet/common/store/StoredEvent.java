package dev.inlet.common.store;

import java.time.Instant;

/**
 * An accepted event as the events table keeps it: the payload as received (minus any write key) with its
 * attribution (source, project, key, and the API Gateway request that carried it). The item key is source id and messageId, so a retried request overwrites rather than duplicates.
 */
public record StoredEvent(String sourceId, String projectId, String keyId, String requestId, String messageId,
                          String type, Instant receivedAt, String payloadJson, Instant purgeAt) {

    public String itemKey() {
        return sourceId + "#" + messageId;
    }
}
