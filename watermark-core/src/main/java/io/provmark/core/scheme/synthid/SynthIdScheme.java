package io.provmark.core.scheme.synthid;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.scheme.Contexts;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.KeyedScheme;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.Sampling;
import io.provmark.core.scheme.Scorer;
import io.provmark.core.stats.LogTails;

/**
 * SynthID-Text tournament sampling (Dathathri et al., 2024) with two candidates per match, in
 * closed form: each of m layers has Bernoulli(1/2) g-values g_l(t) (bit l of the token's PRF
 * word), and the layer maps p(t) to p(t) * (1 + g_l(t) - E_p[g_l]). Averaged over keys each layer
 * keeps p unchanged (non-distortionary). Detection: the mean of all g-bits (Binomial(n*m, 1/2) under
 * the null) or the weighted mean with integer layer weights (exact convolution; a Chernoff bound
 * when the support is too large, flagged as not exact).
 */
public final class SynthIdScheme extends KeyedScheme implements Embedder, Scorer {
    private final SynthIdParams params;
    private final int depth;
    private final int[] weights;
    private final int weightSum;
    private final boolean weighted;
    private final int window;

    public SynthIdScheme(Profile profile, WatermarkKey key) {
        super(profile, key);
        this.params = (SynthIdParams) profile.params();
        this.depth = params.depth();
        this.weights = params.weightArray();
        int sum = 0;
        for (int w : weights) {
            sum += w;
        }
        this.weightSum = sum;
        this.weighted = params.score() == SynthIdParams.Score.WEIGHTED_MEAN;
        this.window = params.repeatedContextWindow();
    }

    @Override
    public Embedder embedder() {
        return this;
    }

    @Override
    public Scorer scorer() {
        return this;
    }

    /** Largest support n * sum(weights) for which the weighted tail is convolved exactly. */
    static final long EXACT_SUPPORT_LIMIT = LogTails.MAX_WEIGHTED_SUPPORT;

    @Override
    public NullModel nullModel() {
        return new NullModel() {
            @Override
            public String statisticName() {
                return weighted ? "weighted_mean_g" : "mean_g";
            }

            @Override
            public double statistic(long n, double sum) {
                if (n == 0) {
                    return 0.0;
                }
                return weighted ? sum / ((double) n * weightSum) : sum / ((double) n * depth);
            }

            @Override
            public boolean isExact(long n) {
                return !weighted || n * (long) weightSum <= EXACT_SUPPORT_LIMIT;
            }

            @Override
            public double logPValue(long n, double sum) {
                if (n == 0) {
                    return 0.0;
                }
                long s = Math.round(sum);
                if (!weighted) {
                    return LogTails.binomialLogSurvival(n * depth, s, 0.5);
                }
                if (isExact(n)) {
                    return LogTails.weightedBernoulliLogSurvival(n, weights, s);
                }
                double[] w = new double[depth];
                for (int l = 0; l < depth; l++) {
                    w[l] = weights[l];
                }
                return LogTails.weightedBernoulliChernoffLogBound(n, w, s);
            }

            @Override
            public double mean() {
                return weighted ? weightSum / 2.0 : depth / 2.0;
            }

            @Override
            public double variance() {
                if (!weighted) {
                    return depth / 4.0;
                }
                double v = 0;
                for (int w : weights) {
                    v += w * (double) w / 4.0;
                }
                return v;
            }
        };
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int contextWidth() {
        return h;
    }

    public int depth() {
        return depth;
    }

    private boolean repeated(int[] ids, int len) {
        return Contexts.isRepeatedContext(ids, len, h, window);
    }

    /** Layers are processed in chunks of this many bits: one pass over the vocabulary per chunk. */
    private static final int CHUNK_BITS = 8;

    /**
     * The tournament distribution: p[i] starts as softmax(logits) over i < n and layer l maps it to
     * p[i] * (1 - E_l + g_l(i)) with E_l = sum_i p[i] g_l(i). Returns p normalised to sum 1.
     *
     * <p>Within a chunk of 8 layers a token's factor depends only on its 8 g-bits, so the chunk runs
     * on 256 pattern buckets (mass per pattern) and then scales each token once: about m/8 + 1
     * passes over the vocabulary instead of 2m. Same arithmetic up to reassociation.
     */
    void tournament(float[] logits, int[] words, int n, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[i]);
        }
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            throw new IllegalArgumentException("logits have no finite maximum");
        }
        double[] mass = new double[1 << CHUNK_BITS];
        double[] factor = new double[1 << CHUNK_BITS];
        int firstBits = Math.min(CHUNK_BITS, depth);
        int firstMask = (1 << firstBits) - 1;
        for (int i = 0; i < n; i++) {
            double d = logits[i] - max;
            double e = d > -745 ? Math.exp(d) : 0.0;
            p[i] = e;
            mass[words[i] & firstMask] += e;
        }
        for (int lo = 0; lo < depth; lo += CHUNK_BITS) {
            int bits = Math.min(CHUNK_BITS, depth - lo);
            int buckets = 1 << bits;
            double total = 0;
            for (int b = 0; b < buckets; b++) {
                total += mass[b];
                factor[b] = 1.0;
            }
            for (int j = 0; j < bits; j++) {
                double e = 0;
                for (int b = 0; b < buckets; b++) {
                    if (((b >>> j) & 1) != 0) {
                        e += mass[b];
                    }
                }
                e /= total;
                double f0 = 1.0 - e;
                double f1 = 2.0 - e;
                for (int b = 0; b < buckets; b++) {
                    double f = ((b >>> j) & 1) != 0 ? f1 : f0;
                    mass[b] *= f;
                    factor[b] *= f;
                }
            }
            // scale tokens by their chunk factor and build the next chunk's pattern masses
            int mask = buckets - 1;
            int next = lo + CHUNK_BITS;
            int nextBits = Math.min(CHUNK_BITS, depth - next);
            java.util.Arrays.fill(mass, 0.0);
            if (nextBits > 0) {
                int nextMask = (1 << nextBits) - 1;
                for (int i = 0; i < n; i++) {
                    int w = words[i];
                    double q = p[i] * factor[(w >>> lo) & mask];
                    p[i] = q;
                    mass[(w >>> next) & nextMask] += q;
                }
            } else {
                for (int i = 0; i < n; i++) {
                    p[i] *= factor[(words[i] >>> lo) & mask];
                }
            }
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += p[i];
        }
        double inv = 1.0 / total;
        for (int i = 0; i < n; i++) {
            p[i] *= inv;
        }
    }

    @Override
    public int step(int[] ids, int len, float[] logits, double r) {
        checkStep(ids, len, logits);
        Sampling.checkUniform(r);
        if (repeated(ids, len)) {
            return Sampling.sampleSoftmax(logits, vocab, r);
        }
        Scratch s = scratch();
        leftSeed(ids, 0, len, s.seed);
        prf.words(s.seed, vocab, s.words);
        tournament(logits, s.words, vocab, s.probs);
        return Sampling.sampleWeights(s.probs, vocab, r);
    }

    @Override
    public int step(int[] ids, int len, int[] candidates, float[] logits, int n, double r) {
        checkCandidates(ids, len, candidates, logits, n);
        Sampling.checkUniform(r);
        if (repeated(ids, len)) {
            return candidates[Sampling.sampleSoftmax(logits, n, r)];
        }
        Scratch s = scratch();
        leftSeed(ids, 0, len, s.seed);
        int[] w = s.candWords(n);
        prf.words(s.seed, candidates, n, w);
        double[] p = n <= s.probs.length ? s.probs : new double[n];
        tournament(logits, w, n, p);
        return candidates[Sampling.sampleWeights(p, n, r)];
    }

    /** Replaces logits by ln of the tournament distribution (unchanged on a repeated context). */
    @Override
    public void biasLogits(int[] ids, int len, float[] logits) {
        checkStep(ids, len, logits);
        if (repeated(ids, len)) {
            return;
        }
        Scratch s = scratch();
        leftSeed(ids, 0, len, s.seed);
        prf.words(s.seed, vocab, s.words);
        tournament(logits, s.words, vocab, s.probs);
        for (int i = 0; i < vocab; i++) {
            logits[i] = s.probs[i] > 0 ? (float) Math.log(s.probs[i]) : Float.NEGATIVE_INFINITY;
        }
    }

    public int wordAt(int[] seq, int ctxFrom, int i) {
        checkToken(seq, i);
        Scratch s = scratch();
        leftSeed(seq, ctxFrom, i, s.seed);
        return prf.word(s.seed, seq[i]);
    }

    /** Sum of g-bits (mean score) or of weight * g-bit (weighted score) over the layers. */
    public double gValue(int word) {
        if (!weighted) {
            int mask = depth == 32 ? -1 : (1 << depth) - 1;
            return Integer.bitCount(word & mask);
        }
        int v = 0;
        for (int l = 0; l < depth; l++) {
            v += weights[l] * ((word >>> l) & 1);
        }
        return v;
    }

    @Override
    public double value(int[] seq, int ctxFrom, int i) {
        return gValue(wordAt(seq, ctxFrom, i));
    }

    @Override
    public long prfInputKey(int[] seq, int ctxFrom, int i) {
        return Contexts.withToken(contextKey(seq, ctxFrom, i), seq[i]);
    }

    @Override
    public long contextKey(int[] seq, int ctxFrom, int i) {
        return Contexts.identity(seq, Math.max(ctxFrom, i - h), i);
    }

    @Override
    public String toString() {
        return "SynthIdScheme[" + ProvmarkPrf.ID + ", key=" + keyId() + ", depth=" + depth + ", h=" + h + "]";
    }
}
