package dev.inlet.common.config;

import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.lambda.powertools.parameters.secrets.SecretsProvider;

/**
 * The two secrets every admin function needs: the key-hashing pepper and the root admin token. In AWS each comes
 * from the Secrets Manager secret named by {@code <NAME>_SECRET_ARN}, read through Powertools Parameters on first use
 * and cached; the local runtime passes the value itself as {@code <NAME>} instead (there is no Secrets Manager
 * locally). Values are fetched lazily, never during init, so no secret is baked into a SnapStart snapshot.
 */
public final class SecretValues {

    public static final String PEPPER = "PEPPER";
    public static final String ADMIN_TOKEN = "ADMIN_TOKEN";
    private static final String ARN_SUFFIX = "_SECRET_ARN";
    private static final int CACHE_MINUTES = 5;

    private final Supplier<String> pepper;
    private final Supplier<String> adminToken;

    public SecretValues(Supplier<String> pepper, Supplier<String> adminToken) {
        this.pepper = pepper;
        this.adminToken = adminToken;
    }

    public static SecretValues fixed(String pepper, String adminToken) {
        return new SecretValues(() -> pepper, () -> adminToken);
    }

    /** Reads each secret from the environment value when present, else from Secrets Manager by ARN. */
    public static SecretValues fromEnvironment(Map<String, String> environment,
                                               Supplier<SecretsManagerClient> secretsManager) {
        Lazy<SecretsProvider> provider = new Lazy<>(() -> SecretsProvider.builder()
                .withClient(secretsManager.get())
                .build());
        return new SecretValues(
                resolver(environment, PEPPER, arn -> provider.get().withMaxAge(CACHE_MINUTES, ChronoUnit.MINUTES)
                        .get(arn)),
                resolver(environment, ADMIN_TOKEN, arn -> provider.get().withMaxAge(CACHE_MINUTES, ChronoUnit.MINUTES)
                        .get(arn)));
    }

    public byte[] pepper() {
        return pepper.get().getBytes(StandardCharsets.UTF_8);
    }

    public String adminToken() {
        return adminToken.get();
    }

    private static Supplier<String> resolver(Map<String, String> environment, String name,
                                             Function<String, String> fetch) {
        String direct = environment.get(name);
        if (direct != null && !direct.isBlank()) {
            return () -> direct;
        }
        String arn = environment.get(name + ARN_SUFFIX);
        if (arn == null || arn.isBlank()) {
            // Not every function needs every secret (ingestion has no admin token): fail on use, not at init.
            return () -> {
                throw new IllegalStateException("Neither " + name + " nor " + name + ARN_SUFFIX + " is set");
            };
        }
        return () -> fetch.apply(arn);
    }

    /** Builds a value on first use; the SDK client for Secrets Manager is never built locally. */
    private static final class Lazy<T> implements Supplier<T> {
        private final Supplier<T> factory;
        private volatile T value;

        Lazy(Supplier<T> factory) {
            this.factory = factory;
        }

        @Override
        public T get() {
            T current = value;
            if (current == null) {
                synchronized (this) {
                    current = value;
                    if (current == null) {
                        current = factory.get();
                        value = current;
                    }
                }
            }
            return current;
        }
    }
}
