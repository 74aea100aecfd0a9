package dev.inlet.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.error.ApiError;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CursorsTest {

    private final Cursors cursors = new Cursors(SecretHasher.withPepper("0123456789abcdef"));

    @Test
    void roundTrips() {
        Map<String, String> position = Map.of("id", "wk_1", "project_id", "prj_1");
        assertEquals(Optional.of(position), cursors.decode(Optional.of(cursors.encode(position))));
        assertEquals(Optional.empty(), cursors.decode(Optional.empty()));
    }

    @Test
    void refusesForgedOrDamagedCursors() {
        String cursor = cursors.encode(Map.of("id", "wk_1"));
        String forged = new Cursors(SecretHasher.withPepper("another-pepper-123")).encode(Map.of("id", "wk_2"));
        for (String bad : new String[]{"x", ".", "abc.def", forged, cursor + "x", "x" + cursor,
                cursor.substring(0, cursor.indexOf('.'))}) {
            ApiError error = assertThrows(ApiError.class, () -> cursors.decode(Optional.of(bad)));
            assertEquals(400, error.status());
            assertEquals("cursor", error.field().orElseThrow());
        }
    }
}
