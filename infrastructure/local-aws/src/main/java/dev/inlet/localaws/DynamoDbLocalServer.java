package dev.inlet.localaws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * DynamoDB Local as an HTTP server on the loopback interface only.
 *
 * <p>DynamoDB Local's own {@code ServerRunner}/{@code DynamoDBProxyServer} build {@code new Server(port)}, a Jetty
 * connector on every interface, and offer no host option. So this class assembles the same pieces itself (the public
 * {@code LocalDynamoDBRequestHandler} and {@code LocalDynamoDBServerHandler} inside a Jetty {@code ContextHandler}, as
 * {@code DynamoDBProxyServer.setUpHandler} does) behind a {@code ServerConnector} bound to 127.0.0.1. Side benefits:
 * port 0 works (the connector reports the port it got), and no telemetry is configured.
 *
 * <p>The database is shared ({@code -sharedDb}): every client sees the same tables whatever its access key and
 * region, so handlers using the default credentials chain and tests using {@link LocalClients} agree.
 */
public final class DynamoDbLocalServer implements AutoCloseable {

    private final Server jetty;
    private final LocalDynamoDBServerHandler handler;
    private final URI endpoint;
    private volatile boolean closeIgnored;
    private DynamoDbClient client;
    private DynamoDbStreamsClient streamsClient;

    private DynamoDbLocalServer(Server jetty, LocalDynamoDBServerHandler handler, URI endpoint) {
        this.jetty = jetty;
        this.handler = handler;
        this.endpoint = endpoint;
    }

    /** From now on {@link #close()} does nothing: other tests in this JVM still use this server. */
    DynamoDbLocalServer ignoringClose() {
        this.closeIgnored = true;
        return this;
    }

    /** @param port 0 for any free port; {@code dataDir} empty for in-memory */
    static DynamoDbLocalServer start(int port, Optional<Path> dataDir) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        LocalDynamoDBServerHandler handler;
        try {
            String dbPath = null;
            if (dataDir.isPresent()) {
                dbPath = Files.createDirectories(dataDir.get()).toAbsolutePath().toString();
            }
            handler = new LocalDynamoDBServerHandler(
                    new LocalDynamoDBRequestHandler(0, dataDir.isEmpty(), dbPath, true, false), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create DynamoDB Local data directory " + dataDir.get(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up DynamoDB Local", e);
        }

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("dynamodb-local");
        threads.setDaemon(true); // a test that forgets close() must not keep the JVM alive
        Server jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(loopback.getHostAddress());
        connector.setPort(port);
        jetty.addConnector(connector);
        ContextHandler context = new ContextHandler();
        context.setHandler(handler);
        jetty.setHandler(new ContextHandlerCollection(context));
        try {
            jetty.start();
        } catch (Exception e) {
            stopQuietly(jetty, handler);
            throw new IllegalStateException("cannot start DynamoDB Local on " + loopback.getHostAddress() + ":" + port, e);
        }
        URI endpoint = URI.create("http://" + loopback.getHostAddress() + ":" + connector.getLocalPort());
        return new DynamoDbLocalServer(jetty, handler, endpoint);
    }

    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return endpoint.getPort();
    }

    /** A client to this server ({@link LocalClients#dynamoDb}), closed with the server. */
    public synchronized DynamoDbClient client() {
        if (client == null) {
            client = LocalClients.dynamoDb(endpoint);
        }
        return client;
    }

    /** A streams client to this server ({@link LocalClients#dynamoDbStreams}), closed with the server. */
    public synchronized DynamoDbStreamsClient streamsClient() {
        if (streamsClient == null) {
            streamsClient = LocalClients.dynamoDbStreams(endpoint);
        }
        return streamsClient;
    }

    /** Stops the server (not the JVM-wide {@link DynamoDbLocal#sharedServer()}, whose close does nothing). */
    @Override
    public synchronized void close() {
        if (closeIgnored) {
            return;
        }
        if (client != null) {
            client.close();
            client = null;
        }
        if (streamsClient != null) {
            streamsClient.close();
            streamsClient = null;
        }
        stopQuietly(jetty, handler);
    }

    private static void stopQuietly(Server jetty, LocalDynamoDBServerHandler handler) {
        try {
            jetty.stop();
        } catch (Exception e) {
            System.err.println("DynamoDB Local: stopping Jetty failed: " + e);
        } finally {
            handler.close();
        }
    }
}
