package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Keys, tokens and their hashes are compared in constant time ({@code MessageDigest.isEqual}): {@code String.equals}
 * returns at the first differing character, so its timing tells how much of a guess was right. This scans the
 * functions' production sources for {@code .equals(} on a variable named like a key, token, secret, hash or pepper
 * (a map entry's {@code getKey()} is a field name, not a secret).
 */
class SecretComparisonScanTest {

    static final Pattern SECRET_EQUALS = Pattern.compile(
            "\\b(?!getKey\\b)[A-Za-z_]*(?:[kK]ey|[tT]oken|[sS]ecret|[hH]ash|[pP]epper)[A-Za-z]*(?:\\(\\))?"
                    + "(?:\\.get\\(\\)|\\.orElseThrow\\(\\))?\\.equals\\(");

    @Test
    void thePatternFindsWhatItIsFor() {
        assertTrue(SECRET_EQUALS.matcher("!basicKey.get().equals(bodyKey.get())").find());
        assertTrue(SECRET_EQUALS.matcher("if (token.equals(root))").find());
        assertTrue(SECRET_EQUALS.matcher("keyHash().equals(other)").find());
        assertTrue(!SECRET_EQUALS.matcher("field.getKey().equals(\"revoke_keys\")").find());
    }

    @Test
    void noKeyOrTokenIsComparedWithStringEquals() throws IOException {
        Path functions = repositoryRoot().resolve("functions");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(functions)) {
            files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/"))
                    .forEach(file -> {
                        try {
                            List<String> lines = Files.readAllLines(file);
                            for (int i = 0; i < lines.size(); i++) {
                                if (SECRET_EQUALS.matcher(lines.get(i)).find()) {
                                    found.add(functions.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).trim());
                                }
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
        assertEquals(List.of(), found, "compare with MessageDigest.isEqual on the bytes");
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("template.yaml")) && Files.isDirectory(dir.resolve("functions"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no template.yaml above " + Path.of("").toAbsolutePath());
    }
}
