package io.provmark.core.compat.synthid;

/**
 * Chernoff bound {@code min_{lambda >= 0} [n sum_l ln(1 - p + p e^{lambda w_l}) - lambda s]} on
 * {@code ln P(sum_l w_l B_l >= s)}, {@code B_l ~ Binomial(n, p)}, for a null probability p other
 * than 1/2 (LogTails covers p = 1/2). Any lambda gives a valid bound; the optimum is found by
 * bisection on the tilted mean, and a tiny margin covers evaluation rounding.
 */
final class BiasedChernoff {
    private BiasedChernoff() {
    }

    static double logBound(long n, double[] w, double s, double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1), got " + p);
        }
        double sumW = 0;
        int positive = 0;
        for (double x : w) {
            if (x < 0 || !Double.isFinite(x)) {
                throw new IllegalArgumentException("weights must be finite and >= 0");
            }
            sumW += x;
            if (x > 0) {
                positive++;
            }
        }
        double top = n * sumW;
        if (n == 0 || s <= n * p * sumW) {
            return 0.0;
        }
        if (s > top * (1 + 1e-12)) {
            return Double.NEGATIVE_INFINITY;
        }
        if (s >= top) {
            return n * positive * Math.log(p); // every coin of a positive-weight layer must be 1
        }
        double lo = 0;
        double hi = 1;
        while (tiltedMean(n, w, p, hi) < s && hi < 1e12) {
            lo = hi;
            hi *= 2;
        }
        for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
            double mid = 0.5 * (lo + hi);
            if (tiltedMean(n, w, p, mid) < s) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double lambda = 0.5 * (lo + hi);
        double f = value(n, w, p, lambda, s);
        f += 1e-12 * Math.abs(f) + 1e-12; // rounding margin: stay an upper bound
        return Math.min(0.0, f);
    }

    private static double tiltedMean(long n, double[] w, double p, double lambda) {
        double mu = 0;
        for (double x : w) {
            if (x > 0) {
                // p e^{t} / (1 - p + p e^{t}) = 1 / (1 + (1-p)/p e^{-t})
                mu += x / (1 + (1 - p) / p * Math.exp(-lambda * x));
            }
        }
        return n * mu;
    }

    private static double value(long n, double[] w, double p, double lambda, double s) {
        double acc = 0;
        for (double x : w) {
            double t = lambda * x;
            acc += t + Math.log(p + (1 - p) * Math.exp(-t)); // ln(1 - p + p e^t), stable for t >= 0
        }
        return n * acc - lambda * s;
    }
}
