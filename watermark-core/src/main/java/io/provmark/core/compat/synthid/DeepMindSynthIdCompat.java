package io.provmark.core.compat.synthid;

import io.provmark.core.profile.ProfileException;
import io.provmark.core.scheme.Embedder;
import java.util.Map;
import java.util.Set;

/**
 * SynthID-Text as google-deepmind/synthid-text does it at HEAD (addb4a1, after "Remove hash table
 * lookup"): the hashes start from {@code hash_iv = int(sha256(keys as int64 LE), big-endian) mod
 * (2^63 - 1)} instead of 1, and g-values come from {@code get_gvals} (12 rounds of
 * {@code k = accumulate_hash(k, [1]) >> 5}, then bit 30). Masks and scores as the HF port.
 *
 * <p>Profile: {@code {"scheme": "deepmind-synthid", "vocab_size": V, "config": {ngram_len, keys,
 * context_history_size (1024), temperature, top_k, skip_first_ngram_calls (false), apply_top_k
 * (true), num_leaves (2)}, "detector": {...}}}; temperature and top_k (required by upstream's
 * processor) are needed only for generation.
 */
public final class DeepMindSynthIdCompat extends SynthIdCompat {
    public static final String SCHEME = "deepmind-synthid";

    static final Set<String> CONFIG_FIELDS = Set.of("ngram_len", "keys", "context_history_size", "temperature",
            "top_k", "skip_first_ngram_calls", "apply_top_k", "num_leaves");

    private static final String TABLE_HINT = "(DeepMind HEAD has no sampling table since \"Remove hash table lookup\"; "
            + "the table variant is scheme \"hf-synthid\")";

    private final double temperature;
    private final int topK;
    private final boolean skipFirstNgramCalls;
    private final boolean applyTopK;
    private final int numLeaves;

    private DeepMindSynthIdCompat(SynthIdAlgorithm alg, int vocab, DetectorOptions options, double temperature,
                                  int topK, boolean skipFirstNgramCalls, boolean applyTopK, int numLeaves) {
        super(alg, vocab, options, 0.5);
        this.temperature = temperature;
        this.topK = topK;
        this.skipFirstNgramCalls = skipFirstNgramCalls;
        this.applyTopK = applyTopK;
        this.numLeaves = numLeaves;
    }

    /**
     * Builds the detector from its parts.
     *
     * @param temperature generation only; NaN when not given
     * @param topK        generation only; 0 when not given
     */
    public static DeepMindSynthIdCompat create(int vocabSize, int ngramLen, long[] keys, int contextHistorySize,
                                               double temperature, int topK, boolean skipFirstNgramCalls,
                                               boolean applyTopK, int numLeaves, DetectorOptions options) {
        if (vocabSize < 2) {
            throw new IllegalArgumentException("vocab_size must be >= 2, got " + vocabSize);
        }
        if (numLeaves < 2) {
            throw new IllegalArgumentException("num_leaves must be >= 2, got " + numLeaves);
        }
        SynthIdAlgorithm alg = SynthIdAlgorithm.deepMind(ngramLen, keys, contextHistorySize);
        return new DeepMindSynthIdCompat(alg, vocabSize, options, temperature, topK, skipFirstNgramCalls, applyTopK,
                numLeaves);
    }

    /** Parses a compat profile ({@code scheme = "deepmind-synthid"}); every problem names its field. */
    public static DeepMindSynthIdCompat fromProfile(Map<String, Object> root) {
        if (root != null && root.get("config") instanceof Map) {
            Map<?, ?> c = (Map<?, ?>) root.get("config");
            for (String f : new String[] {"sampling_table_size", "sampling_table_seed"}) {
                if (c.containsKey(f)) {
                    throw new ProfileException("config." + f, "is not a DeepMind HEAD field " + TABLE_HINT);
                }
            }
        }
        Map<String, Object> config = root(root, SCHEME, CONFIG_FIELDS, null);
        int vocab = vocabSize(root);
        int ngramLen = ngramLen(config);
        long[] keys = ProfileReader.keys(config, "config.keys");
        int history = contextHistorySize(config);
        double temperature = Double.NaN;
        if (config.get("temperature") != null) {
            Object t = config.get("temperature");
            // upstream: isinstance(temperature, float) and temperature > 0
            if (!(t instanceof Double) || !((Double) t > 0) || ((Double) t).isInfinite()) {
                throw new ProfileException("config.temperature", "has to be a strictly positive float (e.g. 0.7), got "
                        + ProfileReader.describe(t));
            }
            temperature = (Double) t;
        }
        int topK = 0;
        if (config.get("top_k") != null) {
            // upstream: isinstance(top_k, int) and top_k > 1; torch.topk needs k <= vocab
            topK = ProfileReader.intIn(config, "top_k", "config.top_k", 2, vocab, null);
        }
        boolean skip = ProfileReader.bool(config, "skip_first_ngram_calls", "config.skip_first_ngram_calls", false);
        boolean applyTopK = ProfileReader.bool(config, "apply_top_k", "config.apply_top_k", true);
        int leaves = ProfileReader.intIn(config, "num_leaves", "config.num_leaves", 2, 64, 2);
        DetectorOptions options = DetectorOptions.parse(root.get("detector"), keys.length, vocab);
        return create(vocab, ngramLen, keys, history, temperature, topK, skip, applyTopK, leaves, options);
    }

    @Override
    public String upstream() {
        return SCHEME;
    }

    @Override
    long effectivePrfInput(long ngramHash) {
        return ngramHash;
    }

    /**
     * {@code watermarked_call} followed by sampling, as an embed hook: the logits are divided by
     * {@code config.temperature} and cut to {@code config.top_k} here (pass untempered logits), then
     * watermarked; {@code ids[0..promptLength)} is the prompt.
     *
     * @throws ProfileException when the profile lacks temperature or top_k (upstream requires both)
     */
    @Override
    public Embedder embedder(int promptLength) {
        if (Double.isNaN(temperature)) {
            throw new ProfileException("config.temperature", "is required for generation (upstream's processor needs it)");
        }
        if (topK == 0) {
            throw new ProfileException("config.top_k", "is required for generation (upstream's processor needs it)");
        }
        return new SynthIdEmbedder(algorithm, vocab, promptLength,
                new SynthIdEmbedder.Params(skipFirstNgramCalls, false, temperature, applyTopK ? topK : 0, numLeaves,
                        -1e12f));
    }

    public int numLeaves() {
        return numLeaves;
    }

    /**
     * DeepMind's {@code g_value_expectations.expected_mean_g_value(vocab_size, num_leaves)}:
     * {@code 1/2 + 1/4 (1 - 1/V)} for 2 leaves, {@code 7/8 - 3/(8V)} for 3.
     */
    public static double expectedMeanGValue(int vocabSize, int numLeaves) {
        if (numLeaves == 2) {
            return 0.5 + 0.25 * (1 - (1.0 / vocabSize));
        }
        if (numLeaves == 3) {
            return 7.0 / 8 - (3.0 / (8 * vocabSize));
        }
        throw new IllegalArgumentException("upstream gives the expectation for num_leaves 2 or 3 only, got " + numLeaves);
    }

    @Override
    public String toString() {
        return "DeepMindSynthIdCompat[vocab=" + vocab + ", " + algorithm + "]";
    }
}
