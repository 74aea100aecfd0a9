package dev.inlet.localaws;

import java.util.Objects;

/**
 * One {@code Type: HttpApi} event of a function: {@code method} is upper case and may be {@code ANY}; an event with
 * neither Path nor Method is API Gateway's {@code $default} route (path {@value #DEFAULT_PATH}, method ANY).
 */
public record HttpRoute(String functionLogicalId, String eventName, String method, String path) {

    public static final String DEFAULT_PATH = "$default";
    public static final String ANY = "ANY";

    public HttpRoute {
        Objects.requireNonNull(functionLogicalId, "functionLogicalId");
        Objects.requireNonNull(eventName, "eventName");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
    }

    public boolean isDefaultRoute() {
        return DEFAULT_PATH.equals(path);
    }

    /** API Gateway's route key: {@code "POST /api/v1/projects"} or {@code "$default"}. */
    public String routeKey() {
        return isDefaultRoute() ? DEFAULT_PATH : method + " " + path;
    }
}
