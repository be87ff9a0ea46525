package io.provmark.core.stats;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * High-precision references (100 significant digits) built only from BigDecimal/BigInteger, so the
 * tests do not depend on any of the code under test.
 */
final class BigRef {

    static final MathContext MC = new MathContext(100, RoundingMode.HALF_EVEN);
    private static final BigDecimal TWO = BigDecimal.valueOf(2);
    /** ln 10 to 60 digits. */
    private static final BigDecimal LN10 =
            new BigDecimal("2.30258509299404568401799145468436420760110148862877297603333");

    private BigRef() {
    }

    /** Binomial pmf terms P(X = j), j = 0..n, with p taken as the exact value of the double. */
    static BigDecimal[] binomialPmf(int n, double p) {
        BigDecimal bp = new BigDecimal(p);
        BigDecimal bq = BigDecimal.ONE.subtract(bp);
        BigDecimal[] t = new BigDecimal[n + 1];
        // Exact rational start, then the exact ratio (n-j)/(j+1) * p/q rounded to 100 digits.
        t[0] = bq.pow(n, MC);
        BigDecimal odds = bp.divide(bq, MC);
        for (int j = 0; j < n; j++) {
            t[j + 1] = t[j].multiply(odds, MC).multiply(BigDecimal.valueOf(n - j), MC)
                    .divide(BigDecimal.valueOf(j + 1), MC);
        }
        return t;
    }

    /** Suffix sums: result[k] = sum_{j >= k} t[j], with result[t.length] = 0. */
    static BigDecimal[] suffixSums(BigDecimal[] t) {
        BigDecimal[] s = new BigDecimal[t.length + 1];
        s[t.length] = BigDecimal.ZERO;
        for (int j = t.length - 1; j >= 0; j--) {
            s[j] = s[j + 1].add(t[j], MC);
        }
        return s;
    }

    /** Prefix sums: result[k] = sum_{j <= k} t[j]. */
    static BigDecimal[] prefixSums(BigDecimal[] t) {
        BigDecimal[] s = new BigDecimal[t.length];
        BigDecimal acc = BigDecimal.ZERO;
        for (int j = 0; j < t.length; j++) {
            acc = acc.add(t[j], MC);
            s[j] = acc;
        }
        return s;
    }

    /** Q(n, x) = e^{-x} sum_{k < n} x^k / k! with x the exact value of the double. */
    static BigDecimal gammaSurvival(int n, double x) {
        BigDecimal bx = new BigDecimal(x);
        BigDecimal term = BigDecimal.ONE;
        BigDecimal sum = BigDecimal.ONE;
        for (int k = 1; k < n; k++) {
            term = term.multiply(bx, MC).multiply(reciprocal(k), MC);
            sum = sum.add(term, MC);
        }
        return sum.multiply(exp(bx.negate()), MC);
    }

    private static final java.util.concurrent.ConcurrentHashMap<Integer, BigDecimal> RECIPROCALS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** 1/k to 100 digits, cached: multiplying is much cheaper than dividing. */
    private static BigDecimal reciprocal(int k) {
        return RECIPROCALS.computeIfAbsent(k, i -> BigDecimal.ONE.divide(BigDecimal.valueOf(i), MC));
    }

    /** e^x by halving the argument until it is below 1/2, a Taylor series, then squaring back. */
    static BigDecimal exp(BigDecimal x) {
        if (x.signum() < 0) {
            return BigDecimal.ONE.divide(exp(x.negate()), MC);
        }
        // Squaring r times multiplies the relative error by 2^r: carry extra digits for that.
        int r = 0;
        BigDecimal y = x;
        BigDecimal half = new BigDecimal("0.5");
        while (y.compareTo(half) > 0) {
            y = y.divide(TWO);
            r++;
        }
        MathContext wide = new MathContext(MC.getPrecision() + 10 + r / 3);
        BigDecimal eps = BigDecimal.ONE.movePointLeft(wide.getPrecision() + 5);
        BigDecimal term = BigDecimal.ONE;
        BigDecimal sum = BigDecimal.ONE;
        for (int k = 1; term.abs().compareTo(eps) > 0; k++) {
            term = term.multiply(y, wide).divide(BigDecimal.valueOf(k), wide);
            sum = sum.add(term, wide);
        }
        for (int i = 0; i < r; i++) {
            sum = sum.multiply(sum, wide);
        }
        return sum.round(MC);
    }

    /**
     * ln x as a double for a 100-digit x. Only this last step is in double precision, with error
     * ~1e-16 relative (far below the 1e-9 under test): near 1, ln x = log1p(x - 1) with x - 1
     * formed exactly; elsewhere x = m 10^e and ln x = ln m + e ln 10.
     */
    static double ln(BigDecimal x) {
        if (x.signum() == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (x.signum() < 0) {
            throw new IllegalArgumentException("ln of negative");
        }
        int e = x.precision() - x.scale() - 1;
        if (e == 0 || e == -1) {
            // Only here can x be near 1 (and x - 1 stays a short number).
            BigDecimal d = x.subtract(BigDecimal.ONE);
            if (d.abs().compareTo(new BigDecimal("0.5")) < 0) {
                return Math.log1p(d.doubleValue());
            }
        }
        double m = x.movePointLeft(e).doubleValue();
        return Math.log(m) + LN10.multiply(BigDecimal.valueOf(e)).doubleValue();
    }

    /** ln(count / 2^bits) for {@code 0 <= count <= 2^bits}, to ~1e-16 relative. */
    static double lnRatio(BigInteger count, int bits) {
        if (count.signum() == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        BigInteger rest = BigInteger.ONE.shiftLeft(bits).subtract(count);
        if (rest.bitLength() < bits - 1) {
            // count / 2^bits > 1/2: use log1p of the (exactly formed) complement ratio.
            return Math.log1p(-ratio(rest, bits));
        }
        int shift = Math.max(0, count.bitLength() - 62);
        return Math.log(count.shiftRight(shift).doubleValue()) + (shift - bits) * Math.log(2.0);
    }

    /** count / 2^bits as a double (may underflow to 0 for tiny ratios, which is fine here). */
    private static double ratio(BigInteger count, int bits) {
        int shift = Math.max(0, count.bitLength() - 62);
        return Math.scalb(count.shiftRight(shift).doubleValue(), shift - bits);
    }

    /**
     * Exact counts for S = sum_l w_l B_l, B_l ~ Binomial(n, 1/2): entry v is the number of the
     * 2^(n m) equally likely outcomes with S = v.
     */
    static BigInteger[] weightedCounts(int n, int[] weights) {
        BigInteger[] binom = new BigInteger[n + 1];
        binom[0] = BigInteger.ONE;
        for (int j = 0; j < n; j++) {
            binom[j + 1] = binom[j].multiply(BigInteger.valueOf(n - j)).divide(BigInteger.valueOf(j + 1));
        }
        BigInteger[] cur = {BigInteger.ONE};
        for (int w : weights) {
            BigInteger[] out = new BigInteger[cur.length + n * w];
            java.util.Arrays.fill(out, BigInteger.ZERO);
            for (int j = 0; j <= n; j++) {
                for (int t = 0; t < cur.length; t++) {
                    if (cur[t].signum() != 0) {
                        out[t + j * w] = out[t + j * w].add(cur[t].multiply(binom[j]));
                    }
                }
            }
            cur = out;
        }
        return cur;
    }
}
