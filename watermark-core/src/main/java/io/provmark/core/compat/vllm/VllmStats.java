package io.provmark.core.compat.vllm;

import io.provmark.core.stats.LogTails;
import org.apache.commons.numbers.gamma.Erfc;
import org.apache.commons.numbers.gamma.LogGamma;
import org.apache.commons.numbers.gamma.RegularizedGamma;

/**
 * p-values two ways: {@code upstream*} reproduce vLLM's own formulas (including their
 * approximations and underflow to 0.0) so that the reported {@code p_value} matches vLLM; the
 * others are provmark's exact log-space tails used for {@link io.provmark.core.detect.Evidence}.
 */
public final class VllmStats {
    private VllmStats() {
    }

    /** Python's round(): half to even. */
    static long pythonRound(double x) {
        return (long) Math.rint(x);
    }

    // ------------------------------------------------------------------ upstream formulas (spec §3.3)

    /**
     * vLLM's Gamma(shape, 1) survival at {@code score} for integer shape: e^-S Σ_{k<n} S^k/k!
     * with the log-terms accumulated sequentially, then exponentiated (underflows to 0.0).
     */
    public static double upstreamGammaSurvival(double score, long shape) {
        if (shape <= 0 || score <= 0) {
            return 1.0;
        }
        double logScore = Math.log(score);
        double term = 0.0;
        double maxTerm = 0.0;
        // Two passes instead of a stored list: the terms are recomputed identically.
        for (long k = 1; k < shape; k++) {
            term += logScore - Math.log(k);
            maxTerm = Math.max(maxTerm, term);
        }
        double sum = Math.exp(0.0 - maxTerm);
        term = 0.0;
        for (long k = 1; k < shape; k++) {
            term += logScore - Math.log(k);
            sum += Math.exp(term - maxTerm);
        }
        double logSum = maxTerm + Math.log(sum);
        return Math.min(1.0, Math.exp(Math.min(0.0, -score + logSum)));
    }

    /**
     * vLLM's dual-key p-value: integer-shape survival of S/v with shape round(n/v) for alpha in
     * {0, 0.5, 1}, otherwise the moment-matched regularized upper incomplete gamma Q(n/v, S/v).
     */
    public static double upstreamDualKeyPValue(double score, long n, double alpha) {
        double variance = (1 - alpha) * (1 - alpha) + alpha * alpha;
        if (alpha == 0 || alpha == 0.5 || alpha == 1) {
            return upstreamGammaSurvival(score / variance, pythonRound(n / variance));
        }
        return torchGammaincc(n / variance, score / variance);
    }

    /** float32 pi as torch's Temme branch uses it, and the resulting relative scale error of its correction term. */
    private static final double PI_F = (float) Math.PI;
    private static final double TEMME_SCALE_ERROR = Math.sqrt(Math.PI / PI_F) - 1;

    /**
     * torch.special.gammaincc as vLLM calls it. torch follows SciPy/Cephes: where a ~ x
     * (20 < a < 200 and |x-a|/a < 0.3, or a > 200 and |x-a|/a < 4.5/sqrt(a)) it uses Temme's
     * uniform expansion Q = ½·erfc(η·sqrt(a/2)) + T, but divides T by sqrt(2·π·a) with π in
     * float32, scaling T by 1 - 1.4e-8 (an upstream accuracy bug, ~1e-9 relative in Q for
     * typical inputs). Elsewhere its series/continued fractions are accurate. This returns the
     * accurate Q with that same scaling of T, so the reported p_value matches vLLM's.
     */
    static double torchGammaincc(double a, double x) {
        double q = RegularizedGamma.Q.value(a, x);
        double ratio = Math.abs(x - a) / a;
        boolean temme = a > 20 && a < 200 && ratio < 0.3 || a > 200 && ratio < 4.5 / Math.sqrt(a);
        if (!temme) {
            return q;
        }
        double sigma = (x - a) / a;
        double eta = Math.sqrt(-2 * (Math.log1p(sigma) - sigma));
        if (x < a) {
            eta = -eta;
        } else if (x == a) {
            eta = 0;
        }
        double leading = 0.5 * Erfc.value(eta * Math.sqrt(a / 2));
        return q + (q - leading) * TEMME_SCALE_ERROR;
    }

    /** vLLM's SBW p-value: the normal approximation ½·erfc(z/√2), z = (G − nγ)/√(nγ(1−γ)). */
    public static double upstreamSbwPValue(double score, long n, double gamma) {
        if (n == 0) {
            return 1.0;
        }
        double z = (score - n * gamma) / Math.sqrt(n * gamma * (1 - gamma));
        return 0.5 * Erfc.value(z / Math.sqrt(2));
    }

    /** vLLM's (branch) red-green binomial survival P[Bin(n, γ) ≥ k] via lgamma log-terms. */
    public static double upstreamRedGreenPValue(long successes, long trials, double probability) {
        if (successes <= 0) {
            return 1.0;
        }
        if (successes > trials) {
            return 0.0;
        }
        double logP = Math.log(probability);
        double logQ = Math.log1p(-probability);
        double lgN = LogGamma.value(trials + 1.0);
        double[] terms = new double[(int) (trials - successes + 1)];
        double max = Double.NEGATIVE_INFINITY;
        for (long c = successes; c <= trials; c++) {
            double t = redGreenTerm(lgN, c, trials, logP, logQ);
            terms[(int) (c - successes)] = t;
            max = Math.max(max, t);
        }
        double sum = 0.0;
        for (double t : terms) {
            sum += Math.exp(t - max);
        }
        return Math.min(1.0, Math.exp(max + Math.log(sum)));
    }

    private static double redGreenTerm(double lgN, long c, long n, double logP, double logQ) {
        return lgN - LogGamma.value(c + 1.0) - LogGamma.value(n - c + 1.0) + c * logP + (n - c) * logQ;
    }

    /** vLLM's (branch) SynthID p-value P[Bin(trials, ½) ≥ hits]: symmetry below the middle, then an upward term recurrence. */
    public static double upstreamSynthIdPValue(long hits, long trials) {
        if (hits <= 0) {
            return 1.0;
        }
        if (hits > trials) {
            return 0.0;
        }
        if (hits <= trials / 2) {
            return 1.0 - upstreamSynthIdPValue(trials - hits + 1, trials);
        }
        double logTerm = LogGamma.value(trials + 1.0) - LogGamma.value(hits + 1.0) - LogGamma.value(trials - hits + 1.0)
                - trials * Math.log(2);
        double term = Math.exp(logTerm);
        double total = term;
        for (long count = hits; count < trials; count++) {
            term *= (double) (trials - count) / (count + 1);
            total += term;
        }
        return Math.min(1.0, total);
    }

    // ------------------------------------------------------------------ exact tails (evidence)

    /** A log p-value and whether it is exact (false: a rigorous upper bound). */
    public record LogTail(double lnP, boolean exact) {
    }

    /** Beyond this many mixture terms the Chernoff bound is used instead. */
    static final long MAX_MIXTURE_TERMS = 4_000_000L;

    /**
     * {@code ln P(a·G1 + b·G2 >= s)} for independent G1, G2 ~ Gamma(n, 1), a, b >= 0: the null
     * distribution of the dual-key score (each token's two uniforms come from independent keys).
     *
     * <p>With hi = max(a, b) > lo = min(a, b) > 0: hi·G1 is a negative-binomial mixture of
     * Gamma(n + k, lo) (mixing weights NB(k; n, lo/hi)), so the sum is
     * Σ_k NB(k) · Gamma(2n + k, lo) and the tail is Σ_k NB(k)·Q(2n + k, s/lo): all terms
     * positive, no cancellation. The sum stops once a geometric bound on the rest of the NB mass
     * is below 1e-17 of the total. When that would need more than {@link #MAX_MIXTURE_TERMS}
     * terms (alpha within ~1e-5 of 0 or 1 with long texts) a Chernoff bound is returned, marked
     * inexact.
     */
    public static LogTail dualGammaLogSurvival(long n, double a, double b, double s) {
        if (n < 1) {
            return new LogTail(0.0, true);
        }
        if (!(a >= 0 && b >= 0 && a + b > 0) || Double.isNaN(s)) {
            throw new IllegalArgumentException("need a, b >= 0, a + b > 0 and a numeric threshold");
        }
        if (s <= 0) {
            return new LogTail(0.0, true);
        }
        double hi = Math.max(a, b);
        double lo = Math.min(a, b);
        if (lo == 0) {
            return new LogTail(LogTails.gammaLogSurvival(n, s / hi), true);
        }
        if (lo == hi) {
            return new LogTail(LogTails.gammaLogSurvival(2 * n, s / lo), true);
        }
        double r = lo / hi;
        double q = 1 - r;
        double x = s / lo;
        double nbMean = n * q / r;
        double nbSd = Math.sqrt(n * q) / r;
        if (nbMean + 60 * nbSd + 100 > MAX_MIXTURE_TERMS) {
            return new LogTail(chernoff(n, hi, lo, s), false);
        }
        double lnR = Math.log(r);
        double lnQ = Math.log1p(-r);
        double lgN = LogGamma.value(n);
        double lnX = Math.log(x);
        long m0 = 2 * n;
        double lnQm = LogTails.gammaLogSurvival(m0, x); // ln Q(2n + k, x), advanced by the Poisson pmf
        double total = Double.NEGATIVE_INFINITY;
        long nbMode = (long) Math.max(0, Math.floor((n - 1) * q / r));
        final double tolerance = Math.log(1e-17);
        double lnNb = 0;
        double lnPmf = 0;
        for (long k = 0; ; k++) {
            long m = m0 + k;
            // Log-weights by recurrence, re-anchored on lnGamma every 128 terms so rounding
            // cannot accumulate beyond ~1e-10 in ln p.
            if ((k & 127) == 0) {
                lnNb = LogGamma.value(n + k) - LogGamma.value(k + 1.0) - lgN + n * lnR + k * lnQ;
                lnPmf = -x + m * lnX - LogGamma.value(m + 1.0);
            }
            total = logAdd(total, lnNb + lnQm);
            double lnStep = Math.log((double) (n + k) / (k + 1)) + lnQ;
            if (k > nbMode) {
                double ratio = (double) (n + k + 1) / (k + 2) * q; // bounds every later NB ratio
                if (ratio < 1) {
                    double lnRest = lnNb + lnStep - Math.log1p(-ratio);
                    if (lnRest < total + tolerance) {
                        break;
                    }
                }
            }
            if (k > MAX_MIXTURE_TERMS) {
                return new LogTail(chernoff(n, hi, lo, s), false);
            }
            // Q(m + 1, x) = Q(m, x) + e^-x x^m / m!
            lnQm = logAdd(lnQm, lnPmf);
            lnNb += lnStep;
            lnPmf += lnX - Math.log(m + 1.0);
        }
        return new LogTail(Math.min(0.0, total), true);
    }

    /** ln(e^a + e^b), dropping a term below e^-45 of the other (under 3e-20 relative). */
    private static double logAdd(double a, double b) {
        double hi = Math.max(a, b);
        double lo = Math.min(a, b);
        if (hi == Double.NEGATIVE_INFINITY || lo - hi < -45) {
            return hi;
        }
        return hi + Math.log1p(Math.exp(lo - hi));
    }

    /** Chernoff bound min_t [-t s - n ln(1 - hi t) - n ln(1 - lo t)], 0 < t < 1/hi (ternary search on a convex function). */
    static double chernoff(long n, double hi, double lo, double s) {
        double left = 0;
        double right = 1 / hi;
        for (int it = 0; it < 200; it++) {
            double m1 = left + (right - left) / 3;
            double m2 = right - (right - left) / 3;
            if (chernoffExponent(n, hi, lo, s, m1) < chernoffExponent(n, hi, lo, s, m2)) {
                right = m2;
            } else {
                left = m1;
            }
        }
        return Math.min(0.0, chernoffExponent(n, hi, lo, s, (left + right) / 2));
    }

    private static double chernoffExponent(long n, double hi, double lo, double s, double t) {
        return -t * s - n * Math.log1p(-hi * t) - n * Math.log1p(-lo * t);
    }
}
