package dev.inlet.localruntime;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Values for the secrets functions read from Secrets Manager in AWS. Order: fixed by the caller, the process
 * environment, {@value #FILE_NAME} in the data directory, else generated, and then saved there when there is a data
 * directory: a persistent database with a fresh pepper would orphan every stored key hash.
 */
final class LocalSecrets {

    static final String FILE_NAME = "local-secrets.properties";
    static final String ADMIN_TOKEN = "ADMIN_TOKEN";
    static final String ADMIN_TOKEN_PREFIX = "inlet_root_";

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    enum Origin {
        GIVEN("given by the caller"),
        ENVIRONMENT("taken from the environment"),
        FILE("read from " + FILE_NAME),
        GENERATED("generated");

        final String description;

        Origin(String description) {
            this.description = description;
        }
    }

    record Secret(String value, Origin origin) {
        @Override
        public String toString() { // never print a secret by accident
            return "Secret[" + origin + "]";
        }
    }

    private LocalSecrets() {
    }

    static Map<String, Secret> resolve(Collection<String> names, Map<String, String> given,
                                       Map<String, String> environment, Optional<Path> dataDir) throws IOException {
        Optional<Path> file = dataDir.map(dir -> dir.resolve(FILE_NAME));
        Properties saved = file.isPresent() ? read(file.get()) : new Properties();
        Map<String, Secret> secrets = new LinkedHashMap<>();
        boolean generatedAny = false;
        for (String name : names) {
            if (given.containsKey(name)) {
                secrets.put(name, new Secret(given.get(name), Origin.GIVEN));
            } else if (notBlank(environment.get(name))) {
                secrets.put(name, new Secret(environment.get(name), Origin.ENVIRONMENT));
            } else if (notBlank(saved.getProperty(name))) {
                secrets.put(name, new Secret(saved.getProperty(name), Origin.FILE));
            } else {
                String value = generate(name);
                secrets.put(name, new Secret(value, Origin.GENERATED));
                saved.setProperty(name, value);
                generatedAny = true;
            }
        }
        if (generatedAny && file.isPresent()) {
            write(file.get(), saved);
        }
        return secrets;
    }

    /** ADMIN_TOKEN looks like the tokens the API issues; anything else (a pepper) is 32 random bytes. */
    static String generate(String name) {
        if (ADMIN_TOKEN.equals(name)) {
            StringBuilder token = new StringBuilder(ADMIN_TOKEN_PREFIX);
            for (int i = 0; i < 40; i++) {
                token.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
            }
            return token.toString();
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static boolean notBlank(String value) {
        return value != null && !value.isBlank();
    }

    private static Properties read(Path file) throws IOException {
        Properties properties = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
        }
        return properties;
    }

    /** Owner-only where the file system allows it; written to a temporary file first so a crash leaves no half file. */
    private static void write(Path file, Properties properties) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temporary = file.resolveSibling(FILE_NAME + ".tmp");
        try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            properties.store(writer, "Inlet local runtime secrets. Keep PEPPER as long as the data directory:"
                    + " key hashes depend on it.");
        }
        try {
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // e.g. Windows: the file inherits the directory's permissions
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
