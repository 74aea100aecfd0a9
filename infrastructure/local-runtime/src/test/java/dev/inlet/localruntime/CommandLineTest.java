package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void defaultsComeFromTheEnvironment() {
        CommandLine none = CommandLine.parse(new String[0], Map.of());
        assertEquals(3000, none.options().port());
        assertEquals(Optional.empty(), none.options().dataDir());

        CommandLine fromEnv = CommandLine.parse(new String[0], Map.of("PORT", "8080", "INLET_DATA_DIR", "/tmp/inlet"));
        assertEquals(8080, fromEnv.options().port());
        assertEquals(Optional.of(Path.of("/tmp/inlet")), fromEnv.options().dataDir());
        assertEquals("8080", fromEnv.options().environment().get("PORT"));
    }

    @Test
    void optionsWinOverTheEnvironment() {
        CommandLine parsed = CommandLine.parse(new String[] {"--port", "0", "--data-dir=.local-data",
                "--dynamodb-endpoint", "http://localhost:4566"}, Map.of("PORT", "8080"));
        assertEquals(0, parsed.options().port());
        assertEquals(Optional.of(Path.of(".local-data")), parsed.options().dataDir());
        assertEquals(Optional.of(URI.create("http://localhost:4566")), parsed.options().dynamoDbEndpoint());
    }

    @Test
    void dynamoDbFaultsAreOffUnlessAskedFor() {
        assertEquals(0, CommandLine.parse(new String[0], Map.of()).options().dynamoDbFaultRate());
        assertEquals(0, LocalRuntime.Options.forTests().dynamoDbFaultRate());
        assertEquals(0.05, CommandLine.parse(new String[0], Map.of("INLET_INJECT_DYNAMODB_FAULTS", "0.05")).options()
                .dynamoDbFaultRate());
        assertEquals(0.2, CommandLine.parse(new String[] {"--inject-dynamodb-faults", "0.2"},
                Map.of("INLET_INJECT_DYNAMODB_FAULTS", "0.05")).options().dynamoDbFaultRate());
        assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse(new String[] {"--inject-dynamodb-faults", "5%"}, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse(new String[0], Map.of("INLET_INJECT_DYNAMODB_FAULTS", "1.5")));
    }

    @Test
    void helpAndMistakes() {
        assertTrue(CommandLine.parse(new String[] {"--help"}, Map.of()).help());
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[] {"--port"}, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[] {"--port", "x"}, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[] {"--port", "70000"}, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[] {"--bogus", "1"}, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse(new String[] {"--dynamodb-endpoint", "localhost:4566"}, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[0], Map.of("PORT", "web")));
    }
}
