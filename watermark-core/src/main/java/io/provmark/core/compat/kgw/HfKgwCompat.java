package io.provmark.core.compat.kgw;

import io.provmark.core.compat.CompatDetector;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.profile.ProfileException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The KGW watermark of Hugging Face transformers 5.18.0 ({@code WatermarkLogitsProcessor},
 * {@code WatermarkDetector}), reproduced bit-exactly on token ids, including its departures from
 * the original:
 * <ul>
 *   <li>lefthash seeds with {@code hashing_key * last_id} only, whatever {@code context_width} is
 *       (the detector still scores ngrams of length {@code context_width + 1});</li>
 *   <li>selfhash's table is {@code randperm(1000003)} seeded with the hashing key, and generation
 *       tries exactly 40 candidates;</li>
 *   <li>{@code ignore_repeated_ngrams} has no effect (ngrams are counted per tensor object);</li>
 *   <li>{@code p_value} is {@code 1 - 0.5 (1 + sign(z) (1 - exp(-2 z^2 / pi)))}, not the normal tail
 *       (exactly 0.0 for z >= ~7.56); {@code confidence = 1 - p_value}.</li>
 * </ul>
 *
 * <p>Input: upstream's detector reads one id list; here that list is {@code prompt ++ tokens}
 * (a leading {@code bos_token_id} stripped, as upstream does), and the ngrams scored are those whose
 * last id is a generated token (the prompt gives context only). With an empty prompt this is exactly
 * upstream's call on {@code tokens}.
 *
 * <p>Compat profile: {@code {"scheme": "hf-kgw", "vocab_size": V, "config": {"greenlist_ratio",
 * "bias", "hashing_key", "seeding_scheme", "context_width"}, "detector": {"ignore_repeated_ngrams",
 * "z_threshold", "bos_token_id", "max_cache_size"}}} with upstream's defaults (0.25, 2.0, 15485863,
 * "lefthash", 1; false, 3.0, none, 128).
 */
public final class HfKgwCompat implements CompatDetector {
    public static final String SCHEME = "hf-kgw";
    private static final BigInteger TWO_63 = BigInteger.ONE.shiftLeft(63);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private final KgwCore core;
    private final double ratio;
    private final double bias;
    private final String seedingScheme;
    private final boolean ignoreRepeatedNgrams;
    private final double zThreshold;
    private final Integer bosTokenId;

    private HfKgwCompat(int vocab, double ratio, double bias, BigInteger key, String seedingScheme, int contextWidth,
                        boolean ignoreRepeatedNgrams, double zThreshold, Integer bosTokenId) {
        this.ratio = ratio;
        this.bias = bias;
        this.seedingScheme = seedingScheme;
        this.ignoreRepeatedNgrams = ignoreRepeatedNgrams;
        this.zThreshold = zThreshold;
        this.bosTokenId = bosTokenId;
        boolean self = "selfhash".equals(seedingScheme);
        KgwSeeding seeding = self
                ? KgwSeeding.anchoredMinhash(key.longValue(), KgwSeeding.fixedTable(key.longValue()), contextWidth)
                : KgwSeeding.additive(key, 1); // HF lefthash reads only the last id
        this.core = new KgwCore(vocab, ratio, true, seeding, contextWidth, self);
    }

    /**
     * A detector/embedder for explicit settings (upstream's names).
     *
     * @throws ProfileException as {@link #fromProfile} would
     */
    public static HfKgwCompat of(int vocabSize, double greenlistRatio, double bias, BigInteger hashingKey,
                                 String seedingScheme, int contextWidth) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("greenlist_ratio", greenlistRatio);
        config.put("bias", bias);
        config.put("hashing_key", hashingKey);
        config.put("seeding_scheme", seedingScheme);
        config.put("context_width", contextWidth);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", SCHEME);
        root.put("vocab_size", vocabSize);
        root.put("config", config);
        return fromProfile(root);
    }

    /** Reads a compat profile (Jackson generic map); every problem is a ProfileException naming the field. */
    public static HfKgwCompat fromProfile(Map<String, Object> root) {
        ProfileMaps.root(root, SCHEME);
        int vocab = ProfileMaps.vocabSize(root, 2);
        Map<String, Object> c = ProfileMaps.object(root, "config", "config", false);
        ProfileMaps.allowOnly(c, "config.", Set.of("greenlist_ratio", "bias", "hashing_key", "seeding_scheme", "context_width"));
        double ratio = ProfileMaps.number(c, "greenlist_ratio", "config.greenlist_ratio", 0.25);
        if (!(ratio > 0.0 && ratio < 1.0)) {
            throw new ProfileException("config.greenlist_ratio", "must be between 0.0 and 1.0 exclusively (transformers rejects it), got " + ratio);
        }
        if ((int) (vocab * ratio) < 1) {
            throw new ProfileException("config.greenlist_ratio", "gives an empty greenlist: int(" + vocab + " * " + ratio + ") = 0");
        }
        double bias = ProfileMaps.number(c, "bias", "config.bias", 2.0);
        String scheme = ProfileMaps.string(c, "seeding_scheme", "config.seeding_scheme", "lefthash");
        if (!scheme.equals("lefthash") && !scheme.equals("selfhash")) {
            throw new ProfileException("config.seeding_scheme", "must be \"lefthash\" or \"selfhash\" (transformers 5.18.0), got \"" + scheme + "\"");
        }
        BigInteger key = ProfileMaps.integer(c, "hashing_key", "config.hashing_key", BigInteger.valueOf(15485863L), true);
        BigInteger limit = scheme.equals("selfhash") ? TWO_63 : TWO_64;
        if (key.signum() < 0 || key.compareTo(limit) >= 0) {
            throw new ProfileException("config.hashing_key", scheme.equals("selfhash")
                    ? "must be in [0, 2^63) for selfhash (torch multiplies it into an int64 tensor)"
                    : "must be in [0, 2^64) (it seeds torch.Generator.manual_seed)");
        }
        int cw = ProfileMaps.intIn(c, "context_width", "config.context_width", 1, 1, 65_536);
        if (scheme.equals("selfhash") && vocab < 40) {
            throw new ProfileException("vocab_size", "must be at least 40 for selfhash (transformers tries 40 candidates)");
        }
        Map<String, Object> d = ProfileMaps.object(root, "detector", "detector", true);
        ProfileMaps.allowOnly(d, "detector.", Set.of("ignore_repeated_ngrams", "z_threshold", "bos_token_id", "max_cache_size"));
        boolean ignore = ProfileMaps.bool(d, "ignore_repeated_ngrams", "detector.ignore_repeated_ngrams", false);
        double z = ProfileMaps.number(d, "z_threshold", "detector.z_threshold", 3.0);
        Integer bos = ProfileMaps.optionalInt(d, "bos_token_id", "detector.bos_token_id", Integer.MIN_VALUE, Integer.MAX_VALUE);
        ProfileMaps.optionalInt(d, "max_cache_size", "detector.max_cache_size", 0, Integer.MAX_VALUE); // lru size: no effect on results
        return new HfKgwCompat(vocab, ratio, bias, key, scheme, cw, ignore, z, bos);
    }

    @Override
    public String upstream() {
        return SCHEME;
    }

    @Override
    public int vocabSize() {
        return core.vocab;
    }

    /** {@code int(vocab_size * greenlist_ratio)}. */
    public int greenlistSize() {
        return core.greenSize;
    }

    public int contextWidth() {
        return core.contextWidth;
    }

    /** Upstream's {@code _get_greenlist_ids(input_seq)}: the greenlist in permutation order. */
    public int[] greenlist(int[] inputSeq) {
        return core.greenlistFor(inputSeq, inputSeq.length);
    }

    /** The value upstream's {@code set_seed(input_seq)} passes to {@code manual_seed} (unsigned 64-bit). */
    public long manualSeed(int[] inputSeq) {
        if (inputSeq.length < core.seeding.width()) {
            throw new IllegalArgumentException("input_seq needs at least " + core.seeding.width() + " ids");
        }
        return core.seeding.manualSeed(inputSeq, inputSeq.length);
    }

    /** The generation hook ({@code WatermarkLogitsProcessor}) for this configuration. */
    public KgwEmbedder embedder() {
        return new KgwEmbedder(core, bias, 40, true);
    }

    /** Known upstream behaviour a user should know when reading this detector's upstream fields. */
    public List<String> notes() {
        List<String> n = new ArrayList<>();
        n.add("p_value is transformers' approximation 1 - 0.5*(1 + sign(z)*(1 - exp(-2 z^2/pi))), not the normal tail; "
                + "it is 0.0 for z >= ~7.56: read evidence.lnPValue for the exact value");
        if (ignoreRepeatedNgrams) {
            n.add("ignore_repeated_ngrams=true has no effect in transformers 5.18.0 (ngrams are counted per tensor "
                    + "object, so every one is unique): repeated ngrams are still counted");
        }
        if (seedingScheme.equals("lefthash") && core.contextWidth > 1) {
            n.add("lefthash seeds from the last token only, whatever context_width is; the first " + core.contextWidth
                    + " tokens are still skipped");
        }
        if (seedingScheme.equals("selfhash")) {
            n.add("selfhash generation crashes upstream (IndexError) when none of its 40 candidates is self-consistent");
        }
        return n;
    }

    @Override
    public CompatResult detect(int[] tokens, int[] promptTokens, boolean perToken) {
        Input in = Input.of(tokens, promptTokens, core.vocab, bosTokenId);
        int[] seq = in.seq;
        if (seq.length - core.contextWidth < 1) {
            throw new IllegalArgumentException("hf-kgw needs at least " + (core.contextWidth + 1)
                    + " tokens (context_width + 1) to score, got " + seq.length);
        }
        KgwCore.Scan scan = core.scan(seq, in.firstGenerated);
        if (scan.size() == 0) {
            throw new IllegalArgumentException("hf-kgw: no generated token has the " + (core.ngramLen - 1)
                    + " preceding tokens an ngram needs");
        }
        double t = scan.size(); // upstream's counts are numpy float64
        double g = 0;
        for (boolean b : scan.green) {
            if (b) {
                g++;
            }
        }
        double z = (g - ratio * t) / Math.sqrt(t * ratio * (1 - ratio));
        double p = hfPValue(z);
        Map<String, Object> up = new LinkedHashMap<>();
        up.put("num_tokens_scored", t);
        up.put("num_green_tokens", g);
        up.put("green_fraction", g / t);
        up.put("z_score", z);
        up.put("p_value", p);
        up.put("prediction", z > zThreshold);
        up.put("confidence", 1 - p);
        List<Map<String, Object>> per = new ArrayList<>();
        if (perToken) {
            for (int j = 0; j < scan.size(); j++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("index", scan.target[j] - in.offset);
                m.put("token", seq[scan.target[j]]);
                m.put("green", scan.green[j]);
                per.add(m);
            }
        }
        return new CompatResult(up, core.evidence(SCHEME, seq, in.firstGenerated, in.offset, tokens, scan, perToken), per);
    }

    /** transformers' {@code _compute_pval}, in the same float64 operation order as numpy. */
    static double hfPValue(double z) {
        return 1 - (0.5 * (1 + Math.signum(z) * (1 - Math.exp(-2 * (z * z) / Math.PI))));
    }

    @Override
    public String toString() {
        return "HfKgwCompat[" + seedingScheme + ", context_width=" + core.contextWidth + ", vocab=" + core.vocab + ", key hidden]";
    }

    /** The id list upstream reads, and where the generated tokens start in it. */
    static final class Input {
        final int[] seq;
        /** Index in seq of the first generated token. */
        final int firstGenerated;
        /** Index in seq of tokens[0] (firstGenerated, or -1 when tokens[0] was a stripped BOS). */
        final int offset;

        private Input(int[] seq, int firstGenerated, int offset) {
            this.seq = seq;
            this.firstGenerated = firstGenerated;
            this.offset = offset;
        }

        static Input of(int[] tokens, int[] prompt, int vocab, Integer bos) {
            if (tokens == null) {
                throw new IllegalArgumentException("tokens must not be null");
            }
            int[] pr = prompt == null ? new int[0] : prompt;
            checkIds(pr, vocab, "prompt_tokens");
            checkIds(tokens, vocab, "tokens");
            int[] full = new int[pr.length + tokens.length];
            System.arraycopy(pr, 0, full, 0, pr.length);
            System.arraycopy(tokens, 0, full, pr.length, tokens.length);
            int strip = bos != null && full.length > 0 && full[0] == bos ? 1 : 0;
            int[] seq = java.util.Arrays.copyOfRange(full, strip, full.length);
            int offset = pr.length - strip;
            return new Input(seq, Math.max(0, offset), offset);
        }

        private static void checkIds(int[] ids, int vocab, String what) {
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0 || ids[i] >= vocab) {
                    throw new IllegalArgumentException(what + "[" + i + "] = " + ids[i] + " is outside the vocabulary 0.."
                            + (vocab - 1) + " (vocab_size " + vocab + ")");
                }
            }
        }
    }
}
