package dev.inlet.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The suite's table: one row per figure, each measured beside its floor in the same run, with the ratio and the
 * issue's target. Renders as Markdown, which is what the README's Performance section holds.
 */
public final class Report {

    /**
     * One figure.
     *
     * @param figure   what was measured
     * @param measured Inlet's value, with its unit
     * @param floor    the floor measured beside it ("—" when the target is absolute)
     * @param ratio    measured / floor, or the comparison the target is about
     * @param target   the target for this row
     */
    public record Row(String figure, String measured, String floor, String ratio, String target, Verdict met) {
    }

    /** Whether a row meets its target, and what it misses. */
    public record Verdict(boolean missed, String text) {

        public static Verdict of(boolean met) {
            return met ? new Verdict(false, "met") : missed("");
        }

        /** @param what the part of the target that is missed, or "" */
        public static Verdict missed(String what) {
            return new Verdict(true, "**missed**" + (what.isEmpty() ? "" : ": " + what));
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public Report add(Row row) {
        rows.add(row);
        return this;
    }

    /** A line printed under the table (conditions of the run, failures). */
    public Report note(String line) {
        notes.add(line);
        return this;
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    public boolean allMet() {
        return rows.stream().noneMatch(row -> row.met().missed());
    }

    public String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| figure | Inlet | floor | ratio | target | |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            out.append("| ").append(String.join(" | ", row.figure(), row.measured(), row.floor(), row.ratio(),
                    row.target(), row.met().text())).append(" |\n");
        }
        for (String note : notes) {
            out.append('\n').append(note).append('\n');
        }
        return out.toString();
    }

    // ----------------------------------------------------------------------------------------------- formatting

    /** The median of {@code values} (the mean of the middle two for an even count). */
    public static double median(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** "1.37×". */
    public static String ratio(double measured, double floor) {
        return String.format(Locale.ROOT, "%.2f×", measured / floor);
    }

    /** Whole numbers with thousands separators, fractions with up to three decimals: "12,345", "0.025". */
    public static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) value);
        }
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (Math.abs(value) >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    /** "12.3 MB" (10^6 bytes). */
    public static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
