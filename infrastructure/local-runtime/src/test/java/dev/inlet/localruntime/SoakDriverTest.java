package dev.inlet.localruntime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import org.junit.jupiter.api.Test;

/**
 * A short soak ({@code scripts/soak} runs the same driver for 5 minutes): 20 s of steady producers, a rotation, a
 * revocation and a rate-limit storm with random DynamoDB faults, then the reconciliation must hold.
 */
class SoakDriverTest {

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
