package io.provmark.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class WeightedBernoulliTest {

    /** Exact tail counts: entry s is the number of the 2^(n m) outcomes with S >= s. */
    private static BigInteger[] tailCounts(int n, int[] weights) {
        BigInteger[] counts = BigRef.weightedCounts(n, weights);
        BigInteger[] tail = new BigInteger[counts.length];
        BigInteger acc = BigInteger.ZERO;
        for (int s = counts.length - 1; s >= 0; s--) {
            acc = acc.add(counts[s]);
            tail[s] = acc;
        }
        return tail;
    }

    private static double exactLn(BigInteger[] tail, int n, int[] w, long s) {
        if (s <= 0) {
            return 0.0;
        }
        if (s >= tail.length) {
            return Double.NEGATIVE_INFINITY;
        }
        return BigRef.lnRatio(tail[(int) s], n * w.length);
    }

    private static TreeSet<Long> thresholds(long max) {
        TreeSet<Long> ss = new TreeSet<>();
        if (max <= 120) {
            for (long s = -1; s <= max + 1; s++) {
                ss.add(s);
            }
            return ss;
        }
        for (long s = -1; s <= 3; s++) {
            ss.add(s);
            ss.add(max - s);
        }
        for (long s = 0; s <= max; s += Math.max(1, max / 60)) {
            ss.add(s);
        }
        return ss;
    }

    @Test
    void matchesExactCountsOnRandomCases() {
        Accuracy acc = new Accuracy();
        SplittableRandom rnd = new SplittableRandom(20240611);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + rnd.nextInt(trial < 20 ? 12 : 60);
            int m = 1 + rnd.nextInt(5);
            int[] w = new int[m];
            for (int l = 0; l < m; l++) {
                w[l] = rnd.nextInt(trial % 3 == 0 ? 4 : 13);
            }
            check(acc, n, w);
        }
        // Typical SynthID-like shapes: decreasing weights, a zero weight, a common factor.
        check(acc, 120, new int[] {5, 4, 3, 2, 1});
        check(acc, 100, new int[] {6, 0, 4, 2});
        check(acc, 30, new int[] {1, 40});
        // 1120 coins: the upper thresholds have p < 2^-1000, below the double range.
        check(acc, 140, new int[] {1, 1, 1, 1, 1, 1, 1, 1});
        System.out.println("weighted Bernoulli vs BigInteger: " + acc.summary());
    }

    private static void check(Accuracy acc, int n, int[] w) {
        BigInteger[] tail = tailCounts(n, w);
        long max = (long) n * Arrays.stream(w).sum();
        for (long s : thresholds(max)) {
            double expected = exactLn(tail, n, w, s);
            String ctx = "n=" + n + " w=" + Arrays.toString(w) + " s=" + s;
            acc.check(expected, LogTails.weightedBernoulliLogSurvival(n, w, s), ctx);
            // The (slow) log-domain fallback, exercised directly on the small cases.
            if (s >= 1 && s <= max && max <= 300 && s % 3 == 0) {
                acc.check(expected, WeightedBernoulli.logSurvival(n, w, s, true), "log-domain " + ctx);
            }
        }
    }

    @Test
    void reducesToBinomialForEqualWeights() {
        // 3 layers of weight 2: S = 2 Bin(3n, 1/2).
        int n = 400;
        for (long s : new long[] {1, 1200, 1201, 1500, 2000, 2399, 2400}) {
            double expected = LogTails.binomialLogSurvival(3L * n, (s + 1) / 2, 0.5);
            assertEquals(expected, LogTails.weightedBernoulliLogSurvival(n, new int[] {2, 2, 2}, s),
                    1e-9 * Math.max(1, Math.abs(expected)), "s=" + s);
        }
    }

    @Test
    void extremeTailsUnderflowingDouble() {
        // All 2000 * 5 coins must be 1: ln p = -10000 ln 2.
        int[] w = {5, 4, 3, 2, 1};
        assertEquals(-10000 * Math.log(2), LogTails.weightedBernoulliLogSurvival(2000, w, 2000L * 15), 1e-9);
        // One short of the maximum: only the weight-1 layer may miss once, 2000 ways.
        assertEquals(Math.log(2001) - 10000 * Math.log(2),
                LogTails.weightedBernoulliLogSurvival(2000, w, 2000L * 15 - 1), 1e-9);
    }

    @Test
    void argumentChecks() {
        assertEquals(0.0, LogTails.weightedBernoulliLogSurvival(10, new int[] {1, 2}, 0));
        assertEquals(Double.NEGATIVE_INFINITY, LogTails.weightedBernoulliLogSurvival(10, new int[] {1, 2}, 31));
        assertEquals(Double.NEGATIVE_INFINITY, LogTails.weightedBernoulliLogSurvival(10, new int[] {0, 0}, 1));
        assertEquals(Double.NEGATIVE_INFINITY, LogTails.weightedBernoulliLogSurvival(0, new int[] {3}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> LogTails.weightedBernoulliLogSurvival(10, new int[] {1, -1}, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LogTails.weightedBernoulliLogSurvival(10_000_000, new int[] {1, 2, 3}, 100));
        assertTrue(e.getMessage().contains("Chernoff"), e.getMessage());
    }

    @Test
    void chernoffBoundIsAnUpperBoundAndReasonablyTight() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 30; trial++) {
            int n = 1 + rnd.nextInt(80);
            int m = 1 + rnd.nextInt(5);
            int[] w = new int[m];
            double[] wd = new double[m];
            for (int l = 0; l < m; l++) {
                w[l] = rnd.nextInt(10);
                wd[l] = w[l];
            }
            BigInteger[] tail = tailCounts(n, w);
            long max = (long) n * Arrays.stream(w).sum();
            for (long s : thresholds(max)) {
                double e = exactLn(tail, n, w, s);
                double bound = LogTails.weightedBernoulliChernoffLogBound(n, wd, s);
                String ctx = "n=" + n + " w=" + Arrays.toString(w) + " s=" + s;
                assertTrue(bound >= e, ctx + ": bound " + bound + " < exact " + e);
                if (e != Double.NEGATIVE_INFINITY) {
                    // The Chernoff gap is about ln(sd * theta * sqrt(2 pi)) plus lattice effects.
                    assertTrue(bound - e <= 6, ctx + ": bound " + bound + " vs exact " + e);
                }
            }
        }
    }

    @Test
    void chernoffWithRealWeights() {
        // Weights {0.5, 1.5} are {1, 3} / 2, so P(S >= s) = P(S' >= 2s) for integer S'.
        int n = 60;
        for (double s : new double[] {30, 45.25, 60, 80.5, 110, 119.5, 120}) {
            double exact = LogTails.weightedBernoulliLogSurvival(n, new int[] {1, 3}, (long) Math.ceil(2 * s));
            double bound = LogTails.weightedBernoulliChernoffLogBound(n, new double[] {0.5, 1.5}, s);
            assertTrue(bound >= exact && bound - exact < 5, "s=" + s + " bound " + bound + " exact " + exact);
        }
        assertEquals(0.0, LogTails.weightedBernoulliChernoffLogBound(n, new double[] {0.5, 1.5}, 59.9));
        assertEquals(Double.NEGATIVE_INFINITY,
                LogTails.weightedBernoulliChernoffLogBound(n, new double[] {0.5, 1.5}, 120.01));
        assertThrows(IllegalArgumentException.class,
                () -> LogTails.weightedBernoulliChernoffLogBound(n, new double[] {0.5, -1}, 3));
        assertThrows(IllegalArgumentException.class,
                () -> LogTails.weightedBernoulliChernoffLogBound(n, new double[] {Double.NaN}, 3));
    }

    @Test
    void chernoffHandlesHugeLambdaWithoutOverflow() {
        // s just below the maximum forces a very large lambda * w.
        double[] w = {1000.0, 0.001};
        double max = 50 * 1000.001;
        double bound = LogTails.weightedBernoulliChernoffLogBound(50, w, max - 1e-6);
        assertTrue(Double.isFinite(bound) && bound <= 0 && bound >= -100 * Math.log(2) - 1e-9, "bound " + bound);
    }
}
