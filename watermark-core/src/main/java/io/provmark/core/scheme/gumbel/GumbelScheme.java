package io.provmark.core.scheme.gumbel;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Contexts;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.KeyedScheme;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.Sampling;
import io.provmark.core.scheme.Scorer;
import io.provmark.core.stats.LogTails;

/**
 * Gumbel-max (Aaronson): the next token is argmax_t (logit_t + G_t) with G_t = -ln(-ln u_t) from
 * the keyed PRF, i.e. an exact sample from softmax(logits) whose randomness is the key; over keys
 * the output distribution is unchanged (distortion-free). Detection sums -ln(1 - u) over scored
 * tokens: Gamma(n, 1) under the null.
 *
 * <p>Speed: G_t &lt; (1 + nlz(~w_t)) ln 2 (because -ln u >= 1 - u and 1 - u >= 2^(31 - nlz(~w)) / 2^32),
 * so a token whose logit plus that bound cannot beat the best score so far is skipped without a
 * logarithm; the result is identical to the unpruned argmax (ties: lowest index). Logarithms use
 * {@link StrictMath} so every JVM picks the same token.
 */
public final class GumbelScheme extends KeyedScheme implements Embedder, Scorer {
    private static final double LN2 = 0.6931471805599453;
    private final int window;

    public GumbelScheme(Profile profile, WatermarkKey key) {
        super(profile, key);
        this.window = ((GumbelParams) profile.params()).repeatedContextWindow();
    }

    @Override
    public Embedder embedder() {
        return this;
    }

    @Override
    public Scorer scorer() {
        return this;
    }

    @Override
    public NullModel nullModel() {
        return new NullModel() {
            @Override
            public String statisticName() {
                return "mean_score";
            }

            @Override
            public double statistic(long n, double sum) {
                return n == 0 ? 0.0 : sum / n;
            }

            @Override
            public double logPValue(long n, double sum) {
                return n == 0 ? 0.0 : LogTails.gammaLogSurvival(n, sum);
            }

            @Override
            public double mean() {
                return 1.0;
            }

            @Override
            public double variance() {
                return 1.0;
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

    /** The Gumbel noise -ln(-ln u) of a word, computed without cancellation near u = 1. */
    public static double gumbel(int word) {
        double minusLnU = -StrictMath.log1p(-ProvmarkPrf.oneMinusUniform(word));
        return -StrictMath.log(minusLnU);
    }

    /** Strict upper bound on {@link #gumbel(int)} from the word's bits alone. */
    static double gumbelBound(int word) {
        return (1 + Integer.numberOfLeadingZeros(~word)) * LN2;
    }

    /** The detection summand -ln(1 - u). */
    public static double score(int word) {
        return -StrictMath.log(ProvmarkPrf.oneMinusUniform(word));
    }

    private boolean repeated(int[] ids, int len) {
        return Contexts.isRepeatedContext(ids, len, h, window);
    }

    private static int argmaxIndex(float[] logits, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** argmax_i (logits[i] + G(words[i])) over i < n, lowest index on ties. */
    static int gumbelArgmax(float[] logits, int[] words, int n) {
        int seedIdx = argmaxIndex(logits, n);
        double best = logits[seedIdx] + gumbel(words[seedIdx]);
        int bestIdx = seedIdx;
        for (int i = 0; i < n; i++) {
            double l = logits[i];
            if (l + gumbelBound(words[i]) < best) {
                continue; // cannot reach best: score < bound-sum < best
            }
            double sc = l + gumbel(words[i]);
            if (sc > best || (sc == best && i < bestIdx)) {
                best = sc;
                bestIdx = i;
            }
        }
        return bestIdx;
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
        return gumbelArgmax(logits, s.words, vocab);
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
        return candidates[gumbelArgmax(logits, w, n)];
    }

    /**
     * Masks every logit but the Gumbel-max choice to -infinity; on a repeated context the logits
     * are left as they are so the stack's own sampler draws without the watermark.
     */
    @Override
    public void biasLogits(int[] ids, int len, float[] logits) {
        checkStep(ids, len, logits);
        if (repeated(ids, len)) {
            return;
        }
        Scratch s = scratch();
        leftSeed(ids, 0, len, s.seed);
        prf.words(s.seed, vocab, s.words);
        int chosen = gumbelArgmax(logits, s.words, vocab);
        float keep = logits[chosen];
        java.util.Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        logits[chosen] = keep;
    }

    public int wordAt(int[] seq, int ctxFrom, int i) {
        checkToken(seq, i);
        Scratch s = scratch();
        leftSeed(seq, ctxFrom, i, s.seed);
        return prf.word(s.seed, seq[i]);
    }

    @Override
    public double value(int[] seq, int ctxFrom, int i) {
        return score(wordAt(seq, ctxFrom, i));
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
        return "GumbelScheme[" + ProvmarkPrf.ID + ", key=" + keyId() + ", h=" + h + ", window=" + window + "]";
    }
}
