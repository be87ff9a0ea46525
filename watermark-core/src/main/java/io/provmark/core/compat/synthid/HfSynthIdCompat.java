package io.provmark.core.compat.synthid;

import io.provmark.core.profile.ProfileException;
import io.provmark.core.scheme.Embedder;
import java.math.BigInteger;
import java.util.Map;
import java.util.Set;

/**
 * SynthID-Text as the Hugging Face port does it ({@code SynthIDTextWatermarkLogitsProcessor} and
 * {@code SynthIDTextWatermarkingConfig}, transformers 5.18.0), which is also DeepMind's code before
 * commit 37fa9b2 "Remove hash table lookup": initial hash 1 and
 * {@code g = sampling_table[key mod sampling_table_size]}, the table being
 * {@code torch.randint(0, 2, (sampling_table_size,))} from a CPU generator seeded with
 * {@code sampling_table_seed}.
 *
 * <p>Profile: {@code {"scheme": "hf-synthid", "vocab_size": V, "config": {ngram_len, keys,
 * context_history_size (1024), sampling_table_seed (0), sampling_table_size (65536),
 * skip_first_ngram_calls (false), debug_mode (false)}, "detector": {eos_token_id, score,
 * weights, jax_enable_x64, dedup}}}.
 *
 * <p>Table-variant properties that matter for evidence (documented as upstream weaknesses): with a
 * power-of-two table of size 2^b, every layer's index {@code ((h + key_d) * M + 1) mod 2^b}
 * depends only on the ngram hash h modulo 2^b, and that only on the ids modulo 2^b: an ngram's
 * g-values take at most 2^b patterns (ids t and t + 65536 are indistinguishable with the default
 * table), so provmark's {@code prf-input} dedup compares {@code h mod 2^b}. The default table
 * (seed 0) holds 32743 ones in 65536 (0.4996 &lt; 1/2), so the Binomial(1/2) null is valid and
 * slightly conservative; a table with more than half ones makes provmark test against that
 * fraction instead.
 */
public final class HfSynthIdCompat extends SynthIdCompat {
    public static final String SCHEME = "hf-synthid";

    static final Set<String> CONFIG_FIELDS = Set.of("ngram_len", "keys", "context_history_size",
            "sampling_table_seed", "sampling_table_size", "skip_first_ngram_calls", "debug_mode");

    private final boolean skipFirstNgramCalls;
    private final boolean debugMode;
    private final int tableSize;
    private final double tableOnesFraction;

    private HfSynthIdCompat(SynthIdAlgorithm alg, int vocab, DetectorOptions options, boolean skipFirstNgramCalls,
                            boolean debugMode, int tableSize, double tableOnesFraction) {
        super(alg, vocab, options, Math.max(0.5, tableOnesFraction));
        this.skipFirstNgramCalls = skipFirstNgramCalls;
        this.debugMode = debugMode;
        this.tableSize = tableSize;
        this.tableOnesFraction = tableOnesFraction;
    }

    /**
     * Builds the detector from its parts.
     *
     * @param samplingTableSeed unsigned 64-bit seed (as torch's {@code manual_seed})
     */
    public static HfSynthIdCompat create(int vocabSize, int ngramLen, long[] keys, int contextHistorySize,
                                         long samplingTableSeed, int samplingTableSize, boolean skipFirstNgramCalls,
                                         boolean debugMode, DetectorOptions options) {
        if (vocabSize < 2) {
            throw new IllegalArgumentException("vocab_size must be >= 2, got " + vocabSize);
        }
        SynthIdAlgorithm alg = SynthIdAlgorithm.huggingFace(ngramLen, keys, contextHistorySize, samplingTableSize,
                samplingTableSeed);
        byte[] table = alg.samplingTableCopy();
        long ones = 0;
        for (byte b : table) {
            ones += b;
        }
        return new HfSynthIdCompat(alg, vocabSize, options, skipFirstNgramCalls, debugMode, samplingTableSize,
                (double) ones / samplingTableSize);
    }

    /** Parses a compat profile ({@code scheme = "hf-synthid"}); every problem names its field. */
    public static HfSynthIdCompat fromProfile(Map<String, Object> root) {
        Map<String, Object> config = root(root, SCHEME, CONFIG_FIELDS, null);
        int vocab = vocabSize(root);
        int ngramLen = ngramLen(config);
        long[] keys = ProfileReader.keys(config, "config.keys");
        int history = contextHistorySize(config);
        long seed = 0;
        if (config.containsKey("sampling_table_seed")) {
            BigInteger b = ProfileReader.integer(config.get("sampling_table_seed"), "config.sampling_table_seed", false);
            if (b.signum() < 0 || b.compareTo(ProfileReader.UINT64_LIMIT) >= 0) {
                throw new ProfileException("config.sampling_table_seed", "must be in 0..2^64-1 (torch manual_seed), got " + b);
            }
            seed = b.longValue();
        }
        // transformers' validate() rejects sampling_table_size > 2**24
        int size = ProfileReader.intIn(config, "sampling_table_size", "config.sampling_table_size", 1,
                SynthIdAlgorithm.MAX_SAMPLING_TABLE_SIZE, 1 << 16);
        boolean skip = ProfileReader.bool(config, "skip_first_ngram_calls", "config.skip_first_ngram_calls", false);
        boolean debug = ProfileReader.bool(config, "debug_mode", "config.debug_mode", false);
        DetectorOptions options = DetectorOptions.parse(root.get("detector"), keys.length, vocab);
        return create(vocab, ngramLen, keys, history, seed, size, skip, debug, options);
    }

    @Override
    public String upstream() {
        return SCHEME;
    }

    @Override
    long effectivePrfInput(long ngramHash) {
        return Integer.bitCount(tableSize) == 1 ? ngramHash & (tableSize - 1) : ngramHash;
    }

    /** Fraction of ones in the sampling table (32743/65536 for the default seed 0). */
    public double samplingTableOnesFraction() {
        return tableOnesFraction;
    }

    public boolean skipFirstNgramCalls() {
        return skipFirstNgramCalls;
    }

    public boolean debugMode() {
        return debugMode;
    }

    /**
     * The processor as an embed hook: {@code ids[0..promptLength)} is the prompt (never part of the
     * watermarking context, as upstream), every later id was generated through this hook.
     */
    @Override
    public Embedder embedder(int promptLength) {
        return new SynthIdEmbedder(algorithm, vocab, promptLength,
                new SynthIdEmbedder.Params(skipFirstNgramCalls, debugMode, Double.NaN, 0, 2, -Float.MAX_VALUE));
    }

    /**
     * transformers' {@code expected_mean_g_value}: {@code c + c(1 - c)(1 - 1/V)}, the mean g-value
     * of one watermarked layer under a uniform model.
     */
    public static double expectedMeanGValue(int vocabSize, double coinflipProb) {
        return coinflipProb + coinflipProb * (1 - coinflipProb) * (1 - (1.0 / vocabSize));
    }

    @Override
    public String toString() {
        return "HfSynthIdCompat[vocab=" + vocab + ", " + algorithm + ", sampling_table_size=" + tableSize + "]";
    }
}
