package io.provmark.core.scheme;

/**
 * The exponentials of a full-vocabulary softmax: e^(logit - max) for every token, 131,072 of them
 * per step at V = 128k. {@link Math#exp} costs 10–15 ns each, a table exponential 3 ns; this kernel
 * costs about 1.1 ns per token including the block sums, because its loops are ones that C2 on
 * JDK 17 vectorises (judged by timing — 0.07–0.2 ns per element in L1 against 0.3–1.8 ns for the
 * scalar shapes below; no disassembler was at hand).
 *
 * <p>Why it is shaped like this (measured on JDK 17, see docs/benchmarks.md): C2 vectorised a loop
 * only when its body was small (a few dozen nodes), used nothing but double arithmetic, {@code Math.max}
 * and same-index array accesses, and wrote one array (reading it, or others it does not write).
 * Table lookups, {@code doubleToRawLongBits}/{@code longBitsToDouble} and int-to-floating conversions
 * keep a loop scalar. So there is no table and no exponent built from bits: with d = logit - max
 * clamped to [-60, 0] and s = d/128 + c (c = 30/128, |s| &le; 0.235),
 * e^d = (e^-c * P(s))^128, where P is the degree-11 Taylor polynomial of e^s (truncation &lt; 6e-17
 * relative) and the power is seven squarings. The passes run over blocks of {@value #BLOCK} tokens
 * so the intermediate values stay in the first-level caches.
 *
 * <p>Error: seven squarings multiply the relative error of e^-c * P(s) (a few ulps) by 128, so the
 * result is within {@value #MAX_RELATIVE_ERROR} of e^d relative ({@code FastExpTest} checks it on a
 * dense grid and on random points of [-60, 0]). Sampling with these values moves a sampled token only
 * when the caller's uniform falls within ~1e-13 of a CDF boundary. Only additions, multiplications
 * and {@code Math.max}, all exactly rounded in Java, so every JVM, vectorised or not, returns the
 * same bits.
 */
public final class FastExp {
    private FastExp() {
    }

    /** Tokens per block: intermediate values of one block stay in cache between the passes. */
    public static final int BLOCK = 2048;
    /** Bound on |result / e^d - 1| for d in [-60, 0]. */
    public static final double MAX_RELATIVE_ERROR = 1e-13;
    /** Arguments are clamped to [-{@value}, 0]: e^-60 &lt; 1e-26 relative mass, never sampled. */
    public static final double CLAMP = 60.0;

    private static final double SCALE = 1.0 / 128;
    private static final double CENTRE = 30.0 / 128;
    private static final double E_MINUS_CENTRE = StrictMath.exp(-CENTRE);
    private static final double I2 = 1.0 / 2;
    private static final double I3 = I2 / 3;
    private static final double I4 = I3 / 4;
    private static final double I5 = I4 / 5;
    private static final double I6 = I5 / 6;
    private static final double I7 = I6 / 7;
    private static final double I8 = I7 / 8;
    private static final double I9 = I8 / 9;
    private static final double I10 = I9 / 10;
    private static final double I11 = I10 / 11;

    /** Number of {@link #BLOCK}-token blocks covering n tokens. */
    public static int blocks(int n) {
        return (n + BLOCK - 1) / BLOCK;
    }

    /**
     * out[i] = e^(max(logits[i] - max, -60)) for i &lt; n, and blockSums[k] = the sum of block k
     * (tokens k*BLOCK .. k*BLOCK+BLOCK-1, summed in a fixed order). A NaN logit gets 0. The caller
     * passes the largest logit as {@code max} (finite; no logit above it). Returns the sum of the
     * block sums, in block order.
     */
    public static double expBelowMax(float[] logits, int n, double max, double[] out, double[] blockSums) {
        double total = 0.0;
        for (int from = 0, k = 0; from < n; from += BLOCK, k++) {
            int to = Math.min(n, from + BLOCK);
            shiftAndScale(logits, max, out, from, to);
            polynomial(out, from, to);
            squarings(out, from, to);
            double sum = sum(out, from, to);
            if (sum != sum) {
                sum = zeroNaNs(out, from, to);
            }
            blockSums[k] = sum;
            total += sum;
        }
        return total;
    }

    // Each pass is its own small loop over one array: see the class comment for why.

    private static void shiftAndScale(float[] logits, double max, double[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = logits[i] - max; // float to double: the one scalar pass
        }
        for (int i = from; i < to; i++) {
            out[i] = Math.max(out[i], -CLAMP) * SCALE + CENTRE; // NaN stays NaN, -infinity clamps
        }
    }

    private static void polynomial(double[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            double s = x[i];
            double p = I11 * s + I10;
            p = p * s + I9;
            p = p * s + I8;
            p = p * s + I7;
            p = p * s + I6;
            p = p * s + I5;
            p = p * s + I4;
            p = p * s + I3;
            p = p * s + I2;
            p = p * s + 1.0;
            p = p * s + 1.0;
            x[i] = p * E_MINUS_CENTRE;
        }
    }

    private static void squarings(double[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            double p = x[i];
            p *= p;
            p *= p;
            p *= p;
            p *= p;
            p *= p;
            p *= p;
            p *= p;
            x[i] = p;
        }
    }

    /** Four interleaved partial sums: a single running sum waits on each addition's latency. */
    private static double sum(double[] x, int from, int to) {
        double a = 0;
        double b = 0;
        double c = 0;
        double d = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            a += x[i];
            b += x[i + 1];
            c += x[i + 2];
            d += x[i + 3];
        }
        for (; i < to; i++) {
            a += x[i];
        }
        return (a + b) + (c + d);
    }

    private static double zeroNaNs(double[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            if (x[i] != x[i]) {
                x[i] = 0.0;
            }
        }
        return sum(x, from, to);
    }
}
