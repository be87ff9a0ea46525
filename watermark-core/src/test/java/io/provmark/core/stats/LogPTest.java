package io.provmark.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogPTest {

    @Test
    void conversions() {
        assertEquals(-1204.1199826559248, LogP.toLog10(2000 * Math.log(0.25)), 1e-9);
        assertEquals(0.01, LogP.toP(Math.log(0.01)), 1e-17);
        assertEquals(0.0, LogP.toP(-1e4));
        assertEquals(-3.0, LogP.toLog10(Math.log(1e-3)), 1e-15);
    }

    @Test
    void log1mExpIsAccurateInBothRegimes() {
        // a near 0: 1 - e^a ~ -a, so ln(1 - e^a) ~ ln(-a).
        assertEquals(Math.log(1e-20), LogP.log1mExp(-1e-20), 1e-15);
        assertEquals(Math.log(-Math.expm1(-0.5)), LogP.log1mExp(-0.5), 1e-16);
        // a very negative: ln(1 - e^a) ~ -e^a, with full relative accuracy.
        assertEquals(-Math.exp(-50), LogP.log1mExp(-50), 1e-16 * Math.exp(-50));
        assertEquals(Math.log1p(-Math.exp(-2)), LogP.log1mExp(-2), 1e-16);
        assertEquals(Double.NEGATIVE_INFINITY, LogP.log1mExp(0.0));
        assertEquals(-0.0, LogP.log1mExp(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(LogP.log1mExp(0.1)));
    }

    @Test
    void logSumExp() {
        assertEquals(Math.log(0.3), LogP.logSumExp(Math.log(0.1), Math.log(0.2)), 1e-15);
        assertEquals(-1000 + Math.log(2), LogP.logSumExp(-1000, -1000), 1e-12);
        assertEquals(1e6, LogP.logSumExp(1e6, -1e6));
        assertEquals(-5.0, LogP.logSumExp(Double.NEGATIVE_INFINITY, -5.0));
        assertEquals(Double.NEGATIVE_INFINITY, LogP.logSumExp(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(LogP.logSumExp(Double.NaN, 1)));
    }
}
