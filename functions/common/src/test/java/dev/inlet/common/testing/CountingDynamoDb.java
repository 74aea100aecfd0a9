package dev.inlet.common.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A DynamoDbClient in front of a real one (DynamoDB Local) that counts calls per operation and can inject a fault
 * into chosen operations — the fault stands in for what DynamoDB Local cannot be made to do (throttle, fail).
 */
public final class CountingDynamoDb {

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private volatile Predicate<String> faultFilter = operation -> failing.contains(operation);
    private volatile RuntimeException fault;
    private final DynamoDbClient client;

    public CountingDynamoDb(DynamoDbClient delegate) {
        this.client = (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[]{DynamoDbClient.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class || method.getName().equals("close")
                            || method.getName().equals("serviceName")
                            || method.getName().equals("serviceClientConfiguration")) {
                        return method.invoke(delegate, args);
                    }
                    calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
                    RuntimeException injected = fault;
                    if (injected != null && faultFilter.test(method.getName())) {
                        throw injected;
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    public DynamoDbClient client() {
        return client;
    }

    public int calls(String operation) {
        AtomicInteger count = calls.get(operation);
        return count == null ? 0 : count.get();
    }

    public int totalCalls() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public void reset() {
        calls.clear();
    }

    /** From now on, calls of {@code operations} (e.g. "batchWriteItem") throw {@code error}. */
    public void failWith(RuntimeException error, String... operations) {
        failing.clear();
        failing.addAll(Set.of(operations));
        fault = error;
    }

    public void heal() {
        fault = null;
        failing.clear();
    }
}
