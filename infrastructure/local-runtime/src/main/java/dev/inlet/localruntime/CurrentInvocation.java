package dev.inlet.localruntime;

import java.util.Optional;

/**
 * Which function the current thread is running. All functions share one JVM locally, so SDK interceptors (e.g. the
 * tests' DynamoDB call recorder) read this to learn whose call they see.
 */
public final class CurrentInvocation {

    private static final ThreadLocal<String> FUNCTION = new ThreadLocal<>();

    private CurrentInvocation() {
    }

    /** The logical id of the function running on this thread, if any. */
    public static Optional<String> functionLogicalId() {
        return Optional.ofNullable(FUNCTION.get());
    }

    /** Runs {@code body} as function {@code logicalId}, restoring the previous value afterwards. */
    static <T> T runAs(String logicalId, ThrowingSupplier<T> body) throws Exception {
        String previous = FUNCTION.get();
        FUNCTION.set(logicalId);
        try {
            return body.get();
        } finally {
            if (previous == null) {
                FUNCTION.remove();
            } else {
                FUNCTION.set(previous);
            }
        }
    }

    @FunctionalInterface
    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }
}
