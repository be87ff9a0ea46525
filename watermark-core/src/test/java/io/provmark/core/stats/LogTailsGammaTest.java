package io.provmark.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.TreeSet;
import org.apache.commons.numbers.gamma.RegularizedGamma;
import org.junit.jupiter.api.Test;

class LogTailsGammaTest {

    private static final int[] NS = {1, 2, 3, 10, 37, 100, 500, 2000};
    private static final double[] FACTORS = {
        1e-6, 1e-3, 0.05, 0.3, 0.6, 0.85, 0.95, 1.0, 1.05, 1.2, 1.5, 2, 3, 5, 10, 30,
    };

    @Test
    void matchesBigDecimalPoissonSums() {
        Accuracy acc = new Accuracy();
        for (int n : NS) {
            TreeSet<Double> xs = new TreeSet<>();
            for (double f : FACTORS) {
                xs.add(n * f);
            }
            // The 2000-term references are the slow part of the suite: a coarser grid there.
            int zStep = n > 500 ? 10 : 5;
            for (int z = -40; z <= 60; z += zStep) {
                double x = n + z * Math.sqrt(n) + 0.123;
                if (x > 0) {
                    xs.add(x);
                }
            }
            for (double x : new double[] {0.5, 1, 20.25, 100, 700, 746.5, 1000, 5000}) {
                xs.add(x);
            }
            for (double x : xs) {
                double expected = BigRef.ln(BigRef.gammaSurvival(n, x));
                acc.check(expected, LogTails.gammaLogSurvival(n, x), "n=" + n + " x=" + x);
                if (x > n - 1) {
                    acc.check(expected, LogTails.gammaLogSurvivalBySum(n, x), "sum n=" + n + " x=" + x);
                }
            }
        }
        System.out.println("gamma vs BigDecimal: " + acc.summary());
    }

    @Test
    void edgeCases() {
        assertEquals(0.0, LogTails.gammaLogSurvival(5, 0.0));
        assertEquals(0.0, LogTails.gammaLogSurvival(5, -3.0));
        assertEquals(Double.NEGATIVE_INFINITY, LogTails.gammaLogSurvival(5, Double.POSITIVE_INFINITY));
        assertEquals(-1e8, LogTails.gammaLogSurvival(1, 1e8));
        assertThrows(IllegalArgumentException.class, () -> LogTails.gammaLogSurvival(0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> LogTails.gammaLogSurvival(3, Double.NaN));
        // x << n: ln Q is a tiny negative number, ln(1 - P) with P = e^-x x^n/n! (1 + ...).
        double lnQ = LogTails.gammaLogSurvival(50, 1.0);
        double expected = BigRef.ln(BigRef.gammaSurvival(50, 1.0));
        assertTrue(expected < -1e-66 && expected > -1e-64, "reference ~ -1.2e-65");
        assertEquals(expected, lnQ, 1e-9 * -expected);
    }

    @Test
    void largeShapeAndThreshold() {
        // mpmath (40 digits, regularized upper incomplete gamma).
        long n = 10_000_000L;
        assertEquals(-350.75766132041775801, LogTails.gammaLogSurvival(n, 10083485.5), 1e-9);
        assertEquals(-48.090651429510114484, LogTails.gammaLogSurvival(n, 10030000.25), 1e-9);
        assertEquals(-1.763824291138734674, LogTails.gammaLogSurvival(n, 10003000), 1e-9);
        // n = 10^12: beyond the library range (its series stops converging near the mean).
        long huge = 1_000_000_000_000L;
        assertEquals(-3.7831819604705018034, LogTails.gammaLogSurvival(huge, 1.000002e12), 1e-9);
        assertEquals(-0.02301285408107471173, LogTails.gammaLogSurvival(huge, 0.999998e12), 1e-11);
        // x up to 1e8: finite, monotone, and the n = 1 case is exactly -x.
        double prev = 0;
        for (double x : new double[] {1e7, 2e7, 5e7, 1e8}) {
            double v = LogTails.gammaLogSurvival(n, x);
            assertTrue(Double.isFinite(v) && v < prev, "x=" + x);
            prev = v;
        }
    }

    @Test
    void pathsAgreeAtTheSwitchPoint() {
        for (long n : new long[] {1_000L, 1_000_000L, 10_000_000L}) {
            // Smallest x (to 1e-6 relative) whose survival is below the library floor.
            double lo = n;
            double hi = n + 100 * Math.sqrt(n);
            while (hi - lo > 1e-6 * n) {
                double mid = 0.5 * (lo + hi);
                if (RegularizedGamma.Q.value(n, mid) < LogTails.LIBRARY_FLOOR) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            for (double x : new double[] {lo, hi}) {
                double viaLibrary = Math.log(RegularizedGamma.Q.value(n, x));
                double viaSum = LogTails.gammaLogSurvivalBySum(n, x);
                assertEquals(viaLibrary, viaSum, 1e-9, "n=" + n + " x=" + x);
            }
            assertTrue(LogTails.gammaLogSurvival(n, hi) < LogTails.gammaLogSurvival(n, lo));
        }
    }

    @Test
    void extremeArgumentsAreFiniteAndMonotone() {
        for (long n : new long[] {1, 2, 3, 1000, 100_000_000L, 100_000_001L, 1_000_000_000L}) {
            TreeSet<Double> xs = new TreeSet<>();
            for (double x : new double[] {1e-300, 1e-10, 0.5, 1, 1e8, 1e12}) {
                xs.add(x);
            }
            for (double z = -60; z <= 60; z += 5) {
                double x = n + z * Math.sqrt(n);
                if (x > 0) {
                    xs.add(x);
                }
            }
            double prev = 0.0;
            for (double x : xs) {
                double v = LogTails.gammaLogSurvival(n, x);
                assertTrue(v <= 0 && v <= prev + 1e-12 * Math.abs(prev), "n=" + n + " x=" + x + " v=" + v);
                prev = v;
            }
        }
    }
}
