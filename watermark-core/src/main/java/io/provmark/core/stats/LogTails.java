package io.provmark.core.stats;

import org.apache.commons.numbers.gamma.RegularizedBeta;
import org.apache.commons.numbers.gamma.RegularizedGamma;

/**
 * Exact upper-tail probabilities of the detection statistics, returned as natural logs.
 *
 * <p>Watermark p-values for long texts are far below the double range, so every method returns
 * {@code ln p}. Near the centre (tail at least 1e-10, n at most 10^8) the regularized incomplete
 * beta/gamma functions of Commons Numbers are used: they are fast there, whereas a term-by-term
 * sum would need O(standard deviation) terms. Further out, the tail is summed in log space from
 * Loader's saddle-point log-pmf with a rigorous geometric bound on the neglected remainder; this
 * is more accurate than the library deep in the tail (the Boost ports drift to ~1e-9 relative
 * beyond ~10 sd at n = 10^7, and the beta everywhere by n = 10^9). Values close to 1 are returned
 * as {@code log1p(-complement)}, so a tiny negative {@code ln p} keeps its relative accuracy.
 *
 * <p>Accuracy, verified in the tests against 100-digit BigDecimal references (n <= 2000) and
 * mpmath spot checks (n = 10^7, 10^9): {@code |error in ln p| <= 1e-9} wherever
 * {@code p > 1e-300} and {@code |error in log10 p| <= 1e-9} below that; observed errors are
 * about 1e-12. Once {@code |ln p|} exceeds about 10^6 a double cannot hold ln p to 1e-9, and the
 * error is then a few ulps of ln p.
 */
public final class LogTails {

    /**
     * Tails at or above this come from the library functions, smaller ones from the log-space
     * sum. At 1e-10 (about 6.4 sd) the sum needs roughly 7 sd worth of terms.
     */
    static final double LIBRARY_FLOOR = 1e-10;

    /**
     * Above this n the library is not used: the Boost incomplete beta drifts to ~1e-8 relative
     * error by n = 10^9, and the incomplete gamma fails to converge near the mean by 10^12.
     */
    static final long LIBRARY_MAX_N = 100_000_000L;

    /** Stop summing when the bounded remainder is below this fraction of the running sum. */
    private static final double SUM_TOLERANCE = 1e-20;

    /** Steps between re-anchoring a summed term to its log-pmf. */
    private static final int RESYNC = 1024;

    /** Largest support size {@code n * sum(w)} accepted by {@link #weightedBernoulliLogSurvival}. */
    public static final long MAX_WEIGHTED_SUPPORT = WeightedBernoulli.MAX_SUPPORT;

    private LogTails() {
    }

    // ---------------------------------------------------------------- binomial

    /**
     * {@code ln P(X >= k)} for {@code X ~ Binomial(n, p)}.
     *
     * @param n trials, {@code n >= 0} (exact below 2^53)
     * @param k threshold; {@code k <= 0} gives 0.0 and {@code k > n} gives -Infinity
     * @param p success probability, {@code 0 < p < 1}
     */
    public static double binomialLogSurvival(long n, long k, double p) {
        checkBinomial(n, p);
        if (k <= 0) {
            return 0.0;
        }
        if (k > n) {
            return Double.NEGATIVE_INFINITY;
        }
        if (n <= LIBRARY_MAX_N) {
            try {
                // P(X >= k) = I_p(k, n - k + 1).
                double a = k;
                double b = (double) (n - k) + 1;
                double u = RegularizedBeta.value(p, a, b);
                if (u > 0.5) {
                    return zeroIfNegZero(Math.log1p(-RegularizedBeta.complement(p, a, b)));
                }
                if (u >= LIBRARY_FLOOR) {
                    return Math.log(u);
                }
            } catch (ArithmeticException e) {
                // Continued fraction failed to converge: fall through to the sums.
            }
        }
        return binomialLogSurvivalBySum(n, k, p);
    }

    /**
     * {@code ln P(X <= k)} for {@code X ~ Binomial(n, p)}: the lower tail, computed with the same
     * care as {@link #binomialLogSurvival} (directly, not by symmetry with {@code 1 - p}, which
     * would round p).
     *
     * @param n trials, {@code n >= 0}
     * @param k threshold; {@code k < 0} gives -Infinity and {@code k >= n} gives 0.0
     * @param p success probability, {@code 0 < p < 1}
     */
    public static double binomialLogCdf(long n, long k, double p) {
        checkBinomial(n, p);
        if (k < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (k >= n) {
            return 0.0;
        }
        if (n <= LIBRARY_MAX_N) {
            try {
                // P(X <= k) = 1 - I_p(k + 1, n - k).
                double a = (double) k + 1;
                double b = n - k;
                double l = RegularizedBeta.complement(p, a, b);
                if (l > 0.5) {
                    return zeroIfNegZero(Math.log1p(-RegularizedBeta.value(p, a, b)));
                }
                if (l >= LIBRARY_FLOOR) {
                    return Math.log(l);
                }
            } catch (ArithmeticException e) {
                // Continued fraction failed to converge: fall through to the sums.
            }
        }
        return binomialLogCdfBySum(n, k, p);
    }

    /**
     * {@code ln P(X >= k)}, {@code 1 <= k <= n}, by summation only. Sums the upper tail directly
     * when the terms decrease from k on ({@code k > (n+1)p - 1}); otherwise k is at most the
     * median, the survival is at least 1/2, and it is taken as {@code 1 - P(X <= k-1)}.
     * Package-private so tests can check it against the library path at the switch point.
     */
    static double binomialLogSurvivalBySum(long n, long k, double p) {
        if (k > (n + 1) * p - 1) {
            return upperBinomialSum(n, k, p);
        }
        return zeroIfNegZero(LogP.log1mExp(lowerBinomialSum(n, k - 1, p)));
    }

    /** {@code ln P(X <= k)}, {@code 0 <= k < n}, by summation only (mirror of the above). */
    static double binomialLogCdfBySum(long n, long k, double p) {
        if (k < (n + 1) * p) {
            return lowerBinomialSum(n, k, p);
        }
        return zeroIfNegZero(LogP.log1mExp(upperBinomialSum(n, k + 1, p)));
    }

    /** {@code ln sum_{j >= k} P(X = j)}; term ratio {@code (n-j)/(j+1) * p/q}. */
    private static double upperBinomialSum(long n, long k, double p) {
        double q = 1.0 - p;
        double odds = p / q;
        return logTailSum(k, n, +1, new Walk() {
            @Override
            public double logPmf(long j) {
                return SaddlePoint.logBinomialPmf(j, n, p, q);
            }

            @Override
            public double ratio(long j) {
                return (double) (n - j) / (double) (j + 1) * odds;
            }
        });
    }

    /** {@code ln sum_{j <= k} P(X = j)}; term ratio {@code j/(n-j+1) * q/p} going down. */
    private static double lowerBinomialSum(long n, long k, double p) {
        double q = 1.0 - p;
        double invOdds = q / p;
        return logTailSum(k, 0, -1, new Walk() {
            @Override
            public double logPmf(long j) {
                return SaddlePoint.logBinomialPmf(j, n, p, q);
            }

            @Override
            public double ratio(long j) {
                return (double) j / (double) (n - j + 1) * invOdds;
            }
        });
    }

    /** A unimodal pmf walked one step at a time: {@code ratio(j) = P(next)/P(j)}. */
    private interface Walk {
        double logPmf(long j);

        double ratio(long j);
    }

    /**
     * {@code ln sum P(j)} for j from {@code start} to {@code end} (inclusive) in direction
     * {@code dir}, starting from the accurate {@code ln P(start)}; terms are kept relative to the
     * first, so nothing overflows or underflows prematurely.
     *
     * <p>Remainder bound: past the mode the step ratio r decreases along the walk, so once
     * {@code r < 1} all later terms are at most the current term times a geometric series in r;
     * stopping when {@code term * r / (1 - r) <= 1e-20 * sum} leaves out less than that fraction.
     * The recurrence would accumulate the (systematic) rounding of r over O(sd) steps, so the term
     * is re-anchored to the log-pmf every {@value #RESYNC} steps, and the sum is compensated.
     */
    private static double logTailSum(long start, long end, int dir, Walk walk) {
        double lead = walk.logPmf(start);
        double sum = 1.0;
        double comp = 0.0;
        double term = 1.0;
        long steps = 0;
        for (long j = start; j != end; j += dir) {
            double r = walk.ratio(j);
            if (++steps % RESYNC == 0) {
                term = Math.exp(walk.logPmf(j + dir) - lead);
            } else {
                term *= r;
            }
            double t = sum + term;
            comp += sum >= term ? (sum - t) + term : (term - t) + sum; // Neumaier
            sum = t;
            if (r < 1.0 && term * r <= SUM_TOLERANCE * sum * (1.0 - r)) {
                break;
            }
        }
        return lead + Math.log(sum + comp);
    }

    private static void checkBinomial(long n, double p) {
        if (n < 0) {
            throw new IllegalArgumentException("binomial n must be >= 0, got " + n);
        }
        if (!(p > 0.0 && p < 1.0)) {
            throw new IllegalArgumentException("binomial p must be in (0, 1), got " + p);
        }
    }

    // ---------------------------------------------------------------- gamma

    /**
     * {@code ln P(G >= x)} for {@code G ~ Gamma(shape n, scale 1)}, i.e. a sum of n independent
     * Exp(1) variables (the Gumbel/Aaronson-style score). Equals
     * {@code ln Q(n, x) = ln P(Poisson(x) <= n - 1)}.
     *
     * @param n shape, {@code n >= 1}
     * @param x threshold; {@code x <= 0} gives 0.0, {@code +Infinity} gives -Infinity
     */
    public static double gammaLogSurvival(long n, double x) {
        if (n < 1) {
            throw new IllegalArgumentException("gamma shape n must be >= 1, got " + n);
        }
        if (Double.isNaN(x)) {
            throw new IllegalArgumentException("gamma threshold x is NaN");
        }
        if (x <= 0) {
            return 0.0;
        }
        if (x == Double.POSITIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        if (n == 1) {
            return -x;
        }
        if (n <= LIBRARY_MAX_N) {
            try {
                double a = n;
                double q = RegularizedGamma.Q.value(a, x);
                if (q > 0.5) {
                    return zeroIfNegZero(Math.log1p(-RegularizedGamma.P.value(a, x)));
                }
                if (q >= LIBRARY_FLOOR) {
                    return Math.log(q);
                }
            } catch (ArithmeticException e) {
                // Series failed to converge (huge shape near the mean): the sums below still work.
            }
        }
        return gammaLogSurvivalBySum(n, x);
    }

    /**
     * {@code ln Q(n, x)} by summation only, as {@code ln P(Poisson(x) <= n-1)}. For
     * {@code x > n - 1} the terms decrease from {@code j = n-1} downwards (ratio {@code j/x});
     * otherwise Q is at least 1/2 (the Poisson median is at least floor(x)) and it is taken as
     * {@code 1 - P(Poisson(x) >= n)}, whose terms decrease upwards from n (ratio
     * {@code x/(j+1)}).
     */
    static double gammaLogSurvivalBySum(long n, double x) {
        if (x > n - 1) {
            return logTailSum(n - 1, 0, -1, new Walk() {
                @Override
                public double logPmf(long j) {
                    return SaddlePoint.logPoissonPmf(j, x);
                }

                @Override
                public double ratio(long j) {
                    return j / x;
                }
            });
        }
        double upper = logTailSum(n, Long.MAX_VALUE, +1, new Walk() {
            @Override
            public double logPmf(long j) {
                return SaddlePoint.logPoissonPmf(j, x);
            }

            @Override
            public double ratio(long j) {
                return x / (j + 1);
            }
        });
        return zeroIfNegZero(LogP.log1mExp(upper));
    }

    // ---------------------------------------------------------------- weighted Bernoulli

    /**
     * Exact {@code ln P(S >= s)} for {@code S = sum_l w_l B_l}, {@code B_l ~ Binomial(n, 1/2)}
     * independent, with non-negative integer layer weights (the SynthID weighted-mean score times
     * its denominator).
     *
     * <p>Computed by convolving the per-layer distributions after an exponential tilt that centres
     * them on {@code s}, so the relevant probabilities stay within double range; the result carries
     * no approximation beyond floating-point rounding and a verified truncation below 1e-15
     * relative. Cost grows roughly like (number of distinct weights) x n x sqrt(n sum w^2).
     *
     * @throws IllegalArgumentException on negative weights, {@code n < 0}, or when
     *     {@code n * sum(w)} exceeds {@link #MAX_WEIGHTED_SUPPORT}; use
     *     {@link #weightedBernoulliChernoffLogBound} then.
     * @throws ArithmeticException in the (not observed in testing) case that the tilted vector has
     *     no usable mass near s and the exact log-domain fallback would be too slow; use
     *     {@link #weightedBernoulliChernoffLogBound} then.
     */
    public static double weightedBernoulliLogSurvival(long n, int[] weights, long s) {
        return WeightedBernoulli.logSurvival(n, weights, s);
    }

    /**
     * Rigorous upper bound on {@code ln P(S >= s)} for {@code S = sum_l w_l B_l}, {@code B_l ~
     * Binomial(n, 1/2)}, real weights {@code w_l >= 0}: the Chernoff bound
     * {@code min_{lambda >= 0} [n sum_l ln((1 + e^{lambda w_l}) / 2) - lambda s]} with the exact
     * Bernoulli(1/2) moment generating function.
     *
     * <p>This is a conservative p-value (never smaller than the true one; a tiny margin covers
     * rounding), typically within a factor {@code e^{few}} of it. Returns 0.0 when s is at or below
     * the mean and -Infinity when s exceeds {@code n * sum(w)}.
     */
    public static double weightedBernoulliChernoffLogBound(long n, double[] weights, double s) {
        return WeightedBernoulli.chernoffLogBound(n, weights, s);
    }

    static double zeroIfNegZero(double v) {
        return v == 0.0 ? 0.0 : v;
    }
}
