package dev.inlet.localaws;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Optional;

import com.amazonaws.services.dynamodbv2.local.embedded.DynamoDBEmbedded;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** DynamoDB Local, in-process or as a loopback server. One instance of each shared kind per JVM keeps tests fast. */
public final class DynamoDbLocal {

    private static DynamoDbClient embedded;
    private static DynamoDbLocalServer sharedServer;

    private DynamoDbLocal() {
    }

    /**
     * The JVM-wide in-process DynamoDB Local: no HTTP, so fastest for repository and handler tests. Share it by
     * giving each test class its own table prefix ({@link LocalTables#uniquePrefix}). Its {@code close()} does
     * nothing, since other tests still use it. SDK interceptors do not run on this client.
     */
    public static synchronized DynamoDbClient embedded() {
        if (embedded == null) {
            // create(true): telemetry off; plain create() would try to reach AWS from every test JVM.
            embedded = ignoringClose(DynamoDBEmbedded.create(true).dynamoDbClient());
        }
        return embedded;
    }

    /**
     * Starts a DynamoDB Local server on 127.0.0.1 only.
     *
     * @param port    0 to pick a free port
     * @param dataDir where to keep the database; empty for in-memory
     */
    public static DynamoDbLocalServer startServer(int port, Optional<Path> dataDir) {
        return DynamoDbLocalServer.start(port, dataDir);
    }

    /**
     * A JVM-wide in-memory server, for tests that need a real endpoint (SDK clients built from an endpoint URL, SDK
     * interceptors). It dies with the JVM; its {@code close()} does nothing. Do not close its {@code client()}.
     * Use per-class table prefixes, as with {@link #embedded()}.
     */
    public static synchronized DynamoDbLocalServer sharedServer() {
        if (sharedServer == null) {
            sharedServer = startServer(0, Optional.empty()).ignoringClose();
        }
        return sharedServer;
    }

    private static DynamoDbClient ignoringClose(DynamoDbClient client) {
        return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        return null;
                    }
                    try {
                        return method.invoke(client, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
