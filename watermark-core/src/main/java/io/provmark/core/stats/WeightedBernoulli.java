package io.provmark.core.stats;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Tail of {@code S = sum_l w_l B_l}, {@code B_l ~ Binomial(n, 1/2)}: exact convolution for integer
 * weights and the Chernoff bound for real ones.
 *
 * <p>The exact method tilts every coin by {@code e^{theta w}} with theta chosen so the tilted mean
 * equals the threshold (the same saddle point as the Chernoff bound). Then
 * {@code P(S >= c) = M(theta) e^{-theta c} sum_{v >= c} q(v) e^{-theta (v - c)}} where q is the
 * tilted distribution, which is concentrated around c. The extreme factor is handled in log space
 * and q is an ordinary probability vector, so plain doubles suffice even when the tail is
 * 2^-10000; entries of q below 1e-40 of its maximum are trimmed and their total mass is tracked
 * and checked against the result.
 */
final class WeightedBernoulli {

    /**
     * Largest {@code n * sum(w)} handled exactly. Bounds memory and run time: at the limit with 30
     * distinct weights a call takes several seconds; SynthID-sized inputs (30 layers, 1000 tokens)
     * take ~0.2 s.
     */
    static final long MAX_SUPPORT = 10_000_000L;

    private static final double LN_2 = Math.log(2.0);
    private static final double EPS = Math.ulp(1.0);
    /** Relative trimming threshold for the tilted vectors. */
    private static final double TRIM = 1e-40;
    /** Accept the tilted result only if the trimmed mass is below this fraction of it. */
    private static final double MAX_TRIMMED_FRACTION = 1e-15;
    /** Below this the tilted sum itself is too close to underflow to trust. */
    private static final double MIN_TILTED_SUM = 1e-250;
    /** Work limit for the log-domain fallback (each step is a log-sum-exp, ~20 ns). */
    private static final double MAX_FALLBACK_WORK = 2e8;

    private WeightedBernoulli() {
    }

    /** Weight classes after merging equal weights and dividing by their gcd. */
    private record Groups(long[] weight, long[] coins, long top, long totalCoins) {
    }

    // ---------------------------------------------------------------- exact

    static double logSurvival(long n, int[] weights, long s) {
        return logSurvival(n, weights, s, false);
    }

    /** {@code forceLogDomain} skips the tilted method; tests use it to check the fallback. */
    static double logSurvival(long n, int[] weights, long s, boolean forceLogDomain) {
        Objects.requireNonNull(weights, "weights");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        TreeMap<Integer, Integer> layersByWeight = new TreeMap<>();
        long sumW = 0;
        for (int w : weights) {
            if (w < 0) {
                throw new IllegalArgumentException("weights must be non-negative, got " + w);
            }
            if (w > 0) {
                layersByWeight.merge(w, 1, Integer::sum);
                sumW += w;
            }
        }
        long total;
        try {
            total = Math.multiplyExact(n, sumW);
        } catch (ArithmeticException e) {
            throw supportTooLarge(n, sumW);
        }
        if (s <= 0) {
            return 0.0;
        }
        if (s > total) {
            return Double.NEGATIVE_INFINITY;
        }
        if (total > MAX_SUPPORT) {
            throw supportTooLarge(n, sumW);
        }
        // S lives on the lattice g*Z: divide it out to shrink the vectors.
        long g = 0;
        for (int w : layersByWeight.keySet()) {
            g = gcd(g, w);
        }
        int d = layersByWeight.size();
        long[] weight = new long[d];
        long[] coins = new long[d];
        long totalCoins = 0;
        int i = 0;
        for (Map.Entry<Integer, Integer> e : layersByWeight.entrySet()) {
            weight[i] = e.getKey() / g;
            coins[i] = n * e.getValue();
            totalCoins += coins[i];
            i++;
        }
        Groups groups = new Groups(weight, coins, total / g, totalCoins);
        long c = Math.floorDiv(s + g - 1, g);
        return logSurvivalReduced(groups, c, forceLogDomain);
    }

    /** ln P(S >= c) on the reduced lattice, {@code 1 <= c <= top}. */
    private static double logSurvivalReduced(Groups gr, long c, boolean forceLogDomain) {
        double allOnes = -gr.totalCoins * LN_2;
        if (c == gr.top) {
            // Only "every coin of positive weight shows 1" reaches the maximum.
            return allOnes;
        }
        if (2 * c > gr.top) {
            return tiltedLogTail(gr, c, true, forceLogDomain);
        }
        // At or below the mean: the survival is >= ~1/2, so go through the lower tail to keep
        // ln p relatively accurate when it is a tiny negative number.
        long t = c - 1;
        double lower = t == 0 ? allOnes : tiltedLogTail(gr, t, false, forceLogDomain);
        return LogTails.zeroIfNegZero(LogP.log1mExp(lower));
    }

    /** ln P(S >= c) if {@code upper}, else ln P(S <= c); {@code 0 < c < top}. */
    private static double tiltedLogTail(Groups gr, long c, boolean upper, boolean forceLogDomain) {
        if (!forceLogDomain) {
            double r = tiltedLogTailOrNaN(gr, c, upper);
            if (!Double.isNaN(r)) {
                return r;
            }
        }
        return logDomainTail(gr, c, upper);
    }

    private static double tiltedLogTailOrNaN(Groups gr, long c, boolean upper) {
        int d = gr.weight.length;
        double[] w = new double[d];
        double[] m = new double[d];
        for (int i = 0; i < d; i++) {
            w[i] = gr.weight[i];
            m[i] = gr.coins[i];
        }
        double theta = solveTilt(w, m, c);

        double[] cur = {1.0};
        long curLo = 0;
        double trimmed = 0.0;
        for (int i = 0; i < d; i++) {
            Kernel k = tiltedBinomialKernel(gr.coins[i], theta * w[i]);
            trimmed += k.trimmed;
            int step = (int) gr.weight[i];
            double[] out = new double[cur.length + (k.values.length - 1) * step];
            for (int j = 0; j < k.values.length; j++) {
                double kv = k.values[j];
                int off = j * step;
                for (int t = 0; t < cur.length; t++) {
                    out[off + t] += kv * cur[t];
                }
            }
            long outLo = curLo + k.lo * gr.weight[i];
            // Trim negligible ends; their mass can only lower the final sum, and is tracked.
            double max = 0;
            for (double v : out) {
                max = Math.max(max, v);
            }
            double cut = TRIM * max;
            int a = 0;
            int b = out.length - 1;
            while (a < b && out[a] < cut) {
                trimmed += out[a++];
            }
            while (b > a && out[b] < cut) {
                trimmed += out[b--];
            }
            cur = (a == 0 && b == out.length - 1) ? out : Arrays.copyOfRange(out, a, b + 1);
            curLo = outLo + a;
        }

        // Sum the tail with weights e^{-theta (v - c)} <= 1.
        double tail = 0.0;
        for (int t = 0; t < cur.length; t++) {
            long v = curLo + t;
            if (upper ? v >= c : v <= c) {
                tail += cur[t] * Math.exp(-theta * (v - c));
            }
        }
        if (!(tail >= MIN_TILTED_SUM) || trimmed > MAX_TRIMMED_FRACTION * tail) {
            return Double.NaN;
        }
        // ln M(theta) - theta c, arranged so that nothing overflows for large |theta|.
        double logScale = -gr.totalCoins * LN_2;
        for (int i = 0; i < d; i++) {
            logScale += m[i] * Math.log1p(Math.exp(-Math.abs(theta) * w[i]));
        }
        logScale += upper ? theta * (gr.top - c) : -theta * c;
        return logScale + Math.log(tail);
    }

    private record Kernel(double[] values, long lo, double trimmed) {
    }

    /**
     * Binomial(N, b) pmf with {@code b = 1/(1+e^{-x})}, kept from the mode out to 1e-40 of its
     * peak; the dropped mass is bounded by (count left) x (first dropped value) since the pmf is
     * unimodal.
     */
    private static Kernel tiltedBinomialKernel(long coins, double x) {
        double b = sigmoid(x);
        double a = sigmoid(-x);
        long mode = Math.min(coins, Math.max(0, (long) Math.floor((coins + 1) * b)));
        double peak = Math.exp(SaddlePoint.logBinomialPmf(mode, coins, b, a));
        double cut = TRIM * peak;
        double up = Math.exp(x);
        double down = Math.exp(-x);
        double trimmed = 0;

        double[] hi = new double[16];
        int nHi = 0;
        double v = peak;
        for (long j = mode; j < coins; j++) {
            v *= (double) (coins - j) / (double) (j + 1) * up;
            if (!(v >= cut)) {
                trimmed += (v > 0 ? v : 0) * (coins - j);
                break;
            }
            if (nHi == hi.length) {
                hi = Arrays.copyOf(hi, 2 * nHi);
            }
            hi[nHi++] = v;
        }
        double[] lo = new double[16];
        int nLo = 0;
        v = peak;
        for (long j = mode; j > 0; j--) {
            v *= (double) j / (double) (coins - j + 1) * down;
            if (!(v >= cut)) {
                trimmed += (v > 0 ? v : 0) * j;
                break;
            }
            if (nLo == lo.length) {
                lo = Arrays.copyOf(lo, 2 * nLo);
            }
            lo[nLo++] = v;
        }
        double[] values = new double[nLo + 1 + nHi];
        for (int t = 0; t < nLo; t++) {
            values[nLo - 1 - t] = lo[t];
        }
        values[nLo] = peak;
        System.arraycopy(hi, 0, values, nLo + 1, nHi);
        return new Kernel(values, mode - nLo, trimmed);
    }

    /**
     * Exact fallback in log space over the whole support, for the rare lattices where the tilted
     * vector has no significant mass next to c. Slow (one log-sum-exp per multiply-add).
     */
    private static double logDomainTail(Groups gr, long c, boolean upper) {
        double work = 0;
        for (int i = 0; i < gr.weight.length; i++) {
            work += (double) gr.top * (gr.coins[i] + 1);
        }
        if (work > MAX_FALLBACK_WORK) {
            throw new ArithmeticException("weighted Bernoulli tail: exact evaluation too costly for"
                    + " this weight lattice; use weightedBernoulliChernoffLogBound");
        }
        double[] cur = {0.0};
        for (int i = 0; i < gr.weight.length; i++) {
            long coins = gr.coins[i];
            int step = (int) gr.weight[i];
            double[] out = new double[cur.length + (int) coins * step];
            Arrays.fill(out, Double.NEGATIVE_INFINITY);
            for (long j = 0; j <= coins; j++) {
                double lk = SaddlePoint.logBinomialPmf(j, coins, 0.5, 0.5);
                int off = (int) j * step;
                for (int t = 0; t < cur.length; t++) {
                    out[off + t] = LogP.logSumExp(out[off + t], cur[t] + lk);
                }
            }
            cur = out;
        }
        double r = Double.NEGATIVE_INFINITY;
        if (upper) {
            for (long v = c; v < cur.length; v++) {
                r = LogP.logSumExp(r, cur[(int) v]);
            }
        } else {
            for (long v = 0; v <= c; v++) {
                r = LogP.logSumExp(r, cur[(int) v]);
            }
        }
        return r;
    }

    // ---------------------------------------------------------------- Chernoff

    static double chernoffLogBound(long n, double[] weights, double s) {
        Objects.requireNonNull(weights, "weights");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        if (Double.isNaN(s)) {
            throw new IllegalArgumentException("threshold s is NaN");
        }
        int positive = 0;
        for (double w : weights) {
            if (!(w >= 0) || w == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("weights must be finite and non-negative, got " + w);
            }
            if (w > 0) {
                positive++;
            }
        }
        double[] w = new double[positive];
        double[] m = new double[positive];
        int i = 0;
        double total = 0;
        for (double x : weights) {
            if (x > 0) {
                w[i] = x;
                m[i] = n;
                // Same order of operations as tiltedMean, so tiltedMean(+inf) == total exactly.
                total += m[i] * w[i];
                i++;
            }
        }
        if (s <= total / 2) {
            return 0.0;
        }
        if (s > total) {
            return Double.NEGATIVE_INFINITY;
        }
        double coins = (double) n * positive;
        double f;
        double magnitude;
        if (s == total) {
            // Infimum reached as lambda -> infinity: P(all coins 1).
            f = -coins * LN_2;
            magnitude = -f;
        } else {
            double lambda = solveTilt(w, m, s);
            // f = sum n ln((1 + e^{lw})/2) - l s = l (total - s) + n sum log1p(e^{-lw}) - coins ln 2.
            double soft = 0;
            for (double x : w) {
                soft += Math.log1p(Math.exp(-lambda * x));
            }
            soft *= n;
            f = lambda * (total - s) + soft - coins * LN_2;
            magnitude = lambda * (total + s) + soft + coins * LN_2;
        }
        // Cover rounding in evaluating f so the bound stays an upper bound.
        double slack = 8 * (positive + 4) * EPS * magnitude;
        return Math.min(0.0, f + slack);
    }

    // ---------------------------------------------------------------- shared

    /**
     * Solves {@code sum_i m_i w_i sigmoid(theta w_i) = c} (tilted mean = c); the left side is
     * increasing in theta, so a bracketed Newton iteration with bisection fallback is safe.
     * Requires {@code 0 < c < sum m_i w_i}.
     */
    static double solveTilt(double[] w, double[] m, double c) {
        double lo;
        double hi;
        double g0 = tiltedMean(w, m, 0) - c;
        if (g0 == 0) {
            return 0.0;
        }
        if (g0 < 0) {
            lo = 0;
            hi = 1;
            while (tiltedMean(w, m, hi) < c && hi < 1e300) {
                lo = hi;
                hi *= 2;
            }
        } else {
            hi = 0;
            lo = -1;
            while (tiltedMean(w, m, lo) > c && lo > -1e300) {
                hi = lo;
                lo *= 2;
            }
        }
        double theta = 0.5 * (lo + hi);
        for (int iter = 0; iter < 500; iter++) {
            double g = tiltedMean(w, m, theta) - c;
            if (g == 0) {
                return theta;
            }
            if (g < 0) {
                lo = theta;
            } else {
                hi = theta;
            }
            double slope = tiltedVariance(w, m, theta);
            double next = theta - g / slope;
            if (!(next > lo && next < hi)) {
                next = 0.5 * (lo + hi);
            }
            if (next == theta || hi - lo <= 4 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) {
                return next;
            }
            theta = next;
        }
        return theta;
    }

    private static double tiltedMean(double[] w, double[] m, double theta) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += m[i] * w[i] * sigmoid(theta * w[i]);
        }
        return s;
    }

    private static double tiltedVariance(double[] w, double[] m, double theta) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            double x = theta * w[i];
            s += m[i] * w[i] * w[i] * sigmoid(x) * sigmoid(-x);
        }
        return s;
    }

    /** {@code 1/(1+e^{-x})} without overflow. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static IllegalArgumentException supportTooLarge(long n, long sumW) {
        return new IllegalArgumentException("weighted Bernoulli support n*sum(w) = " + n + "*" + sumW
                + " exceeds the exact-evaluation limit " + MAX_SUPPORT
                + "; use LogTails.weightedBernoulliChernoffLogBound for a conservative p-value");
    }
}
