package dev.inlet.common.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One state change of a source, for its audit trail: who (the admin principal), when, what, and the change's
 * details (never a key). Written in the same transaction as the change itself, so the trail cannot miss one;
 * {@code version} is the source's version after the change, which orders the trail exactly.
 */
public record AuditEntry(String sourceId, long version, Instant at, String actor, String action, ObjectNode details) {
}
