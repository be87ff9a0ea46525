package io.provmark.core.stats;

import org.apache.commons.statistics.distribution.BetaDistribution;

/**
 * Exact binomial tail probabilities and Clopper-Pearson intervals on the plain probability scale,
 * for false-positive-rate experiments and calibration reports (where the numbers of interest are
 * representable and asymptotic intervals would be anti-conservative at small counts).
 */
public final class ExactBinomialTest {

    private ExactBinomialTest() {
    }

    /** {@code P(X >= k)} for {@code X ~ Binomial(n, p)}; may underflow to 0.0. */
    public static double upperTailP(long n, long k, double p) {
        return Math.exp(LogTails.binomialLogSurvival(n, k, p));
    }

    /** {@code P(X <= k)} for {@code X ~ Binomial(n, p)}; may underflow to 0.0. */
    public static double lowerTailP(long n, long k, double p) {
        return Math.exp(LogTails.binomialLogCdf(n, k, p));
    }

    /**
     * Exact (Clopper-Pearson) two-sided confidence interval for a binomial proportion after k
     * successes in n trials: {@code [B^-1(a/2; k, n-k+1), B^-1(1-a/2; k+1, n-k)]} with
     * {@code a = 1 - confidence}, using 0 and 1 at the ends. Conservative: coverage is at least the
     * nominal level for every p.
     *
     * @return {@code {lower, upper}}
     * @throws IllegalArgumentException unless {@code 0 <= k <= n} and {@code 0 < confidence < 1}
     */
    public static double[] clopperPearson(long n, long k, double confidence) {
        if (n < 0 || k < 0 || k > n) {
            throw new IllegalArgumentException("need 0 <= k <= n, got n=" + n + ", k=" + k);
        }
        if (!(confidence > 0.0 && confidence < 1.0)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
        }
        double halfAlpha = 0.5 * (1.0 - confidence);
        double lower = k == 0 ? 0.0
                : BetaDistribution.of(k, (double) (n - k) + 1).inverseCumulativeProbability(halfAlpha);
        // The upper limit is a 1 - a/2 quantile: take it from the survival side to avoid rounding.
        double upper = k == n ? 1.0
                : BetaDistribution.of((double) k + 1, n - k).inverseSurvivalProbability(halfAlpha);
        return new double[] {lower, upper};
    }
}
