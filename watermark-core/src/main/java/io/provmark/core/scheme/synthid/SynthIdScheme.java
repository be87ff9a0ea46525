package io.provmark.core.scheme.synthid;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.scheme.Contexts;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.FastExp;
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

    /** Largest chunk of layers handled on pattern buckets (2^10 buckets of doubles per chunk). */
    static final int MAX_CHUNK_BITS = 10;

    /**
     * Chunk width b minimising the work ceil(m/b) * (2 b 2^b + n): one pass over the n tokens per
     * chunk plus, per layer of the chunk, two passes over its 2^b pattern buckets. 10 at n = 128k
     * (3 token passes for m = 30), 5 at n = 1,000.
     */
    static int chunkBits(int depth, int n) {
        int best = 1;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int b = 1; b <= Math.min(MAX_CHUNK_BITS, depth); b++) {
            double cost = ((depth + b - 1) / b) * (2.0 * b * (1 << b) + n);
            if (cost < bestCost) {
                bestCost = cost;
                best = b;
            }
        }
        return best;
    }

    /** Per-thread tournament tables, so a decoding step allocates nothing. */
    private static final class Tables {
        final double[] mass = new double[1 << MAX_CHUNK_BITS];
        final double[][] factor = new double[32][];
        /** The two factors of every layer, 1 - E_l and 2 - E_l, for biasLogits' logarithms. */
        final double[] f0 = new double[32];
        final double[] f1 = new double[32];
        double[] blockSums = new double[0];
        int chunks;
        int bits;
        double total;

        double[] factor(int c, int size) {
            if (factor[c] == null || factor[c].length < size) {
                factor[c] = new double[Math.max(size, 1 << MAX_CHUNK_BITS)];
            }
            return factor[c];
        }

        double[] blockSums(int n) {
            if (blockSums.length < FastExp.blocks(n)) {
                blockSums = new double[FastExp.blocks(n)];
            }
            return blockSums;
        }
    }

    private final ThreadLocal<Tables> tables = ThreadLocal.withInitial(Tables::new);

    /**
     * The tournament distribution: p[i] starts as softmax(logits) over i &lt; n and layer l maps it to
     * p[i] * (1 - E_l + g_l(i)) with E_l = sum_i p[i] g_l(i).
     *
     * <p>Within a chunk of b layers a token's factor depends only on its b g-bits, so each chunk runs
     * on 2^b pattern buckets (mass per pattern) and then scales each token once: ceil(m/b) passes over
     * the tokens instead of 2m. Same arithmetic up to reassociation. On return p[i] holds the
     * unnormalised weights after every chunk but the last; the last chunk's factors stay in
     * {@code t.factor[t.chunks - 1]} (chunk c uses bits c*b .. c*b+b-1 of the word), and
     * {@code t.total} is the final total mass, so callers fuse the last scaling with sampling or
     * with taking logs. Returns the maximum logit.
     */
    private double tournament(float[] logits, int[] words, int n, double[] p, Tables t) {
        double max = Sampling.maxLogit(logits, n);
        int b = chunkBits(depth, n);
        int chunks = (depth + b - 1) / b;
        t.bits = b;
        t.chunks = chunks;
        double[] mass = t.mass;
        int firstBits = Math.min(b, depth);
        int firstMask = (1 << firstBits) - 1;
        java.util.Arrays.fill(mass, 0, 1 << firstBits, 0.0);
        // clamped like Sampling.sampleSoftmax: a token more than 60 nats below the maximum carries
        // e^-60 < 1e-26 instead of its true mass here (<= V * 1e-26 in total) and is never sampled;
        // a NaN logit gets no mass. The scatter into pattern buckets is its own loop: the exponentials
        // are vectorised, the scatter cannot be
        FastExp.expBelowMax(logits, n, max, p, t.blockSums(n));
        scatter(words, p, n, 0, firstMask, mass);
        for (int c = 0; c < chunks; c++) {
            int lo = c * b;
            int bits = Math.min(b, depth - lo);
            int buckets = 1 << bits;
            double[] factor = t.factor(c, buckets);
            double total = 0;
            for (int k = 0; k < buckets; k++) {
                total += mass[k];
                factor[k] = 1.0;
            }
            for (int j = 0; j < bits; j++) {
                // buckets with bit j set come in runs of 2^j: walk the runs, no per-bucket branch
                int run = 1 << j;
                double e = 0;
                for (int base = run; base < buckets; base += run << 1) {
                    for (int k = base; k < base + run; k++) {
                        e += mass[k];
                    }
                }
                e /= total;
                // E_l can round above 1 when (nearly) all mass has bit l set: a factor below 0 would
                // make masses negative and their logarithms NaN
                double f0 = Math.max(0.0, 1.0 - e);
                double f1 = 2.0 - e;
                t.f0[lo + j] = f0;
                t.f1[lo + j] = f1;
                for (int base = 0; base < buckets; base += run << 1) {
                    for (int k = base; k < base + run; k++) {
                        mass[k] *= f0;
                        factor[k] *= f0;
                    }
                    for (int k = base + run; k < base + (run << 1); k++) {
                        mass[k] *= f1;
                        factor[k] *= f1;
                    }
                }
            }
            if (c == chunks - 1) {
                double sum = 0;
                for (int k = 0; k < buckets; k++) {
                    sum += mass[k];
                }
                t.total = sum;
                break;
            }
            // scale tokens by this chunk's factor and build the next chunk's pattern masses
            int mask = buckets - 1;
            int next = lo + b;
            int nextMask = (1 << Math.min(b, depth - next)) - 1;
            java.util.Arrays.fill(mass, 0, nextMask + 1, 0.0);
            scaleAndScatter(words, p, n, factor, lo, mask, next, nextMask, mass);
        }
        return max;
    }

    // The passes over the tokens are small static methods of their own: inside the long tournament
    // method C2 compiled them to loops about twice as slow (JMH, JFR line samples).

    /** mass[pattern] += p[i], pattern = bits shift .. of the token's word. */
    private static void scatter(int[] words, double[] p, int n, int shift, int mask, double[] mass) {
        for (int i = 0; i < n; i++) {
            mass[(words[i] >>> shift) & mask] += p[i];
        }
    }

    /** p[i] *= factor[this chunk's pattern], and the next chunk's pattern masses of the result. */
    private static void scaleAndScatter(int[] words, double[] p, int n, double[] factor, int lo, int mask, int next,
            int nextMask, double[] mass) {
        for (int i = 0; i < n; i++) {
            int w = words[i];
            double q = p[i] * factor[(w >>> lo) & mask];
            p[i] = q;
            mass[(w >>> next) & nextMask] += q;
        }
    }

    /** Tokens this many nats below the maximum logit are never sampled, as in {@link Sampling}. */
    private static final double NEGLIGIBLE = Sampling.NEGLIGIBLE;

    /** Samples from the tournament distribution by inversion at r (the last chunk's scaling fused in). */
    private int sampleTournament(float[] logits, double max, int[] words, int n, double[] p, Tables t, double r) {
        int lo = (t.chunks - 1) * t.bits;
        double[] factor = t.factor[t.chunks - 1];
        int mask = (1 << Math.min(t.bits, depth - lo)) - 1;
        double target = r * t.total;
        double acc = 0.0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            double q = p[i] * factor[(words[i] >>> lo) & mask];
            if (q > 0 && logits[i] - max >= -NEGLIGIBLE) {
                acc += q;
                last = i;
                if (acc > target) {
                    return i;
                }
            }
        }
        return last; // r * total beyond the (differently rounded) running sum
    }

    /** The normalised tournament distribution, for tests: p[i] for i &lt; n, summing to 1. */
    double[] tournamentDistribution(float[] logits, int[] words, int n) {
        Tables t = tables.get();
        double[] p = new double[n];
        tournament(logits, words, n, p, t);
        int lo = (t.chunks - 1) * t.bits;
        double[] factor = t.factor[t.chunks - 1];
        int mask = (1 << Math.min(t.bits, depth - lo)) - 1;
        for (int i = 0; i < n; i++) {
            p[i] = p[i] * factor[(words[i] >>> lo) & mask] / t.total;
        }
        return p;
    }

    @Override
    public int step(int[] ids, int len, float[] logits, double r) {
        checkStep(ids, len, logits);
        Sampling.checkUniform(r);
        if (repeated(ids, len)) {
            return Sampling.sampleSoftmax(logits, vocab, r);
        }
        Scratch s = scratch();
        Tables t = tables.get();
        leftSeed(ids, 0, len, s.seed);
        prf.words(s.seed, vocab, s.words);
        double max = tournament(logits, s.words, vocab, s.probs, t);
        return sampleTournament(logits, max, s.words, vocab, s.probs, t, r);
    }

    @Override
    public int step(int[] ids, int len, int[] candidates, float[] logits, int n, double r) {
        checkCandidates(ids, len, candidates, logits, n);
        Sampling.checkUniform(r);
        if (repeated(ids, len)) {
            return candidates[Sampling.sampleSoftmax(logits, n, r)];
        }
        Scratch s = scratch();
        Tables t = tables.get();
        leftSeed(ids, 0, len, s.seed);
        int[] w = s.candWords(n);
        prf.words(s.seed, candidates, n, w);
        double[] p = n <= s.probs.length ? s.probs : new double[n];
        double max = tournament(logits, w, n, p, t);
        return candidates[sampleTournament(logits, max, w, n, p, t, r)];
    }

    /**
     * Replaces logits by ln of the tournament distribution (unchanged on a repeated context):
     * ln p(i) = (logit_i - max) + sum over chunks of ln factor_c(pattern_c(i)) - ln total, so the
     * logarithms are taken of the 2^b bucket factors, not of every token.
     */
    @Override
    public void biasLogits(int[] ids, int len, float[] logits) {
        checkStep(ids, len, logits);
        if (repeated(ids, len)) {
            return;
        }
        Scratch s = scratch();
        Tables t = tables.get();
        leftSeed(ids, 0, len, s.seed);
        int[] words = s.words;
        prf.words(s.seed, vocab, words);
        double max = tournament(logits, words, vocab, s.probs, t);
        int b = t.bits;
        int chunks = t.chunks;
        double lnTotal = Math.log(t.total);
        // ln of every chunk's bucket factors, built like the factors themselves but from the 2 * depth
        // logarithms of the layer factors (ln 0 = -infinity: that pattern has no mass left)
        double[][] ln = t.factor; // rebuilt by the next call: reused for the logarithms
        for (int c = 0; c < chunks; c++) {
            int lo = c * b;
            int bits = Math.min(b, depth - lo);
            double[] f = ln[c];
            f[0] = 0.0;
            for (int j = 0; j < bits; j++) {
                double l0 = Math.log(t.f0[lo + j]);
                double l1 = Math.log(t.f1[lo + j]);
                int run = 1 << j;
                for (int k = 0; k < run; k++) {
                    f[k + run] = f[k] + l1;
                    f[k] += l0;
                }
            }
        }
        if (chunks <= 4) {
            addLogFactors4(logits, words, max, lnTotal, ln, chunks, b);
            return;
        }
        // more than four chunks only at small vocabularies (b < 8): a loop over the chunks per token
        for (int i = 0; i < vocab; i++) {
            int w = words[i];
            double lf = 0;
            for (int c = 0; c < chunks; c++) {
                lf += ln[c][(w >>> (c * b)) & chunkMask(c, b)];
            }
            double d = logits[i] - max;
            logits[i] = d >= -NEGLIGIBLE ? (float) (d + lf - lnTotal) : Float.NEGATIVE_INFINITY;
        }
    }

    private static final double[] NO_FACTOR = {0.0};

    /**
     * The last pass of biasLogits for up to four chunks (30 layers at V = 128k take three), with no
     * loop over the chunks inside the loop over the tokens: absent chunks read ln 1 = 0 through a
     * zero mask.
     */
    private void addLogFactors4(float[] logits, int[] words, double max, double lnTotal, double[][] ln, int chunks,
            int b) {
        double[] l0 = ln[0];
        double[] l1 = chunks > 1 ? ln[1] : NO_FACTOR;
        double[] l2 = chunks > 2 ? ln[2] : NO_FACTOR;
        double[] l3 = chunks > 3 ? ln[3] : NO_FACTOR;
        int m0 = chunkMask(0, b);
        int m1 = chunkMask(1, b);
        int m2 = chunkMask(2, b);
        int m3 = chunkMask(3, b);
        int s1 = b;
        int s2 = 2 * b;
        int s3 = 3 * b;
        for (int i = 0; i < vocab; i++) {
            double d = logits[i] - max;
            if (!(d >= -NEGLIGIBLE)) {
                logits[i] = Float.NEGATIVE_INFINITY; // never sampled, as in step()
                continue;
            }
            int w = words[i];
            double lf = l0[w & m0] + l1[(w >>> s1) & m1] + l2[(w >>> s2) & m2] + l3[(w >>> s3) & m3];
            logits[i] = (float) (d + lf - lnTotal);
        }
    }

    /** Mask of chunk c's pattern bits, 0 for a chunk beyond the depth. */
    private int chunkMask(int c, int b) {
        int lo = c * b;
        return lo >= depth ? 0 : (1 << Math.min(b, depth - lo)) - 1;
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
