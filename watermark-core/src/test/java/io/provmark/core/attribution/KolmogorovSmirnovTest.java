package io.provmark.core.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KolmogorovSmirnovTest {
    @Test
    void exactCdfMatchesPublishedCriticalValues() {
        // two-sided 5% critical values of D_n (Miller 1956 / standard tables)
        assertEquals(0.95, KolmogorovSmirnov.cdfExact(5, 0.56328), 2e-4);
        assertEquals(0.95, KolmogorovSmirnov.cdfExact(10, 0.40925), 2e-4);
        assertEquals(0.95, KolmogorovSmirnov.cdfExact(20, 0.29408), 2e-4);
        // n = 1: P(D_1 < d) = 2d - 1 for d in [1/2, 1]
        assertEquals(0.4, KolmogorovSmirnov.cdfExact(1, 0.7), 1e-12);
    }

    @Test
    void asymptoticAgreesWithExactForLargeN() {
        for (double d : new double[] {0.05, 0.08, 0.12}) {
            double exact = 1 - KolmogorovSmirnov.cdfExact(400, d);
            double asym = KolmogorovSmirnov.asymptoticSurvival(400, d);
            assertEquals(exact, asym, 0.01 * exact + 1e-4, "d = " + d);
        }
    }

    @Test
    void uniformSampleIsAcceptedAndSkewedRejected() {
        SplittableRandom r = new SplittableRandom(5);
        double[] u = new double[500];
        double[] sq = new double[500];
        for (int i = 0; i < u.length; i++) {
            u[i] = r.nextDouble();
            sq[i] = u[i] * u[i];
        }
        // uniform: false failure at this level has probability 1e-3
        assertTrue(KolmogorovSmirnov.uniformTest(u).pValue() > 1e-3);
        // U^2 has D ~ 0.25 at n = 500: p astronomically small
        assertTrue(KolmogorovSmirnov.uniformTest(sq).pValue() < 1e-10);
    }
}
