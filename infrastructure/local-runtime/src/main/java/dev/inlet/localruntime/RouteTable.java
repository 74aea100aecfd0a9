package dev.inlet.localruntime;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.inlet.localaws.HttpRoute;

/**
 * Routes requests as an API Gateway HTTP API does: the method must match (or the route says ANY), {@code {name}}
 * matches one non-empty segment, a final {@code {name+}} one or more; of several matches the most specific wins
 * (left to right, a literal segment beats {@code {name}}, which beats {@code {name+}}; then a method beats ANY);
 * nothing else matching, the {@code $default} route if there is one.
 */
public final class RouteTable<T> {

    /** A route and what it leads to (a function, for the runtime). */
    public record Entry<T>(HttpRoute route, T target) {
    }

    /** The chosen route with its path parameters, URL-decoded. */
    public record Match<T>(HttpRoute route, T target, Map<String, String> pathParameters) {
    }

    private final List<CompiledRoute<T>> routes;
    private final Optional<Entry<T>> defaultRoute;

    public RouteTable(List<Entry<T>> entries) {
        List<CompiledRoute<T>> compiled = new ArrayList<>();
        Entry<T> fallback = null;
        for (Entry<T> entry : entries) {
            if (entry.route().isDefaultRoute()) {
                if (fallback != null) {
                    throw new IllegalArgumentException("two $default routes: " + fallback.route() + ", " + entry.route());
                }
                fallback = entry;
            } else {
                compiled.add(CompiledRoute.of(entry));
            }
        }
        this.routes = List.copyOf(compiled);
        this.defaultRoute = Optional.ofNullable(fallback);
    }

    public List<HttpRoute> routes() {
        List<HttpRoute> all = new ArrayList<>(routes.stream().map(route -> route.entry().route()).toList());
        defaultRoute.ifPresent(entry -> all.add(entry.route()));
        return Collections.unmodifiableList(all);
    }

    /** @param rawPath the path as sent, still percent-encoded */
    public Optional<Match<T>> match(String method, String rawPath) {
        List<String> segments = segments(rawPath);
        Optional<Match<T>> best = Optional.empty();
        CompiledRoute<T> bestRoute = null;
        for (CompiledRoute<T> route : routes) {
            if (!route.acceptsMethod(method)) {
                continue;
            }
            Optional<Map<String, String>> parameters = route.match(segments);
            if (parameters.isPresent() && (bestRoute == null || CompiledRoute.SPECIFICITY.compare(route, bestRoute) > 0)) {
                bestRoute = route;
                best = Optional.of(new Match<>(route.entry().route(), route.entry().target(), parameters.get()));
            }
        }
        return best.or(() -> defaultRoute.map(entry -> new Match<>(entry.route(), entry.target(), Map.of())));
    }

    /**
     * Path segments, each percent-decoded ({@code +} stays a plus in a path). One trailing slash is ignored, as API
     * Gateway does: routes cannot be declared with one, yet clients send them (analytics-java posts to
     * {@code /v1/import/}).
     */
    private static List<String> segments(String rawPath) {
        String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return Arrays.stream(path.split("/", -1)).map(RouteTable::decodeSegment).toList();
    }

    static String decodeSegment(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return segment;
        }
    }

    private enum Kind { GREEDY, PARAMETER, LITERAL }

    private record Segment(Kind kind, String text) {
        static Segment parse(String text) {
            if (text.startsWith("{") && text.endsWith("+}")) {
                return new Segment(Kind.GREEDY, text.substring(1, text.length() - 2));
            }
            if (text.startsWith("{") && text.endsWith("}")) {
                return new Segment(Kind.PARAMETER, text.substring(1, text.length() - 1));
            }
            return new Segment(Kind.LITERAL, text);
        }
    }

    private record CompiledRoute<T>(Entry<T> entry, List<Segment> segments) {

        static final Comparator<CompiledRoute<?>> SPECIFICITY = (left, right) -> {
            for (int i = 0; i < Math.min(left.segments.size(), right.segments.size()); i++) {
                int byKind = left.segments.get(i).kind().compareTo(right.segments.get(i).kind());
                if (byKind != 0) {
                    return byKind;
                }
            }
            int bySpecificMethod = Boolean.compare(!left.isAnyMethod(), !right.isAnyMethod());
            return bySpecificMethod != 0 ? bySpecificMethod : Integer.compare(left.segments.size(), right.segments.size());
        };

        static <T> CompiledRoute<T> of(Entry<T> entry) {
            String path = entry.route().path();
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("route path must start with /: " + entry.route());
            }
            List<Segment> segments = Arrays.stream(path.substring(1).split("/", -1)).map(Segment::parse).toList();
            for (int i = 0; i < segments.size() - 1; i++) {
                if (segments.get(i).kind() == Kind.GREEDY) {
                    throw new IllegalArgumentException("a greedy {name+} must be the last segment: " + entry.route());
                }
            }
            return new CompiledRoute<>(entry, segments);
        }

        boolean isAnyMethod() {
            return HttpRoute.ANY.equals(entry.route().method());
        }

        boolean acceptsMethod(String method) {
            return isAnyMethod() || entry.route().method().equals(method);
        }

        Optional<Map<String, String>> match(List<String> requestSegments) {
            Map<String, String> parameters = new LinkedHashMap<>();
            for (int i = 0; i < segments.size(); i++) {
                Segment segment = segments.get(i);
                if (segment.kind() == Kind.GREEDY) {
                    List<String> rest = requestSegments.subList(Math.min(i, requestSegments.size()), requestSegments.size());
                    if (rest.isEmpty() || String.join("/", rest).isEmpty()) {
                        return Optional.empty();
                    }
                    parameters.put(segment.text(), String.join("/", rest));
                    return Optional.of(parameters);
                }
                if (i >= requestSegments.size()) {
                    return Optional.empty();
                }
                String actual = requestSegments.get(i);
                if (segment.kind() == Kind.LITERAL && !segment.text().equals(actual)) {
                    return Optional.empty();
                }
                if (segment.kind() == Kind.PARAMETER) {
                    if (actual.isEmpty()) {
                        return Optional.empty();
                    }
                    parameters.put(segment.text(), actual);
                }
            }
            return requestSegments.size() == segments.size() ? Optional.of(parameters) : Optional.empty();
        }
    }
}
