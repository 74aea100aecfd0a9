package dev.inlet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3, Report.median(5, 1, 3));
        assertEquals(2.5, Report.median(4, 1, 3, 2));
        assertEquals(7, Report.median(7));
        assertThrows(IllegalArgumentException.class, Report::median);
    }

    @Test
    void formatsNumbersRatiosAndSizes() {
        assertEquals("12,345", Report.number(12_345));
        assertEquals("0.025", Report.number(0.025));
        assertEquals("0.002", Report.number(0.0020000001));
        assertEquals("1", Report.number(1.0));
        assertEquals("12.5", Report.number(12.46));
        assertEquals("1.37×", Report.ratio(137, 100));
        assertEquals("12.9 MB", Report.megabytes(12_854_930));
    }

    @Test
    void rendersOneMarkdownRowPerFigureAndTheNotesBelow() {
        Report report = new Report()
                .add(new Report.Row("3. Cold start: ingestion", "800 ms", "700 ms", "1.14×", "≤ 1.3×",
                        Report.Verdict.of(true)))
                .add(new Report.Row("2. Hot-path CPU", "30 µs", "7 µs", "4.29×", "≤ 2×", Report.Verdict.of(false)))
                .add(new Report.Row("1. Calls", "reads 0.002", "—", "—", "0 reads", Report.Verdict.missed("reads")))
                .note("Measured on 2 cores.");
        String markdown = report.markdown();
        assertTrue(markdown.startsWith("| figure | Inlet | floor | ratio | target | |\n|---|---|---|---|---|---|\n"),
                markdown);
        assertTrue(markdown.contains("| 3. Cold start: ingestion | 800 ms | 700 ms | 1.14× | ≤ 1.3× | met |\n"),
                markdown);
        assertTrue(markdown.contains("| 2. Hot-path CPU | 30 µs | 7 µs | 4.29× | ≤ 2× | **missed** |\n"), markdown);
        assertTrue(markdown.contains("| 1. Calls | reads 0.002 | — | — | 0 reads | **missed**: reads |\n"), markdown);
        assertTrue(markdown.endsWith("\nMeasured on 2 cores.\n"), markdown);
        assertFalse(report.allMet());
    }

    @Test
    void parsesTheCommandLine() {
        assertNull(BenchSuite.parse(new String[] {"--help"}));
        assertEquals(5, BenchSuite.parse(new String[0]).runs());
        assertEquals(3, BenchSuite.parse(new String[] {"--runs", "3", "--only", "cold,cpu"}).runs());
        assertThrows(IllegalArgumentException.class, () -> BenchSuite.parse(new String[] {"--runs", "0"}));
        assertThrows(IllegalArgumentException.class, () -> BenchSuite.parse(new String[] {"--only", "disk"}));
        assertThrows(IllegalArgumentException.class, () -> BenchSuite.parse(new String[] {"--runs"}));
        assertEquals(" --runs 3", BenchSuite.commandLine(new String[] {"--out", "t.md", "--runs", "3"}));
        assertEquals("", BenchSuite.commandLine(new String[0]));
    }
}
