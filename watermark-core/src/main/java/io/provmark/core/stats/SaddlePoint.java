package io.provmark.core.stats;

/**
 * Log-probability mass functions by Loader's saddle-point method.
 *
 * <p>C. Loader (2000), "Fast and Accurate Computation of Binomial Probabilities". Writing
 * {@code ln P(X = k)} as Stirling-error terms minus deviances avoids the cancellation of
 * {@code lgamma} differences, so the result keeps (close to) full relative accuracy deep in the
 * tails; the tail sums in {@link LogTails} start from these values.
 */
final class SaddlePoint {

    static final double LN_2PI = 1.8378770664093454835606594728112;

    /** {@code ln(n!) - (n + 1/2) ln n + n - ln sqrt(2 pi)} for n = 0..15 (computed to 40 digits). */
    private static final double[] STIRLERR_SMALL = {
        0.0,
        0.08106146679532725822,
        0.041340695955409294094,
        0.027677925684998339149,
        0.020790672103765093112,
        0.016644691189821192163,
        0.013876128823070747999,
        0.011896709945891770095,
        0.010411265261972096497,
        0.0092554621827127329177,
        0.0083305634333628712565,
        0.007573675487951840795,
        0.0069428401072095298657,
        0.0064089941880042070684,
        0.0059513701127588477356,
        0.005554733551962801371,
    };

    // Coefficients of the Stirling series 1/(12n) - 1/(360n^3) + 1/(1260n^5) - ...
    private static final double S0 = 1.0 / 12;
    private static final double S1 = 1.0 / 360;
    private static final double S2 = 1.0 / 1260;
    private static final double S3 = 1.0 / 1680;
    private static final double S4 = 1.0 / 1188;

    private SaddlePoint() {
    }

    /** Stirling-formula error for a non-negative integer {@code n}; truncation error below 2e-16. */
    static double stirlerr(double n) {
        if (n <= 15) {
            return STIRLERR_SMALL[(int) n];
        }
        double nn = n * n;
        if (n > 500) {
            return (S0 - S1 / nn) / n;
        }
        if (n > 80) {
            return (S0 - (S1 - S2 / nn) / nn) / n;
        }
        if (n > 35) {
            return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
        }
        return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
    }

    /**
     * Deviance {@code x ln(x/m) + m - x} for {@code x >= 0, m > 0}. Near {@code x = m} both terms
     * cancel, so a series in {@code v = (x-m)/(x+m)} is used there.
     */
    static double bd0(double x, double m) {
        if (x == 0) {
            return m;
        }
        double d = x - m;
        if (Math.abs(d) < 0.1 * (x + m)) {
            double v = d / (x + m);
            double s = d * v;
            if (Math.abs(s) < Double.MIN_NORMAL) {
                return s;
            }
            double ej = 2 * x * v;
            v *= v;
            for (int j = 1; j < 1000; j++) {
                ej *= v;
                double s1 = s + ej / (2 * j + 1);
                if (s1 == s) {
                    return s1;
                }
                s = s1;
            }
        }
        double r = x / m;
        // x/m can overflow or underflow when m is extreme (p near 0 or 1); logs of each then.
        double lr = (r > 0 && r < Double.POSITIVE_INFINITY) ? Math.log(r) : Math.log(x) - Math.log(m);
        return x * lr + m - x;
    }

    /**
     * {@code ln P(X = k)} for X ~ Binomial(n, p), {@code 0 <= k <= n}, where {@code q} is
     * {@code 1 - p} to full relative accuracy (exact when p >= 1/2).
     */
    static double logBinomialPmf(long k, long n, double p, double q) {
        if (k == 0) {
            // log1p(-p) avoids the rounding of 1-p when p is small.
            return n == 0 ? 0.0 : n * (p < 0.5 ? Math.log1p(-p) : Math.log(q));
        }
        if (k == n) {
            return n * (p > 0.5 ? Math.log1p(-q) : Math.log(p));
        }
        double nd = n;
        double kd = k;
        double rd = n - k;
        double lc = stirlerr(nd) - stirlerr(kd) - stirlerr(rd) - bd0(kd, nd * p) - bd0(rd, nd * q);
        // ln(2 pi k (n-k)/n); log((n-k)/n) rather than log1p(-k/n), which loses ~n ulps as k -> n.
        double lf = LN_2PI + Math.log(kd) + Math.log(rd / nd);
        return lc - 0.5 * lf;
    }

    /** {@code ln P(Y = k)} for Y ~ Poisson(lambda), {@code k >= 0}, {@code lambda > 0}. */
    static double logPoissonPmf(long k, double lambda) {
        if (k == 0) {
            return -lambda;
        }
        double kd = k;
        return -stirlerr(kd) - bd0(kd, lambda) - 0.5 * (LN_2PI + Math.log(kd));
    }
}
