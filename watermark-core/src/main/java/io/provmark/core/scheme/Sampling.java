package io.provmark.core.scheme;

/** Softmax sampling with the caller's uniform, shared by the embedders. */
public final class Sampling {
    private Sampling() {
    }

    /** Tokens more than this many nats below the maximum logit carry < e^-60 of the mass each: never sampled. */
    public static final double NEGLIGIBLE = FastExp.CLAMP;

    public static void checkUniform(double r) {
        if (!(r >= 0.0 && r < 1.0)) {
            throw new IllegalArgumentException("caller randomness r must be in [0, 1), got " + r);
        }
    }

    /** Per-thread exponentials and their block sums, so a step allocates nothing. */
    private static final class Buffers {
        double[] exps = new double[0];
        double[] blockSums = new double[0];

        void ensure(int n) {
            if (exps.length < n) {
                exps = new double[n];
                blockSums = new double[FastExp.blocks(n)];
            }
        }
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /**
     * Samples index i in [0, n) with probability softmax(logits)[i] by inversion at r. Tokens more
     * than {@link #NEGLIGIBLE} nats below the maximum, masked (-infinity) or NaN are never returned.
     */
    public static int sampleSoftmax(float[] logits, int n, double r) {
        checkUniform(r);
        double max = maxLogit(logits, n);
        Buffers b = BUFFERS.get();
        b.ensure(n);
        // A token clamped at -60 nats (or masked) adds e^-60 < 1e-26 to the total instead of its true
        // mass: at most V * 1e-26 relative, far below the rounding of the total itself.
        double total = FastExp.expBelowMax(logits, n, max, b.exps, b.blockSums);
        return invert(logits, n, max, b.exps, b.blockSums, r * total);
    }

    /** The largest logit; refuses logits without a finite maximum (all masked, or +infinity). */
    public static double maxLogit(float[] logits, int n) {
        float fmax = Float.NEGATIVE_INFINITY; // float compares: no widening per element; NaN never wins
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            if (v > fmax) {
                fmax = v;
            }
        }
        if (!Float.isFinite(fmax)) {
            throw new IllegalArgumentException("logits have no finite maximum (all masked, NaN or +infinity)");
        }
        return fmax;
    }

    /**
     * The first sampleable token whose running mass exceeds target: finds the block from the block
     * sums, then walks that block, so a step walks ~n/BLOCK sums and one block instead of half the
     * vocabulary. The walk may run into later blocks when the block's sum rounded differently.
     */
    private static int invert(float[] logits, int n, double max, double[] e, double[] blockSums, double target) {
        int blocks = FastExp.blocks(n);
        double acc = 0.0;
        int k = 0;
        while (k < blocks - 1 && acc + blockSums[k] <= target) {
            acc += blockSums[k];
            k++;
        }
        int last = -1;
        for (int i = k * FastExp.BLOCK; i < n; i++) {
            if (logits[i] - max >= -NEGLIGIBLE) {
                acc += e[i];
                last = i;
                if (acc > target) {
                    return i;
                }
            }
        }
        if (last < 0) {
            // target beyond the (differently rounded) running sum and nothing sampleable from block k
            // on: the last sampleable token before it (the maximum is one, so there is one)
            for (int i = k * FastExp.BLOCK - 1; i >= 0; i--) {
                if (logits[i] - max >= -NEGLIGIBLE) {
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
