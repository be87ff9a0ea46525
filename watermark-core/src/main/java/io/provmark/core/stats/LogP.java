package io.provmark.core.stats;

/**
 * Small helpers for probabilities held as natural logarithms.
 *
 * <p>Detection p-values underflow {@code double} long before they stop being meaningful, so the
 * library passes {@code ln p} around and converts only at the edges.
 */
public final class LogP {

    private static final double LN_10 = Math.log(10.0);
    private static final double LN_2 = Math.log(2.0);

    private LogP() {
    }

    /** Converts {@code ln p} to {@code log10 p}, the form used in reports (e.g. -1204.3). */
    public static double toLog10(double lnP) {
        return lnP / LN_10;
    }

    /** Returns {@code p = e^lnP}; this is 0.0 once p is below the double range. */
    public static double toP(double lnP) {
        return Math.exp(lnP);
    }

    /**
     * Returns {@code ln(1 - e^a)} for {@code a <= 0}: the log of the complementary probability.
     *
     * <p>Uses {@code log(-expm1(a))} near 0 and {@code log1p(-exp(a))} below {@code -ln 2}
     * (Maechler 2012), which keeps full relative accuracy in both regimes. Returns NaN for
     * {@code a > 0} and -Infinity for {@code a == 0}.
     */
    public static double log1mExp(double a) {
        if (a > -LN_2) {
            return Math.log(-Math.expm1(a));
        }
        return Math.log1p(-Math.exp(a));
    }

    /** Returns {@code ln(e^a + e^b)} without overflow or needless underflow. */
    public static double logSumExp(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.NaN;
        }
        double hi = Math.max(a, b);
        double lo = Math.min(a, b);
        if (lo == Double.NEGATIVE_INFINITY || hi == Double.POSITIVE_INFINITY) {
            return hi;
        }
        return hi + Math.log1p(Math.exp(lo - hi));
    }
}
