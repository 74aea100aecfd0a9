package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSecretsTest {

    private static final List<String> NAMES = List.of("PEPPER", "ADMIN_TOKEN");

    @Test
    void generatedValuesHaveTheRightShape() throws IOException {
        var secrets = LocalSecrets.resolve(NAMES, Map.of(), Map.of(), Optional.empty());
        assertEquals(LocalSecrets.Origin.GENERATED, secrets.get("PEPPER").origin());
        assertTrue(secrets.get("PEPPER").value().matches("[A-Za-z0-9_-]{43}"), secrets.get("PEPPER").value());
        assertTrue(secrets.get("ADMIN_TOKEN").value().matches("inlet_root_[A-Za-z0-9]{40}"));
        assertNotEquals(secrets.get("PEPPER").value(),
                LocalSecrets.resolve(NAMES, Map.of(), Map.of(), Optional.empty()).get("PEPPER").value());
        assertFalse(secrets.get("PEPPER").toString().contains(secrets.get("PEPPER").value()));
    }

    @Test
    void givenBeatsEnvironmentBeatsFile(@TempDir Path dataDir) throws IOException {
        Files.writeString(dataDir.resolve(LocalSecrets.FILE_NAME), "PEPPER=from-file\nADMIN_TOKEN=file-token\n");
        var secrets = LocalSecrets.resolve(NAMES, Map.of("ADMIN_TOKEN", "given"),
                Map.of("ADMIN_TOKEN", "env-token", "PEPPER", "env-pepper"), Optional.of(dataDir));
        assertEquals("given", secrets.get("ADMIN_TOKEN").value());
        assertEquals(LocalSecrets.Origin.GIVEN, secrets.get("ADMIN_TOKEN").origin());
        assertEquals("env-pepper", secrets.get("PEPPER").value());
        assertEquals(LocalSecrets.Origin.ENVIRONMENT, secrets.get("PEPPER").origin());

        var fromFile = LocalSecrets.resolve(NAMES, Map.of(), Map.of(), Optional.of(dataDir));
        assertEquals("from-file", fromFile.get("PEPPER").value());
        assertEquals(LocalSecrets.Origin.FILE, fromFile.get("PEPPER").origin());
    }

    @Test
    void generatedSecretsAreSavedAndReused(@TempDir Path dataDir) throws IOException {
        var first = LocalSecrets.resolve(NAMES, Map.of(), Map.of("ADMIN_TOKEN", "env-token"), Optional.of(dataDir));
        Path file = dataDir.resolve(LocalSecrets.FILE_NAME);
        String saved = Files.readString(file);
        assertTrue(saved.contains("PEPPER=" + first.get("PEPPER").value()));
        assertFalse(saved.contains("env-token"), "secrets from the environment stay out of the file");
        if (Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }

        var second = LocalSecrets.resolve(NAMES, Map.of(), Map.of(), Optional.of(dataDir));
        assertEquals(first.get("PEPPER").value(), second.get("PEPPER").value());
        assertEquals(LocalSecrets.Origin.FILE, second.get("PEPPER").origin());
        assertEquals(LocalSecrets.Origin.GENERATED, second.get("ADMIN_TOKEN").origin());
        assertEquals(second.get("ADMIN_TOKEN").value(),
                LocalSecrets.resolve(NAMES, Map.of(), Map.of(), Optional.of(dataDir)).get("ADMIN_TOKEN").value());
    }
}
