package io.provmark.core.scheme;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.Profile;

/** Common state of our schemes: the profile, the PRF under the key, per-thread scratch space. */
public abstract class KeyedScheme implements WatermarkScheme {
    protected final Profile profile;
    protected final ProvmarkPrf prf;
    protected final int vocab;
    protected final int h;
    private final String keyId;
    private final ThreadLocal<Scratch> scratch;

    protected KeyedScheme(Profile profile, WatermarkKey key) {
        this.profile = profile;
        this.prf = new ProvmarkPrf(key, profile.scheme());
        this.vocab = profile.vocabSize();
        this.h = profile.contextWidth();
        this.keyId = key.id();
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(vocab));
    }

    /** Reusable per-thread buffers so a decoding step allocates nothing. */
    protected static final class Scratch {
        public final byte[] seed = new byte[16];
        public final int[] words;
        public final float[] logits;
        public final double[] probs;
        public int[] candWords = new int[64];

        Scratch(int vocab) {
            words = new int[vocab];
            logits = new float[vocab];
            probs = new double[vocab];
        }

        public int[] candWords(int n) {
            if (candWords.length < n) {
                candWords = new int[Math.max(n, candWords.length * 2)];
            }
            return candWords;
        }
    }

    protected Scratch scratch() {
        return scratch.get();
    }

    @Override
    public Profile profile() {
        return profile;
    }

    @Override
    public String keyId() {
        return keyId;
    }

    /** Left-hash seed of the (up to) h tokens before position {@code len}, not reaching below {@code from}. */
    protected void leftSeed(int[] ids, int from, int len, byte[] seed) {
        prf.leftHashSeed(ids, Math.max(from, len - h), len, seed);
    }

    protected void checkStep(int[] ids, int len, float[] logits) {
        if (ids == null || len < 0 || len > ids.length) {
            throw new IllegalArgumentException("context length " + len + " outside the ids array");
        }
        if (logits == null || logits.length != vocab) {
            throw new IllegalArgumentException("logits length " + (logits == null ? "null" : logits.length)
                    + " != vocab_size " + vocab);
        }
    }

    protected void checkCandidates(int[] ids, int len, int[] candidates, float[] logits, int n) {
        if (ids == null || len < 0 || len > ids.length) {
            throw new IllegalArgumentException("context length " + len + " outside the ids array");
        }
        if (n < 1 || n > candidates.length || n > logits.length) {
            throw new IllegalArgumentException("candidate count " + n + " outside 1.." + Math.min(candidates.length, logits.length));
        }
        for (int i = 0; i < n; i++) {
            if (candidates[i] < 0 || candidates[i] >= vocab) {
                throw new IllegalArgumentException("candidate token id " + candidates[i] + " outside 0.." + (vocab - 1));
            }
        }
    }

    protected void checkToken(int[] seq, int i) {
        int t = seq[i];
        if (t < 0 || t >= vocab) {
            throw new IllegalArgumentException("token id " + t + " at position " + i + " is outside the vocabulary 0.."
                    + (vocab - 1));
        }
    }
}
