package dev.inlet.common.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Instants as text, as {@link Instant#toString()} and {@link Attributes#sortable} write them, without a
 * DateTimeFormatter for years 1970 to 9999: formatting is a measurable share of storing an event. Other years go
 * through the formatters, so the text is the same for every instant.
 */
public final class InstantText {

    static final DateTimeFormatter SORTABLE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** 10000-01-01T00:00:00Z: from here on years have five digits and a sign. */
    private static final long YEAR_10000 = 253_402_300_800L;

    private InstantText() {
    }

    /** What {@link Instant#toString()} gives: ISO-8601 in UTC, with 0, 3, 6 or 9 fraction digits. */
    public static String iso(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds >= YEAR_10000) {
            return instant.toString();
        }
        int nanos = instant.getNano();
        int digits = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        byte[] text = new byte[20 + (digits == 0 ? 0 : digits + 1)];
        dateTime(text, seconds);
        int at = 19;
        if (digits > 0) {
            text[at++] = '.';
            int fraction = nanos;
            for (int i = 9; i > digits; i--) {
                fraction /= 10;
            }
            at = digits(text, at, fraction, digits);
        }
        text[at] = 'Z';
        return new String(text, 0, text.length, StandardCharsets.US_ASCII);
    }

    /** yyyy-MM-ddTHH:mm:ss.SSSZ in UTC: always three fraction digits, so that string order is time order. */
    public static String sortable(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds >= YEAR_10000) {
            return SORTABLE.format(instant.truncatedTo(ChronoUnit.MILLIS));
        }
        byte[] text = new byte[24];
        dateTime(text, seconds);
        text[19] = '.';
        digits(text, 20, instant.getNano() / 1_000_000, 3);
        text[23] = 'Z';
        return new String(text, 0, text.length, StandardCharsets.US_ASCII);
    }

    /** yyyy-MM-ddTHH:mm:ss into text[0..19). */
    private static void dateTime(byte[] text, long epochSecond) {
        LocalDateTime time = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        digits(text, 0, time.getYear(), 4);
        text[4] = '-';
        digits(text, 5, time.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, time.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, time.getHour(), 2);
        text[13] = ':';
        digits(text, 14, time.getMinute(), 2);
        text[16] = ':';
        digits(text, 17, time.getSecond(), 2);
    }

    /** {@code value} as {@code count} decimal digits, zero-padded, at {@code at}; returns the index after them. */
    private static int digits(byte[] text, int at, int value, int count) {
        for (int i = at + count - 1; i >= at; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + count;
    }
}
