package dev.inlet.functions.ingestion;

/** The tracking API's size limits, as Segment documents them. Compressed bodies are measured after decompression. */
final class IngestionLimits {

    static final int MAX_REQUEST_BYTES = 500 * 1024;
    static final int MAX_EVENT_BYTES = 32 * 1024;
    static final int MAX_BATCH_EVENTS = 2500;
    static final int MAX_MESSAGE_ID_LENGTH = 100;

    private IngestionLimits() {
    }
}
