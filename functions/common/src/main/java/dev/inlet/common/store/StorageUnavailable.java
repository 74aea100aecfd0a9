package dev.inlet.common.store;

/** DynamoDB could not take a write in time: nothing may be acknowledged, the client should retry later. */
public final class StorageUnavailable extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StorageUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
