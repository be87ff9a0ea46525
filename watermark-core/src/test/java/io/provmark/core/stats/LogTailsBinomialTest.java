package io.provmark.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.TreeSet;
import org.apache.commons.numbers.gamma.RegularizedBeta;
import org.junit.jupiter.api.Test;

class LogTailsBinomialTest {

    private static final int[] NS = {1, 2, 3, 7, 20, 64, 150, 500, 1000, 2000};
    private static final double[] PS = {
        0.5, 0.25, 0.75, 1.0 / 3, 0.1, 0.0625, 0.01, 1e-4, 1e-9, 1e-200, 0.9, 0.99, 0.999999,
        1 - 0x1p-52,
    };

    @Test
    void matchesExactRationalSums() {
        Accuracy acc = new Accuracy();
        for (int n : NS) {
            for (double p : PS) {
                BigDecimal[] pmf = BigRef.binomialPmf(n, p);
                BigDecimal[] upper = BigRef.suffixSums(pmf);
                BigDecimal[] lower = BigRef.prefixSums(pmf);
                for (long k : ksToCheck(n, p)) {
                    String ctx = "n=" + n + " k=" + k + " p=" + p;
                    double expUpper = k <= 0 ? 0.0 : k > n ? Double.NEGATIVE_INFINITY : BigRef.ln(upper[(int) k]);
                    acc.check(expUpper, LogTails.binomialLogSurvival(n, k, p), "survival " + ctx);
                    double expLower = k < 0 ? Double.NEGATIVE_INFINITY : k >= n ? 0.0 : BigRef.ln(lower[(int) k]);
                    acc.check(expLower, LogTails.binomialLogCdf(n, k, p), "cdf " + ctx);
                    if (k >= 1 && k <= n) {
                        // The summation path must also be right on its own, everywhere.
                        acc.check(expUpper, LogTails.binomialLogSurvivalBySum(n, k, p), "sum " + ctx);
                    }
                }
            }
        }
        System.out.println("binomial vs BigDecimal: " + acc.summary());
    }

    /** All k for small n; otherwise both ends, a grid, and -40..40 sd around the mean. */
    private static TreeSet<Long> ksToCheck(int n, double p) {
        TreeSet<Long> ks = new TreeSet<>();
        if (n <= 64) {
            for (long k = -1; k <= n + 1; k++) {
                ks.add(k);
            }
            return ks;
        }
        for (long k = -1; k <= 3; k++) {
            ks.add(k);
            ks.add(n - k);
        }
        for (long k = 0; k <= n; k += n / 25) {
            ks.add(k);
        }
        double mean = n * p;
        double sd = Math.sqrt(n * p * (1 - p));
        for (int z = -40; z <= 40; z += 2) {
            long k = Math.round(mean + z * Math.max(sd, 0.5));
            if (k >= 0 && k <= n) {
                ks.add(k);
            }
        }
        return ks;
    }

    @Test
    void allSuccessesUnderflowingDouble() {
        // P(X >= 2000) = 0.25^2000, log10 = 2000 log10(0.25) = -1204.1199...
        double ln = LogTails.binomialLogSurvival(2000, 2000, 0.25);
        assertEquals(2000 * Math.log10(0.25), LogP.toLog10(ln), 1e-9);
        assertEquals(0.0, LogP.toP(ln));
        BigDecimal exact = new BigDecimal(0.25).pow(2000);
        assertEquals(BigRef.ln(exact), ln, 1e-9 * Math.log(10));
    }

    @Test
    void survivalNearOneKeepsRelativeAccuracyOfLnP() {
        // P(X >= 1) for n = 100, p = 0.5 is 1 - 2^-100: ln p = -7.9e-31, not 0.
        double ln = LogTails.binomialLogSurvival(100, 1, 0.5);
        assertEquals(-Math.pow(2, -100), ln, 1e-9 * Math.pow(2, -100));
    }

    @Test
    void edgeCasesAndArguments() {
        assertEquals(0.0, LogTails.binomialLogSurvival(10, 0, 0.3));
        assertEquals(0.0, LogTails.binomialLogSurvival(10, -5, 0.3));
        assertEquals(Double.NEGATIVE_INFINITY, LogTails.binomialLogSurvival(10, 11, 0.3));
        assertEquals(0.0, LogTails.binomialLogSurvival(0, 0, 0.3));
        assertEquals(Double.NEGATIVE_INFINITY, LogTails.binomialLogSurvival(0, 1, 0.3));
        assertEquals(10 * Math.log(0.3), LogTails.binomialLogSurvival(10, 10, 0.3), 1e-14);
        assertEquals(0.0, LogTails.binomialLogCdf(10, 10, 0.3));
        assertEquals(Double.NEGATIVE_INFINITY, LogTails.binomialLogCdf(10, -1, 0.3));
        assertThrows(IllegalArgumentException.class, () -> LogTails.binomialLogSurvival(10, 3, 0.0));
        assertThrows(IllegalArgumentException.class, () -> LogTails.binomialLogSurvival(10, 3, 1.0));
        assertThrows(IllegalArgumentException.class, () -> LogTails.binomialLogSurvival(10, 3, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> LogTails.binomialLogSurvival(-1, 0, 0.5));
    }

    @Test
    void largeNNearMeanAgreesWithRegularizedBetaAndSumPath() {
        for (long n : new long[] {1_000_000L, 10_000_000L}) {
            for (double p : new double[] {0.5, 0.25, 0.01}) {
                double mean = n * p;
                double sd = Math.sqrt(n * p * (1 - p));
                for (double z = -5; z <= 5; z += 0.25) {
                    long k = (long) Math.ceil(mean + z * sd);
                    double u = RegularizedBeta.value(p, k, n - k + 1);
                    double lnBeta = u > 0.5 ? Math.log1p(-RegularizedBeta.complement(p, k, n - k + 1)) : Math.log(u);
                    String ctx = "n=" + n + " p=" + p + " k=" + k;
                    assertEquals(lnBeta, LogTails.binomialLogSurvival(n, k, p), 1e-12 * Math.max(1, -lnBeta), ctx);
                    assertEquals(lnBeta, LogTails.binomialLogSurvivalBySum(n, k, p), 1e-9, ctx);
                }
            }
        }
    }

    @Test
    void pathsAgreeAtTheSwitchPoint() {
        for (long n : new long[] {1_000_000L, 10_000_000L}) {
            for (double p : new double[] {0.5, 0.1}) {
                // Smallest k whose survival is below the library floor, by bisection on k.
                long lo = (long) (n * p);
                long hi = n;
                while (hi - lo > 1) {
                    long mid = (lo + hi) >>> 1;
                    if (RegularizedBeta.value(p, mid, n - mid + 1) < LogTails.LIBRARY_FLOOR) {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                for (long k = hi - 2; k <= hi + 2; k++) {
                    double viaLibrary = Math.log(RegularizedBeta.value(p, k, n - k + 1));
                    double viaSum = LogTails.binomialLogSurvivalBySum(n, k, p);
                    assertEquals(viaLibrary, viaSum, 1e-9, "n=" + n + " p=" + p + " k=" + k);
                }
                double below = LogTails.binomialLogSurvival(n, hi - 1, p);
                double above = LogTails.binomialLogSurvival(n, hi, p);
                assertTrue(above < below, "monotone across the switch");
                assertEquals(LogTails.binomialLogSurvivalBySum(n, hi, p), above, 0.0);
            }
        }
    }

    @Test
    void veryLargeNMatchesMpmath() {
        // Externally computed with mpmath at 50 digits (log-gamma pmf and a ratio sum);
        // n = 10^9 is beyond where the library beta is used.
        long n = 1_000_000_000L;
        assertEquals(-177.89745423598678739, LogTails.binomialLogSurvival(n, 500_295_000L, 0.5), 1e-9);
        assertEquals(-698.37833521377959196, LogTails.binomialLogSurvival(n, 500_589_000L, 0.5), 1e-9);
        assertEquals(-22.786775621823525082, LogTails.binomialLogSurvival(n, 500_100_000L, 0.5), 1e-9);
        // n = 2^34 (sum path throughout), mpmath at 45 digits.
        long big = 1L << 34;
        assertEquals(-3.0371655266541559982, LogTails.binomialLogSurvival(big, 5154060755L, 0.3), 1e-9);
        assertEquals(-115.88403904665187605, LogTails.binomialLogSurvival(big, 5154860755L, 0.3), 1e-9);
        // Below the mean the survival is 1 - P(X <= k-1): check it is consistent with the cdf.
        double lnS = LogTails.binomialLogSurvival(n, 499_990_000L, 0.5);
        double lnC = LogTails.binomialLogCdf(n, 499_989_999L, 0.5);
        assertEquals(1.0, Math.exp(lnS) + Math.exp(lnC), 1e-12);
    }

    @Test
    void kNearNForLargeN() {
        // Regression: Loader's log1p(-k/n) loses ~n ulps as k -> n; n beyond the library range.
        long n = 100_000_001L;
        double p = 0.999999999;
        double q = 1 - p;
        double lnAll = n * Math.log(p);
        assertEquals(lnAll, LogTails.binomialLogSurvival(n, n, p), 1e-12);
        // P(X >= n-1) = p^(n-1) (p + n q)
        assertEquals((n - 1) * Math.log(p) + Math.log(p + n * q), LogTails.binomialLogSurvival(n, n - 1, p), 1e-12);
        assertEquals(LogP.log1mExp(lnAll), LogTails.binomialLogCdf(n, n - 1, p), 1e-11);
    }

    @Test
    void extremeParametersAreFiniteMonotoneAndComplementary() {
        double[] ps = {Double.MIN_VALUE, 1e-300, 1e-17, 0.3, 0.5, 1 - 1e-9, Math.nextDown(1.0)};
        long[] ns = {1, 2, 1000, 100_000_000L, 100_000_001L, 1L << 34};
        for (long n : ns) {
            for (double p : ps) {
                double mean = n * p;
                double sd = Math.max(1, Math.sqrt(n * p * (1 - p)));
                TreeSet<Long> ks = new TreeSet<>();
                for (long k : new long[] {0, 1, 2, n - 1, n}) {
                    ks.add(Math.max(0, k));
                }
                for (double z = -40; z <= 40; z += 4) {
                    long k = (long) Math.floor(mean + z * sd);
                    if (k >= 0 && k <= n) {
                        ks.add(k);
                    }
                }
                double prev = 0.0;
                for (long k : ks) {
                    String ctx = "n=" + n + " p=" + p + " k=" + k;
                    double lnS = LogTails.binomialLogSurvival(n, k, p);
                    double lnC = LogTails.binomialLogCdf(n, k - 1, p);
                    assertTrue(lnS <= 0 && lnS <= prev + 1e-12 * Math.abs(prev), ctx + " lnS=" + lnS);
                    assertEquals(1.0, Math.exp(lnS) + Math.exp(lnC), 1e-12, ctx);
                    prev = lnS;
                }
            }
        }
    }
}
