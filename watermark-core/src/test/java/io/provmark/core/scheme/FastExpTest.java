package io.provmark.core.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FastExpTest {
    /** Deterministic check (fixed seed, no false failures): relative error against StrictMath.exp. */
    @Test
    void relativeErrorIsAFewUlps() {
        SplittableRandom rnd = new SplittableRandom(20261207L);
        double worst = 0;
        for (int i = 0; i < 2_000_000; i++) {
            // the softmax range (x <= 0, mostly within 60 nats) plus the whole normal range
            double x = i % 2 == 0 ? -60.0 * rnd.nextDouble() : -708.0 + 1417.0 * rnd.nextDouble();
            double ref = StrictMath.exp(x);
            double got = FastExp.exp(x);
            worst = Math.max(worst, Math.abs(got - ref) / ref);
        }
        assertTrue(worst <= 4e-16, "worst relative error " + worst);
    }

    @Test
    void exactPointsAndSpecialCases() {
        assertEquals(1.0, FastExp.exp(0.0));
        assertEquals(1.0, FastExp.exp(-0.0));
        assertEquals(0.5, FastExp.exp(-Math.log(2)), 1e-16);
        assertEquals(0.0, FastExp.exp(Double.NEGATIVE_INFINITY));
        assertEquals(Double.POSITIVE_INFINITY, FastExp.exp(Double.POSITIVE_INFINITY));
        assertTrue(Double.isNaN(FastExp.exp(Double.NaN)));
        assertEquals(StrictMath.exp(-720.0), FastExp.exp(-720.0)); // subnormal range delegates
        assertEquals(StrictMath.exp(-800.0), FastExp.exp(-800.0));
        assertEquals(StrictMath.exp(710.0), FastExp.exp(710.0));
    }

    @Test
    void monotoneOnAFineGrid() {
        double prev = 0;
        for (int i = -200_000; i <= 0; i++) {
            double v = FastExp.exp(i * 1e-4);
            assertTrue(v >= prev, "not monotone at " + i * 1e-4);
            prev = v;
        }
    }
}
