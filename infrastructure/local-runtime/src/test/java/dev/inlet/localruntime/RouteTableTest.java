package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.inlet.localaws.HttpRoute;

class RouteTableTest {

    private static RouteTable<String> table(String... routeKeys) {
        return new RouteTable<>(Arrays.stream(routeKeys).map(key -> {
            String[] parts = key.split(" ", 2);
            HttpRoute route = parts.length == 1
                    ? new HttpRoute("Fn", key, "ANY", key)
                    : new HttpRoute("Fn", key, parts[0], parts[1]);
            return new RouteTable.Entry<>(route, key);
        }).toList());
    }

    private static Optional<String> target(RouteTable<String> table, String method, String path) {
        return table.match(method, path).map(RouteTable.Match::target);
    }

    @Test
    void literalSegmentsBeatParameters() {
        RouteTable<String> table = table("GET /projects/{id}", "GET /projects/mine", "GET /projects/{id}/tokens");
        assertEquals(Optional.of("GET /projects/mine"), target(table, "GET", "/projects/mine"));
        assertEquals(Optional.of("GET /projects/{id}"), target(table, "GET", "/projects/p1"));
        assertEquals(Optional.of("GET /projects/{id}/tokens"), target(table, "GET", "/projects/p1/tokens"));
    }

    @Test
    void parametersBeatGreedyAndLeftmostDifferenceDecides() {
        RouteTable<String> table = table("GET /{proxy+}", "GET /a/{id}", "GET /{x}/b", "GET /a/{rest+}");
        assertEquals(Optional.of("GET /a/{id}"), target(table, "GET", "/a/b"));
        assertEquals(Optional.of("GET /a/{rest+}"), target(table, "GET", "/a/b/c"));
        assertEquals(Optional.of("GET /{x}/b"), target(table, "GET", "/z/b"));
        assertEquals(Optional.of("GET /{proxy+}"), target(table, "GET", "/z/y/x"));
    }

    @Test
    void methodMustMatchAndBeatsAny() {
        RouteTable<String> table = table("ANY /things/{id}", "GET /things/{id}", "POST /things");
        assertEquals(Optional.of("GET /things/{id}"), target(table, "GET", "/things/1"));
        assertEquals(Optional.of("ANY /things/{id}"), target(table, "DELETE", "/things/1"));
        assertEquals(Optional.empty(), target(table, "GET", "/things"));
        assertEquals(Optional.of("POST /things"), target(table, "POST", "/things"));
    }

    @Test
    void parametersAreDecodedAndNeverEmpty() {
        RouteTable<String> table = table("GET /keys/{id}", "GET /files/{path+}");
        RouteTable.Match<String> match = table.match("GET", "/keys/a%20b+c%2Fd").orElseThrow();
        assertEquals(Map.of("id", "a b+c/d"), match.pathParameters());
        assertEquals(Map.of("path", "x/y z"), table.match("GET", "/files/x/y%20z").orElseThrow().pathParameters());

        assertEquals(Optional.empty(), target(table, "GET", "/keys/"));
        assertEquals(Optional.empty(), target(table, "GET", "/files/"));
        assertEquals(Optional.empty(), target(table, "GET", "/files"));
        assertEquals(Optional.empty(), target(table, "GET", "/keys/a/b"));
    }

    @Test
    void defaultRouteCatchesTheRest() {
        RouteTable<String> table = table("GET /known", "$default");
        assertEquals(Optional.of("GET /known"), target(table, "GET", "/known"));
        assertEquals(Optional.of("$default"), target(table, "POST", "/known"));
        assertEquals(Optional.of("$default"), target(table, "GET", "/unknown"));
        assertEquals(Map.of(), table.match("GET", "/unknown").orElseThrow().pathParameters());
        assertTrue(table.routes().stream().anyMatch(HttpRoute::isDefaultRoute));
    }

    @Test
    void pathsAreCaseSensitive() {
        assertEquals(Optional.empty(), target(table("GET /Known"), "GET", "/known"));
    }

    @Test
    void malformedRoutesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> table("GET /{proxy+}/tail"));
        assertThrows(IllegalArgumentException.class, () -> table("GET relative"));
        assertThrows(IllegalArgumentException.class, () -> new RouteTable<>(List.of(
                new RouteTable.Entry<>(new HttpRoute("A", "a", "ANY", "$default"), "a"),
                new RouteTable.Entry<>(new HttpRoute("B", "b", "ANY", "$default"), "b"))));
    }
}
