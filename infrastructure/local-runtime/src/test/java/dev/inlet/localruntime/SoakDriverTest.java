package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import org.junit.jupiter.api.Test;

/**
 * A short soak ({@code scripts/soak} runs the same driver for 5 minutes): 20 s of steady producers, a rotation, a
 * revocation and a rate-limit storm with random DynamoDB faults, then the reconciliation must hold.
 */
class SoakDriverTest {

    /** Only a request refused on every attempt counts as refused; a 4xx after a 503 may follow a stored write. */
    @Test
    void aRefusalAfterA503IsNotCountedAsRefused() {
        assertEquals(SoakDriver.Fate.REFUSED, SoakDriver.fate(429, false));
        assertEquals(SoakDriver.Fate.REFUSED_AFTER_AMBIGUOUS_503, SoakDriver.fate(429, true));
        assertEquals(SoakDriver.Fate.REFUSED_AFTER_AMBIGUOUS_503, SoakDriver.fate(401, true));
        assertEquals(SoakDriver.Fate.UNRESOLVED, SoakDriver.fate(503, true));
        assertEquals(SoakDriver.Fate.UNRESOLVED, SoakDriver.fate(-1, false));
        assertEquals(SoakDriver.Fate.ACKNOWLEDGED, SoakDriver.fate(200, true));
    }

    @Test
    void aShortSoakReconciles_withInjectedDynamoDbFault() throws Exception {
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        boolean ok;
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.forTests().withDynamoDbFaultRate(0.05))) {
            ok = SoakDriver.run(new SoakDriver.Settings(20, 0.05, 2, 4), runtime, new PrintStream(report, true));
        }
        System.out.print(report);
        assertTrue(ok, report.toString());
    }
}
