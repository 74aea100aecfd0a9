package dev.inlet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.inlet.localaws.SamTemplate;
import dev.inlet.localruntime.LocalRuntime;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold-start figure, once per function: each function's shaded jar starts in a fresh JVM and answers its first
 * request (the status it should: {@link ColdStart} throws otherwise), and that answer's JSON log line carries the invocation's fields although logging
 * starts on a thread of its own (LoggingStartup). Times are not asserted: they are the benchmark's business.
 */
class ColdStartTest {

    @Test
    void everyFunctionStartsFreshAnswersAndLogsItsFirstRequest(@TempDir Path work) throws Exception {
        Path root = SamTemplate.projectRoot();
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.forTests())) {
            List<ColdStart.Result> results = new ColdStart(runtime, new AdminApi(runtime.baseUri(),
                    runtime.adminToken()), root, work).run(1);

            assertEquals(5, results.size(), "the floor and four functions");
            for (ColdStart.Result result : results) {
                assertEquals(1, result.runs(), result.name());
                assertTrue(result.loadedClasses() > 1_000, result.name() + " loaded " + result.loadedClasses());
                assertTrue(result.jarBytes() > 0, result.name());
            }
        }
    }
}
