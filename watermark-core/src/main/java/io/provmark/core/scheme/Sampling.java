package io.provmark.core.scheme;

/** Softmax sampling with the caller's uniform, shared by the embedders. */
public final class Sampling {
    private Sampling() {
    }

    /** Tokens more than this many nats below the maximum logit carry < e^-60 of the mass each: never sampled. */
    public static final double NEGLIGIBLE = 60.0;

    public static void checkUniform(double r) {
        if (!(r >= 0.0 && r < 1.0)) {
            throw new IllegalArgumentException("caller randomness r must be in [0, 1), got " + r);
        }
    }

    private static final ThreadLocal<double[]> EXPS = ThreadLocal.withInitial(() -> new double[0]);

    /** Samples index i in [0, n) with probability softmax(logits)[i] by inversion at r. */
    public static int sampleSoftmax(float[] logits, int n, double r) {
        checkUniform(r);
        float fmax = Float.NEGATIVE_INFINITY; // float compares: no widening per element; NaN never wins
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            if (v > fmax) {
                fmax = v;
            }
        }
        double max = fmax;
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            throw new IllegalArgumentException("logits have no finite maximum");
        }
        // one exp per token: keep them for the inversion pass
        double[] e = EXPS.get();
        if (e.length < n) {
            e = new double[n];
            EXPS.set(e);
        }
        // Branch-free pass: arguments below -60 are clamped, so a token that far below the maximum
        // (or at -infinity, masked) adds e^-60 < 1e-26 to the total instead of its true mass; at most
        // V * 1e-26 relative, far below the rounding of the total itself. Such tokens are never
        // returned: the inversion pass skips them.
        double total = 0.0;
        for (int i = 0; i < n; i++) {
            double d = logits[i] - max;
            double x = FastExp.expInRange(d >= -NEGLIGIBLE ? d : -NEGLIGIBLE); // NaN clamps too
            e[i] = x;
            total += x;
        }
        double target = r * total;
        double acc = 0.0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (logits[i] - max >= -NEGLIGIBLE) {
                acc += e[i];
                last = i;
                if (acc > target) {
                    return i;
                }
            }
        }
        return last;
    }

    /** Samples index i with probability p[i] / sum(p) by inversion at r. */
    public static int sampleWeights(double[] p, int n, double r) {
        checkUniform(r);
        double total = 0.0;
        for (int i = 0; i < n; i++) {
            total += p[i];
        }
        double target = r * total;
        double acc = 0.0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (p[i] > 0) {
                acc += p[i];
                last = i;
                if (acc > target) {
                    return i;
                }
            }
        }
        return last;
    }
}
