package dev.inlet.localruntime;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every line the functions log while open, exactly as CloudWatch would receive it: an extra appender on the root
 * logger with the layout of the functions' own "Json" appender (functions/common/src/main/resources/inlet-log4j2.xml).
 */
final class CapturedLogs extends AbstractAppender implements AutoCloseable {

    private final List<String> lines = new ArrayList<>();
    private final LoggerContext context;

    private CapturedLogs(LoggerContext context, Layout<?> layout) {
        super("captured", null, layout, true, Property.EMPTY_ARRAY);
        this.context = context;
    }

    static CapturedLogs open() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        Layout<?> layout = configuration.getAppender("Json").getLayout();
        CapturedLogs captured = new CapturedLogs(context, layout);
        captured.start();
        configuration.getRootLogger().addAppender(captured, null, null);
        context.updateLoggers();
        return captured;
    }

    @Override
    public void append(LogEvent event) {
        String line = new String(getLayout().toByteArray(event), java.nio.charset.StandardCharsets.UTF_8).strip();
        synchronized (lines) {
            lines.add(line);
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
