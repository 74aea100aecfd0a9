package dev.inlet.localruntime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/** The local API Gateway: an HTTP server on 127.0.0.1 routing to functions by their template routes. */
public final class HttpFront implements AutoCloseable {

    private static final int WORKERS = 16;
    private static final int QUEUED_REQUESTS = 256;

    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final RouteTable<LambdaFunction> routes;

    private HttpFront(HttpServer server, ThreadPoolExecutor workers, RouteTable<LambdaFunction> routes) {
        this.server = server;
        this.workers = workers;
        this.routes = routes;
    }

    /**
     * @param port 0 for any free port
     * @param logRequests one stderr line per request (method, path, function, status, time)
     */
    public static HttpFront start(int port, List<LambdaFunction> functions, boolean logRequests) throws IOException {
        RouteTable<LambdaFunction> routes = new RouteTable<>(functions.stream()
                .flatMap(function -> function.definition().routes().stream()
                        .map(route -> new RouteTable.Entry<>(route, function)))
                .toList());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        // Bounded: when all workers are busy and the queue is full, the accepting thread runs the request itself,
        // which stops it accepting more (back-pressure instead of unbounded memory).
        ThreadPoolExecutor workers = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED_REQUESTS), daemonThreads(), new ThreadPoolExecutor.CallerRunsPolicy());
        workers.allowCoreThreadTimeOut(true);
        server.setExecutor(workers);
        server.createContext("/", new ApiGatewayHandler(routes, logRequests));
        server.start();
        return new HttpFront(server, workers, routes);
    }

    public URI baseUri() {
        return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public RouteTable<LambdaFunction> routes() {
        return routes;
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "inlet-http-" + count.incrementAndGet());
            thread.setDaemon(true); // the server's own dispatcher thread keeps the JVM alive while it runs
            return thread;
        };
    }
}
