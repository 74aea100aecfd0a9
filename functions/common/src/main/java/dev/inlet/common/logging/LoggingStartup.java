package dev.inlet.common.logging;

import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.selector.ClassLoaderContextSelector;
import org.slf4j.LoggerFactory;

/**
 * Starts log4j2 on a thread of its own as soon as a handler class is loaded, so that most of its initialisation
 * (about 300 ms in a fresh JVM: the log4j API's setup, then the plugin registry, the XML configuration and
 * Powertools' JSON template layout) overlaps the building of the SDK clients instead of preceding it. Without
 * SnapStart it is the largest single part of a cold start; with SnapStart it happens before the snapshot either way.
 *
 * <p>How the two threads share log4j without waiting for each other: the handler's thread waits only until the
 * background thread has begun configuring (signalled by {@link SignallingContextSelector}, which
 * log4j2.component.properties names), i.e. until it holds log4j's configuration lock. From then on, loggers asked
 * for elsewhere (ours, the SDK's) are handed out at once on log4j's default configuration, since
 * {@code LoggerContext.start} only {@code tryLock}s, and are moved to the real configuration when it is done. So that
 * no line is ever written under that default configuration, every invocation first waits for the start to end
 * ({@link #awaitReady}, from {@link RequestLog#around}); the MDC must not be touched before either, because slf4j's MDC
 * would bind to a substitute adapter for good. The price: a line logged while the handler is being constructed, in
 * the ~200 ms before the configuration is in place, goes to log4j's default configuration (ERROR and above only, as
 * plain text) — init logs nothing in normal operation, only when a client or setting fails.
 */
public final class LoggingStartup {

    /** Far beyond a real start: only a start that hangs would make anyone wait this long, and then go on. */
    private static final long WAIT_MILLIS = 10_000;

    private static final CountDownLatch CONFIGURING = new CountDownLatch(1);
    private static final Thread STARTING = start();

    private LoggingStartup() {
    }

    private static Thread start() {
        Thread thread = new Thread(() -> {
            try {
                LoggerFactory.getLogger(LoggingStartup.class).isInfoEnabled();
            } finally {
                CONFIGURING.countDown(); // also when logging was configured before (tests, the local runtime)
            }
        }, "inlet-logging-startup");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Starts logging in the background unless a handler class already has, initialises {@code meanwhile} (classes
     * whose initialisation needs no logger, such as Jackson's set-up, so that it overlaps log4j's own start), and
     * returns once the background thread holds log4j's configuration: call first in a handler's static initialiser,
     * before anything asks for a logger.
     */
    public static void beginInBackground(Class<?>... meanwhile) {
        for (Class<?> type : meanwhile) {
            try {
                Class.forName(type.getName(), true, type.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        await(() -> CONFIGURING.await(WAIT_MILLIS, TimeUnit.MILLISECONDS));
    }

    /** Waits until logging is configured: at once after the first invocation of a container. */
    public static void awaitReady() {
        if (STARTING.isAlive()) {
            await(() -> STARTING.join(WAIT_MILLIS));
        }
    }

    private interface Wait {
        void run() throws InterruptedException;
    }

    private static void await(Wait wait) {
        try {
            wait.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * log4j's usual context selector, whose contexts signal when they begin configuring: {@code start()} calls
     * {@code reconfigure()} once it holds the configuration lock, before any plugin or configuration file is read.
     * Named by {@code log4j2.contextSelector} (log4j2.component.properties).
     */
    public static final class SignallingContextSelector extends ClassLoaderContextSelector {
        @Override
        protected LoggerContext createContext(String name, URI configLocation) {
            return new LoggerContext(name, null, configLocation) {
                @Override
                public void reconfigure() {
                    CONFIGURING.countDown();
                    super.reconfigure();
                }
            };
        }
    }
}
