package io.provmark.core.compat.synthid;

import io.provmark.core.compat.CompatDetector;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.detect.Evidence;
import io.provmark.core.detect.PositionDetail;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.ProfileException;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.stats.LogTails;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SynthID-Text verification as upstream does it, plus provmark's exact evidence over the same
 * positions. Upstream's score is DeepMind's {@code detector_mean} on
 * {@code compute_g_values(ids)} with mask {@code compute_context_repetition_mask(ids) AND
 * compute_eos_token_mask(ids, eos)[ngram_len-1:]}:
 * {@code mean = sum(g * mask) / (depth * sum(mask))} and
 * {@code weighted_mean = sum(g * w * mask) / (depth * sum(mask))} with
 * {@code w = linspace(10, 1, depth)} rescaled to sum to depth. By default jax computes these in
 * float32 ({@code detector.jax_enable_x64 = false}); with x64 they are float64.
 *
 * <p>Upstream scores exactly the ids it is given; SynthID generation never puts the prompt into
 * its context, so callers pass the generated ids only (as DeepMind's notebook scores
 * {@code outputs[:, inputs_len:]}). {@code promptTokens} is checked and otherwise ignored.
 *
 * <p>Evidence: under the null each counted g-value is a fair coin (see the class notes of
 * {@link HfSynthIdCompat} for the table variant), so the mean score's count of ones is
 * Binomial(n * depth, 1/2) (exact; the default, {@code detector.score = "mean"}). The weighted
 * score with linspace weights is an integer combination (weights proportional to
 * {@code 10(depth-1) - 9d}) whose tail is convolved exactly while {@code n * sum(w)} stays within
 * {@link #EXACT_WEIGHTED_SUPPORT} (about 200 positions at depth 30; the convolution costs seconds
 * beyond that), else bounded (Chernoff, {@code exact = false}, within about e^5 of the exact
 * value). Evidence counts upstream's positions minus, under the default
 * dedup rule {@code prf-input}, positions whose g-values repeat an already counted ngram's
 * (repeated ngrams beyond upstream's 1024-context window, or equal effective ngram hashes).
 */
public abstract sealed class SynthIdCompat implements CompatDetector permits HfSynthIdCompat, DeepMindSynthIdCompat {
    /** The Evidence key label: compat keys are secrets and never leave this object. */
    public static final String KEY_LABEL = "compat";

    /** Which score the Evidence tests (upstream reports both). */
    public enum Score {
        MEAN("mean"), WEIGHTED_MEAN("weighted_mean");

        private final String wire;

        Score(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static Score parse(String s) {
            for (Score v : values()) {
                if (v.wire.equals(s)) {
                    return v;
                }
            }
            throw new ProfileException("detector.score", "must be \"mean\" or \"weighted_mean\", got \"" + s + "\"");
        }
    }

    /**
     * The profile's {@code detector} object.
     *
     * @param eosTokenId   id for {@code compute_eos_token_mask}, or -1 for no EOS masking
     * @param score        score the Evidence tests
     * @param weights      upstream's {@code weights} argument of {@code weighted_mean_score}, or null for linspace(10, 1, depth)
     * @param jaxEnableX64 report float64 scores (jax x64) instead of jax's default float32
     * @param dedup        provmark's extra dedup of evidence positions
     */
    public record DetectorOptions(int eosTokenId, Score score, List<Double> weights, boolean jaxEnableX64, DedupRule dedup) {
        public DetectorOptions {
            weights = weights == null ? null : List.copyOf(weights);
        }

        public static DetectorOptions defaults() {
            return new DetectorOptions(-1, Score.MEAN, null, false, DedupRule.PRF_INPUT);
        }

        static final Set<String> FIELDS = Set.of("eos_token_id", "score", "weights", "jax_enable_x64", "dedup");

        static DetectorOptions parse(Object node, int depth, int vocab) {
            if (node == null) {
                return defaults();
            }
            Map<String, Object> m = ProfileReader.object(node, "detector");
            ProfileReader.allowOnly(m, "detector.", FIELDS, null);
            int eos = -1;
            if (m.get("eos_token_id") != null) {
                eos = ProfileReader.intIn(m, "eos_token_id", "detector.eos_token_id", 0, vocab - 1L, null);
            }
            Score score = Score.parse(ProfileReader.string(m, "score", "detector.score", "mean", null));
            List<Double> weights = null;
            if (m.get("weights") != null) {
                Object w = m.get("weights");
                if (!(w instanceof List)) {
                    throw new ProfileException("detector.weights", "must be an array of " + depth + " non-negative numbers");
                }
                List<?> l = (List<?>) w;
                if (l.size() != depth) {
                    throw new ProfileException("detector.weights", "must have one entry per key (" + depth + "), got " + l.size());
                }
                weights = new ArrayList<>();
                double sum = 0;
                for (int i = 0; i < l.size(); i++) {
                    double x = ProfileReader.real(l.get(i), "detector.weights[" + i + "]");
                    if (x < 0) {
                        throw new ProfileException("detector.weights[" + i + "]", "must be >= 0, got " + x);
                    }
                    weights.add(x);
                    sum += x;
                }
                if (!(sum > 0)) {
                    throw new ProfileException("detector.weights", "must not all be zero (upstream divides by their sum)");
                }
            }
            boolean x64 = ProfileReader.bool(m, "jax_enable_x64", "detector.jax_enable_x64", false);
            DedupRule dedup = DedupRule.parse("detector.dedup",
                    ProfileReader.string(m, "dedup", "detector.dedup", DedupRule.PRF_INPUT.wire(), null));
            return new DetectorOptions(eos, score, weights, x64, dedup);
        }
    }

    /**
     * Everything upstream computes for one token list.
     *
     * @param gValues               {@code compute_g_values}: (L - ngram_len + 1) x depth, 0/1
     * @param contextRepetitionMask {@code compute_context_repetition_mask} (true = counted)
     * @param eosTokenMask          {@code compute_eos_token_mask(ids, eos)[ngram_len-1:]}
     * @param mask                  their AND (upstream's scoring mask)
     * @param gSum                  sum of g-values per ngram
     * @param numUnmasked           {@code sum(mask)}
     * @param meanFloat32           jax float32 Mean
     * @param weightedMeanFloat32   jax float32 Weighted Mean (within a few ulps: jax's summation order is not reproduced)
     * @param meanX64               Mean with {@code jax_enable_x64}
     * @param weightedMeanX64       Weighted Mean with {@code jax_enable_x64}
     */
    public record Analysis(byte[][] gValues, boolean[] contextRepetitionMask, boolean[] eosTokenMask, boolean[] mask,
                           int[] gSum, int numUnmasked, float meanFloat32, float weightedMeanFloat32,
                           double meanX64, double weightedMeanX64) {
    }

    /** Largest {@code n * sum(integer weights)} whose weighted tail is convolved exactly (~0.7 s worst case). */
    public static final long EXACT_WEIGHTED_SUPPORT = 1_000_000L;

    final SynthIdAlgorithm algorithm;
    final int vocab;
    final DetectorOptions options;
    private final float[] weights32;
    private final double[] weights64;
    /** Integer weights proportional to upstream's (exact weighted tail), or null when they are real-valued. */
    private final int[] intWeights;
    private final double nullP;

    SynthIdCompat(SynthIdAlgorithm algorithm, int vocab, DetectorOptions options, double nullP) {
        this.algorithm = algorithm;
        this.vocab = vocab;
        this.options = options;
        this.nullP = nullP;
        int depth = algorithm.depth();
        float[] raw32;
        double[] raw64;
        if (options.weights() == null) {
            raw32 = linspace32(10f, 1f, depth);
            raw64 = linspace64(10.0, 1.0, depth);
            intWeights = linspaceIntegerWeights(depth);
        } else {
            raw32 = new float[depth];
            raw64 = new double[depth];
            boolean integral = true;
            int[] iw = new int[depth];
            for (int d = 0; d < depth; d++) {
                double w = options.weights().get(d);
                raw32[d] = (float) w;
                raw64[d] = w;
                if (w == Math.rint(w) && w <= 1_000_000) {
                    iw[d] = (int) w;
                } else {
                    integral = false;
                }
            }
            intWeights = integral ? iw : null;
        }
        // weights *= depth / sum(weights), in the computation dtype
        float s32 = 0f;
        for (float w : raw32) {
            s32 += w;
        }
        float f32 = (float) depth / s32;
        double s64 = 0;
        for (double w : raw64) {
            s64 += w;
        }
        double f64 = depth / s64;
        weights32 = new float[depth];
        weights64 = new double[depth];
        for (int d = 0; d < depth; d++) {
            weights32[d] = raw32[d] * f32;
            weights64[d] = raw64[d] * f64;
        }
    }

    /** {@code jnp.linspace(start, stop, num)} in float32: {@code start*(1-i/div) + stop*(i/div)}, last = stop. */
    static float[] linspace32(float start, float stop, int num) {
        float[] out = new float[num];
        if (num == 1) {
            out[0] = start;
            return out;
        }
        int div = num - 1;
        for (int i = 0; i < div; i++) {
            float step = (float) i / (float) div;
            out[i] = start * (1f - step) + stop * step;
        }
        out[div] = stop;
        return out;
    }

    static double[] linspace64(double start, double stop, int num) {
        double[] out = new double[num];
        if (num == 1) {
            out[0] = start;
            return out;
        }
        int div = num - 1;
        for (int i = 0; i < div; i++) {
            double step = (double) i / div;
            out[i] = start * (1 - step) + stop * step;
        }
        out[div] = stop;
        return out;
    }

    /** linspace(10, 1, depth) is proportional to the integers {@code 10(depth-1) - 9d}. */
    static int[] linspaceIntegerWeights(int depth) {
        int[] w = new int[depth];
        if (depth == 1) {
            w[0] = 1;
            return w;
        }
        for (int d = 0; d < depth; d++) {
            w[d] = 10 * (depth - 1) - 9 * d;
        }
        return w;
    }

    /** The algorithm (hashes, g-values, masks). */
    public SynthIdAlgorithm algorithm() {
        return algorithm;
    }

    public DetectorOptions options() {
        return options;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    /** Probability of a g-value of 1 in provmark's null model (1/2 unless a table variant's table is biased upwards). */
    public double nullProbability() {
        return nullP;
    }

    /** Input identifying an ngram's g-values, for provmark's {@code prf-input} dedup. */
    abstract long effectivePrfInput(long ngramHash);

    /** Watermarked generation for a sequence whose first {@code promptLength} ids are the prompt. */
    public abstract Embedder embedder(int promptLength);

    void checkTokens(int[] tokens, String what) {
        for (int i = 0; i < tokens.length; i++) {
            int t = tokens[i];
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException(what + " id " + t + " at position " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /** Upstream's g-values, masks and scores for {@code tokens}. */
    public Analysis analyze(int[] tokens) {
        checkTokens(tokens, "token");
        Work w = compute(tokens);
        return w.analysis;
    }

    /** Per-call intermediate results. */
    private static final class Work {
        Analysis analysis;
        long[] ngramHash;
        long[] contextHash;
    }

    private Work compute(int[] tokens) {
        SynthIdAlgorithm a = algorithm;
        int n = a.ngramLen();
        int depth = a.depth();
        int m = a.numNgrams(tokens.length);
        long[] ctx = new long[m];
        long[] ngram = new long[m];
        byte[][] g = new byte[m][depth];
        int[] gSum = new int[m];
        for (int j = 0; j < m; j++) {
            long c = a.contextHash(tokens, j);
            long h = SynthIdHash.step(c, tokens[j + n - 1]);
            ctx[j] = c;
            ngram[j] = h;
            byte[] row = g[j];
            int s = 0;
            if (depth <= SynthIdAlgorithm.WORD_DEPTH) {
                long word = a.gWord(h);
                for (int d = 0; d < depth; d++) {
                    row[d] = (byte) ((word >>> d) & 1L);
                }
                s = Long.bitCount(word);
            } else {
                for (int d = 0; d < depth; d++) {
                    int v = a.g(a.layerKey(h, d));
                    row[d] = (byte) v;
                    s += v;
                }
            }
            gSum[j] = s;
        }
        boolean[] rep = SynthIdAlgorithm.repetitionMask(ctx, a.contextHistorySize());
        boolean[] eos = a.eosTokenMask(tokens, options.eosTokenId());
        boolean[] mask = new boolean[m];
        long[] layerCount = new long[depth];
        int unmasked = 0;
        long total = 0;
        for (int j = 0; j < m; j++) {
            mask[j] = rep[j] && eos[j];
            if (mask[j]) {
                unmasked++;
                total += gSum[j];
                byte[] row = g[j];
                for (int d = 0; d < depth; d++) {
                    layerCount[d] += row[d];
                }
            }
        }
        int denom = depth * unmasked; // int32 in jax
        float mean32 = (float) total / (float) denom;
        double mean64 = (double) total / (double) denom;
        double num32 = 0;
        double num64 = 0;
        for (int d = 0; d < depth; d++) {
            num32 += layerCount[d] * (double) weights32[d];
            num64 += layerCount[d] * weights64[d];
        }
        float wmean32 = (float) num32 / (float) denom;
        double wmean64 = num64 / denom;
        Work w = new Work();
        w.analysis = new Analysis(g, rep, eos, mask, gSum, unmasked, mean32, wmean32, mean64, wmean64);
        w.ngramHash = ngram;
        w.contextHash = ctx;
        return w;
    }

    @Override
    public CompatResult detect(int[] tokens, int[] promptTokens, boolean perToken) {
        checkTokens(tokens, "token");
        if (promptTokens != null) {
            checkTokens(promptTokens, "prompt token");
        }
        Work w = compute(tokens);
        Analysis an = w.analysis;
        SynthIdAlgorithm a = algorithm;
        int n = a.ngramLen();
        int depth = a.depth();
        int m = an.gValues().length;

        Map<String, Object> upstream = new LinkedHashMap<>();
        upstream.put("mean", options.jaxEnableX64() ? an.meanX64() : (double) an.meanFloat32());
        upstream.put("weighted_mean", options.jaxEnableX64() ? an.weightedMeanX64() : (double) an.weightedMeanFloat32());

        // provmark's evidence positions: upstream's mask, then the dedup rule
        boolean[] ev = new boolean[m];
        DedupRule rule = options.dedup();
        Set<Long> seen = rule == DedupRule.NONE ? Collections.emptySet() : new HashSet<>();
        for (int j = 0; j < m; j++) {
            boolean keep = an.mask()[j];
            if (rule == DedupRule.CONTEXT) {
                keep &= !seen.contains(w.contextHash[j]);
                seen.add(w.contextHash[j]);
            } else if (rule == DedupRule.PRF_INPUT && keep) {
                keep = seen.add(effectivePrfInput(w.ngramHash[j]));
            }
            ev[j] = keep;
        }
        Evidence evidence = evidence(tokens, an, ev, perToken);

        List<Map<String, Object>> per = null;
        if (perToken) {
            per = new ArrayList<>(m);
            for (int j = 0; j < m; j++) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("index", j + n - 1);
                e.put("token", tokens[j + n - 1]);
                List<Integer> gv = new ArrayList<>(depth);
                for (byte b : an.gValues()[j]) {
                    gv.add((int) b);
                }
                e.put("g_values", gv);
                e.put("context_repetition_mask", an.contextRepetitionMask()[j]);
                e.put("eos_token_mask", an.eosTokenMask()[j]);
                e.put("mask", an.mask()[j]);
                e.put("evidence_scored", ev[j]);
                per.add(e);
            }
        }
        return new CompatResult(upstream, evidence, per);
    }

    private Evidence evidence(int[] tokens, Analysis an, boolean[] ev, boolean perPosition) {
        int depth = algorithm.depth();
        int n = algorithm.ngramLen();
        int m = ev.length;
        long[] count = new long[depth];
        int scored = 0;
        for (int j = 0; j < m; j++) {
            if (ev[j]) {
                scored++;
                byte[] row = an.gValues()[j];
                for (int d = 0; d < depth; d++) {
                    count[d] += row[d];
                }
            }
        }
        double p0 = nullP;
        String stat = options.score().wire();
        double statistic;
        double lnP;
        double z;
        boolean exact;
        if (options.score() == Score.MEAN) {
            long trials = (long) scored * depth;
            long k = 0;
            for (long c : count) {
                k += c;
            }
            statistic = trials == 0 ? 0.0 : (double) k / trials;
            lnP = trials == 0 ? 0.0 : LogTails.binomialLogSurvival(trials, k, p0);
            z = trials == 0 ? 0.0 : (k - trials * p0) / Math.sqrt(trials * p0 * (1 - p0));
            exact = true;
        } else {
            double num = 0;
            for (int d = 0; d < depth; d++) {
                num += count[d] * weights64[d];
            }
            statistic = scored == 0 ? 0.0 : num / ((double) depth * scored);
            if (scored == 0) {
                lnP = 0.0;
                z = 0.0;
                exact = true;
            } else if (intWeights != null) {
                long s = 0;
                long sumW = 0;
                double sumW2 = 0;
                for (int d = 0; d < depth; d++) {
                    s += count[d] * intWeights[d];
                    sumW += intWeights[d];
                    sumW2 += (double) intWeights[d] * intWeights[d];
                }
                z = (s - scored * sumW * p0) / Math.sqrt(scored * sumW2 * p0 * (1 - p0));
                if (p0 == 0.5 && (long) scored * sumW <= EXACT_WEIGHTED_SUPPORT) {
                    lnP = LogTails.weightedBernoulliLogSurvival(scored, intWeights, s);
                    exact = true;
                } else {
                    double[] dw = new double[depth];
                    for (int d = 0; d < depth; d++) {
                        dw[d] = intWeights[d];
                    }
                    lnP = chernoff(scored, dw, s, p0);
                    exact = false;
                }
            } else {
                double sumW = 0;
                double sumW2 = 0;
                for (double x : weights64) {
                    sumW += x;
                    sumW2 += x * x;
                }
                z = (num - scored * sumW * p0) / Math.sqrt(scored * sumW2 * p0 * (1 - p0));
                lnP = chernoff(scored, weights64, num, p0);
                exact = false;
            }
        }
        List<PositionDetail> positions = null;
        if (perPosition) {
            positions = new ArrayList<>(tokens.length);
            int firstEos = -1;
            if (options.eosTokenId() >= 0) {
                for (int i = 0; i < tokens.length; i++) {
                    if (tokens[i] == options.eosTokenId()) {
                        firstEos = i;
                        break;
                    }
                }
            }
            for (int t = 0; t < tokens.length; t++) {
                int j = t - n + 1;
                PositionDetail.Status st;
                double value = Double.NaN;
                if (j < 0) {
                    st = PositionDetail.Status.PARTIAL_CONTEXT;
                } else if (!an.eosTokenMask()[j]) {
                    st = t == firstEos ? PositionDetail.Status.EOS : PositionDetail.Status.AFTER_EOS;
                } else if (!ev[j]) {
                    st = PositionDetail.Status.DUPLICATE;
                } else {
                    st = PositionDetail.Status.SCORED;
                    value = positionValue(an.gValues()[j]);
                }
                positions.add(new PositionDetail(t, tokens[t], st, value));
            }
        }
        return new Evidence(upstream(), KEY_LABEL, tokens.length, scored, stat, statistic, lnP, z, exact,
                options.dedup().wire(), positions);
    }

    /** The position's summand of the Evidence statistic: g count, or weighted g sum (integer weights when exact). */
    private double positionValue(byte[] row) {
        double v = 0;
        for (int d = 0; d < row.length; d++) {
            if (row[d] != 0) {
                v += options.score() == Score.MEAN ? 1 : intWeights != null ? intWeights[d] : weights64[d];
            }
        }
        return v;
    }

    /** Chernoff bound on ln P(sum_l w_l B_l >= s), B_l ~ Binomial(n, p); LogTails' own for p = 1/2. */
    static double chernoff(long n, double[] w, double s, double p) {
        if (p == 0.5) {
            return LogTails.weightedBernoulliChernoffLogBound(n, w, s);
        }
        return BiasedChernoff.logBound(n, w, s, p);
    }

    /** Parses the root of a compat profile common to both variants; returns the config object. */
    static Map<String, Object> root(Map<String, Object> root, String scheme, Set<String> configFields, String hint) {
        if (root == null) {
            throw new ProfileException("profile", "is required");
        }
        ProfileReader.allowOnly(root, "", Set.of("scheme", "config", "vocab_size", "detector"), null);
        Object s = root.get("scheme");
        if (!scheme.equals(s)) {
            throw new ProfileException("scheme", "must be \"" + scheme + "\" for this detector, got "
                    + ProfileReader.describe(s));
        }
        Map<String, Object> config = ProfileReader.object(root.get("config"), "config");
        ProfileReader.allowOnly(config, "config.", configFields, hint);
        return config;
    }

    static int vocabSize(Map<String, Object> root) {
        return ProfileReader.intIn(root, "vocab_size", "vocab_size", 2, Integer.MAX_VALUE, null);
    }

    static int ngramLen(Map<String, Object> config) {
        // ngram_len 1 would make every context empty (all positions but the first masked as repeated)
        return ProfileReader.intIn(config, "ngram_len", "config.ngram_len", 2, 1024, null);
    }

    static int contextHistorySize(Map<String, Object> config) {
        return ProfileReader.intIn(config, "context_history_size", "config.context_history_size", 0, 1 << 24, 1024);
    }
}
