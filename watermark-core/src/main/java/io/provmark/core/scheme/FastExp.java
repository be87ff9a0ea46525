package io.provmark.core.scheme;

/**
 * e^x for the softmax passes of the embed hook, where a full-vocabulary step evaluates one
 * exponential per token (131,072 at V = 128k) and {@link Math#exp} costs 10–15 ns each on the
 * machines we measured — more than the rest of the step.
 *
 * <p>Method: x = (n/256) ln 2 + r with |r| &le; ln 2 / 512, e^x = 2^(n>>8) * 2^((n&255)/256) * e^r,
 * a 256-entry table of 2^(j/256) (from {@link StrictMath#pow}), a degree-5 Taylor polynomial for e^r
 * (truncation &lt; 1e-20 relative) and the power of two built from bits. Relative error &le; 4e-16
 * (a few ulps; {@code FastExpTest} checks it against {@link StrictMath#exp} on 2 million points).
 * Pure double arithmetic, so every JVM returns the same bits — unlike {@code Math.exp}, whose
 * intrinsic may differ from {@code StrictMath.exp} in the last place.
 *
 * <p>Sampling by inversion with these values instead of {@code Math.exp} moves a sampled token only
 * when the caller's uniform falls within ~1e-15 of a CDF boundary; the watermark's statistics (and
 * detection, which never uses them) are unaffected.
 */
public final class FastExp {
    private FastExp() {
    }

    private static final double[] TABLE = new double[256];
    private static final double SCALE = 256.0 / 0.6931471805599453; // 256 / ln 2
    // ln2/256 = HI + LO with HI's 29 significant bits, so nd * HI is exact for |n| < 2^24
    private static final double LN2_256_HI = 0x1.62e42fep-9;
    private static final double LN2_256_LO = 0x1.f473de6af278fp-38;
    private static final double SHIFTER = 0x1.8p52;
    /** Below this the result is subnormal or zero: left to {@link StrictMath#exp}. */
    private static final double NORMAL_LIMIT = -708.0;

    static {
        for (int j = 0; j < 256; j++) {
            TABLE[j] = StrictMath.pow(2.0, j / 256.0);
        }
    }

    /** e^x; exact special cases (NaN, infinities) and the overflow/underflow ranges go to StrictMath. */
    public static double exp(double x) {
        if (!(x > NORMAL_LIMIT && x < 709.0)) {
            return StrictMath.exp(x);
        }
        return expInRange(x);
    }

    /**
     * e^x for x in [-708, 709], without range checks: the softmax loops clamp their argument first, so
     * the compiled loop has no call or rarely-taken path in it (which measurably slowed it down).
     * Outside that range the result is wrong; NaN gives NaN or garbage.
     */
    public static double expInRange(double x) {
        double t = x * SCALE + SHIFTER;
        long n = Double.doubleToRawLongBits(t) - Double.doubleToRawLongBits(SHIFTER);
        double nd = t - SHIFTER;
        double r = (x - nd * LN2_256_HI) - nd * LN2_256_LO;
        double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
        long e = n >> 8;
        double twoE = Double.longBitsToDouble((e + 1023) << 52);
        return TABLE[(int) (n & 255)] * p * twoE;
    }
}
