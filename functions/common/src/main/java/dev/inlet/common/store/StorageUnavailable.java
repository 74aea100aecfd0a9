package dev.inlet.common.store;

import java.util.OptionalInt;

/**
 * DynamoDB could not take a write in time: nothing may be acknowledged, the client should retry later. When the
 * failed write was read back, {@link #confirmedStored()} says how many of its {@link #total()} events are stored
 * anyway (a write can land although its call failed); empty when that is unknown.
 */
public final class StorageUnavailable extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int confirmedStored;
    private final int total;

    public StorageUnavailable(String message, Throwable cause) {
        this(message, cause, -1, 0);
    }

    public StorageUnavailable(String message, Throwable cause, int confirmedStored, int total) {
        super(message, cause);
        this.confirmedStored = confirmedStored;
        this.total = total;
    }

    /** How many events a consistent read found stored after the failure; empty if it was not read back. */
    public OptionalInt confirmedStored() {
        return confirmedStored < 0 ? OptionalInt.empty() : OptionalInt.of(confirmedStored);
    }

    public int total() {
        return total;
    }
}
