package dev.inlet.common.store;

/** A conditional write lost against a concurrent change: the caller re-reads and decides again. */
public final class VersionConflict extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public VersionConflict(String message) {
        super(message, null, false, false);
    }
}
