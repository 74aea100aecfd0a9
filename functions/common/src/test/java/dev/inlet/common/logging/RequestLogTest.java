package dev.inlet.common.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class RequestLogTest {

    @Test
    void everyLineOfARequestCarriesItsIdsAndAnOutcomeAndNothingOutlivesIt() {
        Map<String, String> during = RequestLog.around(null, "req-1", "POST /v1/track", () -> {
            Map<String, String> early = MDC.getCopyOfContextMap();
            assertEquals("in_progress", early.get(RequestLog.OUTCOME), "a line logged before the answer");
            RequestLog.source("wk_1", "prj_1");
            RequestLog.outcome("accepted");
            return MDC.getCopyOfContextMap();
        });
        assertEquals(Map.of(RequestLog.REQUEST_ID, "req-1", RequestLog.ROUTE, "POST /v1/track",
                RequestLog.SOURCE_ID, "wk_1", RequestLog.PROJECT_ID, "prj_1", RequestLog.OUTCOME, "accepted"), during);
        assertNull(MDC.get(RequestLog.REQUEST_ID), "cleared for the container's next invocation");
    }
}
