package dev.inlet.common.logging;

import org.slf4j.LoggerFactory;

/**
 * Starts log4j2 on a thread of its own as soon as a handler class is loaded, so that its initialisation (about 300 ms
 * in a fresh JVM: plugin registry, XML configuration, Powertools' JSON template layout) overlaps the building of the
 * SDK clients instead of preceding it. Without SnapStart it is the largest single part of a cold start; with
 * SnapStart it happens before the snapshot either way.
 *
 * <p>Other threads may ask for loggers meanwhile without waiting: slf4j hands out substitute loggers while its binding
 * is in progress, and log4j hands out loggers on its default configuration while another thread configures the
 * context ({@code LoggerContext.start} only {@code tryLock}s), then moves them to the real configuration. So that no
 * line is ever written under that default configuration, every invocation first waits for the start to end
 * ({@link #awaitReady}, from {@link RequestLog#around}); the MDC must not be touched before either, because slf4j's
 * MDC would bind to a substitute adapter for good.
 */
public final class LoggingStartup {

    /** Far beyond a real start: only a start that hangs would make an invocation wait this long, and log anyway. */
    private static final long READY_WAIT_MILLIS = 10_000;

    private static final Thread STARTING = start();

    private LoggingStartup() {
    }

    private static Thread start() {
        Thread thread = new Thread(() -> LoggerFactory.getLogger(LoggingStartup.class).isInfoEnabled(),
                "inlet-logging-startup");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Starts logging in the background if no handler class has yet; call first in a handler's static initialiser. */
    public static void beginInBackground() {
        // Loading this class started it.
    }

    /** Waits until logging is configured: immediately true after the first invocation of a container. */
    public static void awaitReady() {
        if (STARTING.isAlive()) {
            try {
                STARTING.join(READY_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
