package dev.inlet.common.config;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The environment variables a function sees. On Lambda that is {@link System#getenv()}. The local runtime runs every
 * function in one JVM, so it constructs each handler inside {@link #constructWith} to hand it the environment that
 * template.yaml gives that function; handlers read their configuration once, in their constructor.
 */
public final class RuntimeEnvironment {

    private static final ThreadLocal<Map<String, String>> DURING_CONSTRUCTION = new ThreadLocal<>();

    private RuntimeEnvironment() {
    }

    /** The environment of the function being constructed: the local runtime's override, else the process's. */
    public static Map<String, String> current() {
        Map<String, String> override = DURING_CONSTRUCTION.get();
        return override != null ? override : System.getenv();
    }

    /** Runs {@code constructor} (a handler's no-arg constructor) seeing {@code environment} as its environment. */
    public static <T> T constructWith(Map<String, String> environment, Callable<T> constructor) throws Exception {
        Objects.requireNonNull(environment, "environment");
        Map<String, String> previous = DURING_CONSTRUCTION.get();
        DURING_CONSTRUCTION.set(Map.copyOf(environment));
        try {
            return constructor.call();
        } finally {
            if (previous == null) {
                DURING_CONSTRUCTION.remove();
            } else {
                DURING_CONSTRUCTION.set(previous);
            }
        }
    }
}
