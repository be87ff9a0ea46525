package io.provmark.core.lm;

/**
 * A built-in model of logits for demos, tests and benchmarks (no trained weights needed): after
 * each context the vocabulary is ranked by a context-dependent affine permutation and token of
 * rank r gets logit {@code -exponent * ln(1 + r)}. The Zipf exponent sets the entropy: about 1.0
 * gives high-entropy, text-like steps; 2.0 and above gives low-entropy, nearly deterministic
 * steps. Deterministic: the same context always gives the same logits.
 */
public final class ZipfLogitsModel implements NextTokenModel {
    private final int vocab;
    private final double exponent;
    private final int contextWidth;
    private final float[] rankLogits;

    /**
     * @param vocab        vocabulary size (at least 2)
     * @param exponent     Zipf exponent, > 0
     * @param contextWidth how many trailing tokens select the permutation (>= 1)
     */
    public ZipfLogitsModel(int vocab, double exponent, int contextWidth) {
        if (vocab < 2) {
            throw new IllegalArgumentException("vocab must be >= 2, got " + vocab);
        }
        if (!(exponent > 0 && exponent <= 20)) {
            throw new IllegalArgumentException("exponent must be in (0, 20], got " + exponent);
        }
        if (contextWidth < 1) {
            throw new IllegalArgumentException("context width must be >= 1, got " + contextWidth);
        }
        this.vocab = vocab;
        this.exponent = exponent;
        this.contextWidth = contextWidth;
        this.rankLogits = new float[vocab];
        for (int r = 0; r < vocab; r++) {
            rankLogits[r] = (float) (-exponent * Math.log1p(r));
        }
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    public double exponent() {
        return exponent;
    }

    @Override
    public void logits(int[] ids, int len, float[] out) {
        long hsh = 0x243F6A8885A308D3L;
        for (int i = Math.max(0, len - contextWidth); i < len; i++) {
            hsh = mix(hsh ^ (ids[i] & 0xFFFFFFFFL));
        }
        // rank(t) = (a * t + b) mod vocab with gcd(a, vocab) = 1: a permutation of the vocabulary
        long a = (mix(hsh ^ 0x13198A2E03707344L) >>> 1) % vocab;
        while (gcd(a, vocab) != 1) {
            a = (a + 1) % vocab;
        }
        long b = (mix(hsh ^ 0xA4093822299F31D0L) >>> 1) % vocab;
        long r = b;
        for (int t = 0; t < vocab; t++) {
            out[t] = rankLogits[(int) r];
            r += a;
            if (r >= vocab) {
                r -= vocab;
            }
        }
    }

    /** Shannon entropy (nats) of softmax of the rank logits: the same after every context. */
    public double entropyNats() {
        double max = rankLogits[0];
        double z = 0;
        for (float l : rankLogits) {
            z += Math.exp(l - max);
        }
        double hsum = 0;
        for (float l : rankLogits) {
            double p = Math.exp(l - max) / z;
            if (p > 0) {
                hsum -= p * Math.log(p);
            }
        }
        return hsum;
    }

    private static long gcd(long x, long y) {
        while (y != 0) {
            long t = x % y;
            x = y;
            y = t;
        }
        return x;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
