package io.provmark.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ExactBinomialTestTest {

    @Test
    void tailProbabilities() {
        // n = 10, p = 1/2: P(X >= 8) = (45 + 10 + 1) / 1024, P(X <= 2) the same by symmetry.
        assertEquals(56.0 / 1024, ExactBinomialTest.upperTailP(10, 8, 0.5), 1e-16);
        assertEquals(56.0 / 1024, ExactBinomialTest.lowerTailP(10, 2, 0.5), 1e-16);
        assertEquals(1.0, ExactBinomialTest.upperTailP(10, 0, 0.5));
        assertEquals(1.0, ExactBinomialTest.lowerTailP(10, 10, 0.5));
        assertEquals(0.0, ExactBinomialTest.upperTailP(2000, 2000, 0.25));
        // P(X <= 0) = 0.99^100
        assertEquals(Math.pow(0.99, 100), ExactBinomialTest.lowerTailP(100, 0, 0.01), 1e-15);
    }

    @Test
    void clopperPearsonKnownValues() {
        // Reference values: mpmath, regularized incomplete beta inverted by bisection (40 digits).
        assertArrayEquals(new double[] {0.0, 0.308497107818761}, ExactBinomialTest.clopperPearson(10, 0, 0.95), 1e-12);
        assertArrayEquals(new double[] {0.187086028447399, 0.812913971552601},
                ExactBinomialTest.clopperPearson(10, 5, 0.95), 1e-12);
        assertArrayEquals(new double[] {0.691502892181239, 1.0}, ExactBinomialTest.clopperPearson(10, 10, 0.95), 1e-12);
        assertArrayEquals(new double[] {0.0062299715383064, 0.08517605297428},
                ExactBinomialTest.clopperPearson(100, 3, 0.95), 1e-12);
        assertArrayEquals(new double[] {0.00828282832092043, 0.0305783936328955},
                ExactBinomialTest.clopperPearson(1000, 17, 0.99), 1e-12);
        assertArrayEquals(new double[] {0.00256137877653028, 0.216106164206847},
                ExactBinomialTest.clopperPearson(20, 1, 0.90), 1e-12);
        // Closed form at k = 0: upper = 1 - (alpha/2)^(1/n).
        assertEquals(1 - Math.pow(0.025, 0.1), ExactBinomialTest.clopperPearson(10, 0, 0.95)[1], 1e-14);
    }

    @Test
    void clopperPearsonArguments() {
        assertArrayEquals(new double[] {0.0, 1.0}, ExactBinomialTest.clopperPearson(0, 0, 0.95));
        assertThrows(IllegalArgumentException.class, () -> ExactBinomialTest.clopperPearson(10, 11, 0.95));
        assertThrows(IllegalArgumentException.class, () -> ExactBinomialTest.clopperPearson(10, 3, 1.0));
        assertThrows(IllegalArgumentException.class, () -> ExactBinomialTest.clopperPearson(10, -1, 0.95));
    }
}
