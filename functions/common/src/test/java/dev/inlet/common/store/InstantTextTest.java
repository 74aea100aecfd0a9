package dev.inlet.common.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** InstantText writes exactly what Instant.toString and the sortable formatter write, for any instant. */
class InstantTextTest {

    private static final DateTimeFormatter SORTABLE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Test
    void theTextIsThatOfTheFormatters() {
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.parse("2026-11-22T19:04:05Z"),
                Instant.parse("2026-11-22T19:04:05.120Z"), Instant.parse("2026-11-22T19:04:05.000120Z"),
                Instant.parse("2026-11-22T19:04:05.000000120Z"), Instant.parse("2024-02-29T23:59:59.999999999Z"),
                Instant.parse("9999-12-31T23:59:59.999Z"), Instant.parse("+10000-01-01T00:00:00.001Z"),
                Instant.parse("1969-12-31T23:59:59.5Z"), Instant.parse("0001-01-01T00:00:00Z"), Instant.MAX,
                Instant.MIN));
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            long seconds = random.nextLong(-100_000_000_000L, 300_000_000_000L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            instants.add(Instant.ofEpochSecond(seconds, nanos));
        }
        for (Instant instant : instants) {
            assertEquals(instant.toString(), InstantText.iso(instant));
            if (instant.isAfter(Instant.MIN.plusSeconds(1)) && instant.isBefore(Instant.MAX.minusSeconds(1))) {
                assertEquals(SORTABLE.format(instant.truncatedTo(ChronoUnit.MILLIS)), InstantText.sortable(instant),
                        instant.toString());
            }
        }
    }
}
