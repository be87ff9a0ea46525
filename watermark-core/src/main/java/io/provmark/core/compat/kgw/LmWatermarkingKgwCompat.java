package io.provmark.core.compat.kgw;

import io.provmark.core.compat.CompatDetector;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.profile.ProfileException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.numbers.gamma.Erfc;

/**
 * The KGW watermark of jwkirchenbauer/lm-watermarking (fb602de, {@code extended_watermark_processor.py},
 * {@code alternative_prf_schemes.py}), reproduced bit-exactly on token ids.
 *
 * <p>Seeding schemes: {@code simple_1}/{@code lefthash} ({@code additive_prf}, width 1, key 15485863),
 * {@code selfhash}/{@code algorithm-3} ({@code anchored_minhash_prf}, width 4, self-salted, key 15485863,
 * hashint table seeded 2971215073), and free-form {@code ff-<prf>-<width>-<True|False>[-<key>]} with
 * {@code prf} = {@code additive_prf} or {@code anchored_minhash_prf}. Other PRFs upstream offers
 * ({@code minhash}, {@code skipgram}, ...) are rejected: no vectors pin their torch semantics.
 *
 * <p>Detector ({@code _score_sequence}): with {@code ignore_repeated_ngrams} (upstream's default, true)
 * T counts distinct ngram tuples and G distinct green ones; otherwise every ngram. z in float64,
 * {@code p_value = norm.sf(z)}, {@code prediction = z > z_threshold} (default 4.0), {@code confidence}
 * only when predicted, {@code z_score_at_T} as upstream's float32 tensor (as doubles). Window scoring
 * ({@code window_size}) is not reproduced. Text normalizers act on text before tokenization and
 * have no effect on token ids; they are accepted and ignored.
 *
 * <p>Input convention as {@link HfKgwCompat}: upstream reads {@code prompt ++ tokens} (leading
 * {@code bos_token_id} stripped when configured) and the ngrams ending at a generated token are scored.
 *
 * <p>Compat profile: {@code {"scheme": "lm-watermarking-kgw", "vocab_size": V, "config":
 * {"seeding_scheme", "gamma", "delta", "select_green_tokens"}, "detector": {"ignore_repeated_ngrams",
 * "z_threshold", "normalizers", "bos_token_id"}}} with upstream's defaults ("selfhash", 0.25, 2.0,
 * true; true, 4.0, ["unicode"], none).
 */
public final class LmWatermarkingKgwCompat implements CompatDetector {
    public static final String SCHEME = "lm-watermarking-kgw";
    public static final BigInteger DEFAULT_KEY = BigInteger.valueOf(15485863L);
    private static final BigInteger TWO_63 = BigInteger.ONE.shiftLeft(63);
    private static final double SQRT_HALF = 0.70710678118654752440;

    private final KgwCore core;
    private final double gamma;
    private final double delta;
    private final String prfType;
    private final boolean ignoreRepeatedNgrams;
    private final double zThreshold;
    private final Integer bosTokenId;

    /** A parsed seeding-scheme string ({@code seeding_scheme_lookup}); holds the key, so never printed. */
    public static final class SeedingScheme {
        public final String prfType;
        public final int contextWidth;
        public final boolean selfSalt;
        final BigInteger hashKey;

        SeedingScheme(String prfType, int contextWidth, boolean selfSalt, BigInteger hashKey) {
            this.prfType = prfType;
            this.contextWidth = contextWidth;
            this.selfSalt = selfSalt;
            this.hashKey = hashKey;
        }

        @Override
        public String toString() {
            return prfType + "-" + contextWidth + "-" + (selfSalt ? "True" : "False") + "-<key hidden>";
        }
    }

    private LmWatermarkingKgwCompat(int vocab, double gamma, double delta, boolean selectGreen, SeedingScheme s,
                                    boolean ignoreRepeatedNgrams, double zThreshold, Integer bosTokenId) {
        this.gamma = gamma;
        this.delta = delta;
        this.prfType = s.prfType;
        this.ignoreRepeatedNgrams = ignoreRepeatedNgrams;
        this.zThreshold = zThreshold;
        this.bosTokenId = bosTokenId;
        KgwSeeding seeding = s.prfType.equals("additive_prf")
                ? KgwSeeding.additive(s.hashKey, s.contextWidth)
                : KgwSeeding.anchoredMinhash(s.hashKey.longValue(), KgwSeeding.fixedTable(KgwSeeding.ORIGINAL_TABLE_SEED), s.contextWidth);
        this.core = new KgwCore(vocab, gamma, selectGreen, seeding, s.contextWidth, s.selfSalt);
    }

    /**
     * Parses a seeding scheme as {@code seeding_scheme_lookup} does, rejecting what it would
     * misread (e.g. a free-form string with six parts silently falling back to the default key).
     *
     * @param field the profile field named in errors
     */
    public static SeedingScheme parseSeedingScheme(String s, String field) {
        switch (s) {
            case "simple_1":
            case "lefthash":
                return new SeedingScheme("additive_prf", 1, false, DEFAULT_KEY);
            case "algorithm-3":
            case "selfhash":
                return new SeedingScheme("anchored_minhash_prf", 4, true, DEFAULT_KEY);
            case "minhash":
            case "skipgram":
                throw new ProfileException(field, "\"" + s + "\" (minhash_prf/skipgram_prf) is not supported: only additive_prf "
                        + "and anchored_minhash_prf are reproduced bit-exactly");
            default:
                break;
        }
        if (!s.startsWith("ff")) {
            throw new ProfileException(field, "is not a known seeding scheme: use simple_1, lefthash, selfhash, algorithm-3 "
                    + "or ff-<prf>-<width>-<True|False>[-<key>]");
        }
        String[] p = s.split("-", -1);
        if (p.length != 4 && p.length != 5) {
            throw new ProfileException(field, "free-form scheme must be ff-<prf>-<width>-<True|False>[-<key>] (4 or 5 parts), got "
                    + p.length + " parts");
        }
        String prf = p[1];
        if (!prf.equals("additive_prf") && !prf.equals("anchored_minhash_prf")) {
            throw new ProfileException(field, "prf \"" + prf + "\" is not supported: only additive_prf and anchored_minhash_prf "
                    + "are reproduced bit-exactly");
        }
        if (!p[2].matches("[0-9]{1,5}") || Integer.parseInt(p[2]) < 1) {
            throw new ProfileException(field, "context width must be an integer in [1, 99999], got \"" + p[2] + "\"");
        }
        int width = Integer.parseInt(p[2]);
        if (!p[3].equals("True") && !p[3].equals("False")) {
            throw new ProfileException(field, "self-salt must be True or False (upstream reads anything else as False), got \"" + p[3] + "\"");
        }
        BigInteger key = DEFAULT_KEY;
        if (p.length == 5) {
            if (!p[4].matches("[0-9]{1,40}")) {
                throw new ProfileException(field, "hash key must be a non-negative decimal integer");
            }
            key = new BigInteger(p[4]);
        }
        if (prf.equals("anchored_minhash_prf") && key.compareTo(TWO_63) >= 0) {
            throw new ProfileException(field, "hash key must be below 2^63 for anchored_minhash_prf (torch multiplies it into an int64 tensor)");
        }
        return new SeedingScheme(prf, width, p[3].equals("True"), key);
    }

    /** A detector/embedder for explicit settings (upstream's names, detector defaults). */
    public static LmWatermarkingKgwCompat of(int vocabSize, double gamma, double delta, String seedingScheme) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("gamma", gamma);
        config.put("delta", delta);
        config.put("seeding_scheme", seedingScheme);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", SCHEME);
        root.put("vocab_size", vocabSize);
        root.put("config", config);
        return fromProfile(root);
    }

    /** Reads a compat profile (Jackson generic map); every problem is a ProfileException naming the field. */
    public static LmWatermarkingKgwCompat fromProfile(Map<String, Object> root) {
        ProfileMaps.root(root, SCHEME);
        int vocab = ProfileMaps.vocabSize(root, 2);
        Map<String, Object> c = ProfileMaps.object(root, "config", "config", false);
        ProfileMaps.allowOnly(c, "config.", Set.of("seeding_scheme", "gamma", "delta", "select_green_tokens"));
        String scheme = ProfileMaps.string(c, "seeding_scheme", "config.seeding_scheme", "selfhash");
        SeedingScheme s = parseSeedingScheme(scheme, "config.seeding_scheme");
        double gamma = ProfileMaps.number(c, "gamma", "config.gamma", 0.25);
        if (!(gamma > 0.0 && gamma < 1.0)) {
            throw new ProfileException("config.gamma", "must be strictly between 0 and 1 (the z-score divides by gamma (1 - gamma)), got " + gamma);
        }
        if ((int) (vocab * gamma) < 1) {
            throw new ProfileException("config.gamma", "gives an empty greenlist: int(" + vocab + " * " + gamma + ") = 0");
        }
        double delta = ProfileMaps.number(c, "delta", "config.delta", 2.0);
        boolean selectGreen = ProfileMaps.bool(c, "select_green_tokens", "config.select_green_tokens", true);
        Map<String, Object> d = ProfileMaps.object(root, "detector", "detector", true);
        ProfileMaps.allowOnly(d, "detector.", Set.of("ignore_repeated_ngrams", "z_threshold", "normalizers", "bos_token_id"));
        boolean ignore = ProfileMaps.bool(d, "ignore_repeated_ngrams", "detector.ignore_repeated_ngrams", true);
        double z = ProfileMaps.number(d, "z_threshold", "detector.z_threshold", 4.0);
        for (String n : ProfileMaps.strings(d, "normalizers", "detector.normalizers", List.of("unicode"))) {
            if (!n.equals("unicode") && !n.equals("homoglyphs") && !n.equals("truecase")) {
                throw new ProfileException("detector.normalizers", "entries must be unicode, homoglyphs or truecase, got \"" + n + "\"");
            }
        }
        Integer bos = ProfileMaps.optionalInt(d, "bos_token_id", "detector.bos_token_id", Integer.MIN_VALUE, Integer.MAX_VALUE);
        return new LmWatermarkingKgwCompat(vocab, gamma, delta, selectGreen, s, ignore, z, bos);
    }

    @Override
    public String upstream() {
        return SCHEME;
    }

    @Override
    public int vocabSize() {
        return core.vocab;
    }

    /** {@code int(vocab_size * gamma)}. */
    public int greenlistSize() {
        return core.greenSize;
    }

    public int contextWidth() {
        return core.contextWidth;
    }

    public boolean selfSalt() {
        return core.selfSalt;
    }

    /** Upstream's {@code _get_greenlist_ids(input_ids)} (permutation order); needs {@code context_width} ids. */
    public int[] greenlist(int[] inputIds) {
        requirePrefix(inputIds);
        return core.greenlistFor(inputIds, inputIds.length);
    }

    /** Upstream's {@code prf_key} for a prefix (the signed PRF value, before {@code % (2^64-1)}). */
    public BigInteger prfKey(int[] inputIds) {
        requirePrefix(inputIds);
        return core.seeding.prfKey(inputIds, inputIds.length);
    }

    /** The value upstream passes to {@code manual_seed} for a prefix (unsigned 64-bit). */
    public long manualSeed(int[] inputIds) {
        requirePrefix(inputIds);
        return core.seeding.manualSeed(inputIds, inputIds.length);
    }

    private void requirePrefix(int[] ids) {
        if (ids.length < core.contextWidth) {
            throw new IllegalArgumentException("seeding_scheme requires at least a " + core.contextWidth + " token prefix");
        }
    }

    /** The generation hook ({@code WatermarkLogitsProcessor}, tail rule fixed_compute: 41 candidates when self-salted). */
    public KgwEmbedder embedder() {
        return new KgwEmbedder(core, delta, 41, false);
    }

    /** Known upstream behaviour worth telling users. */
    public List<String> notes() {
        List<String> n = new ArrayList<>();
        if (ignoreRepeatedNgrams) {
            n.add("ignore_repeated_ngrams=true (upstream's default): num_tokens_scored counts distinct ngrams");
        } else {
            n.add("ignore_repeated_ngrams=false: repeated ngrams are counted again, so p_value overstates evidence on repetitive text");
        }
        n.add("p_value is the normal approximation norm.sf(z); evidence.lnPValue is the exact binomial tail");
        return n;
    }

    @Override
    public CompatResult detect(int[] tokens, int[] promptTokens, boolean perToken) {
        HfKgwCompat.Input in = HfKgwCompat.Input.of(tokens, promptTokens, core.vocab, bosTokenId);
        int[] seq = in.seq;
        if (seq.length - core.contextWidth < 1) {
            throw new IllegalArgumentException("lm-watermarking needs at least " + (core.contextWidth + 1)
                    + " tokens to score after the first min_prefix_len=" + core.contextWidth + " tokens, got " + seq.length);
        }
        KgwCore.Scan scan = core.scan(seq, in.firstGenerated);
        int m = scan.size();
        if (m == 0) {
            throw new IllegalArgumentException("lm-watermarking: no generated token has the " + (core.ngramLen - 1)
                    + " preceding tokens an ngram needs");
        }
        // _get_green_at_T_booleans: flags counted (all, or first occurrence of each ngram tuple) and offsets.
        boolean[] counted = new boolean[m];
        int[] offsets = new int[m];
        int unique = 0;
        int greenUnique = 0;
        Map<NgramKey, Boolean> used = new HashMap<>();
        for (int j = 0; j < m; j++) {
            boolean first = !ignoreRepeatedNgrams
                    || used.putIfAbsent(new NgramKey(seq, scan.target[j] - core.ngramLen + 1, core.ngramLen), Boolean.TRUE) == null;
            if (first) {
                counted[j] = true;
                unique++;
                if (scan.green[j]) {
                    greenUnique++;
                }
            }
            offsets[j] = unique - 1;
        }
        int t = unique;
        int g = greenUnique;
        double z = (g - gamma * t) / Math.sqrt(t * gamma * (1 - gamma));
        double p = normSf(z);
        // z_score_at_T: float32 torch arithmetic over the counted flags, mapped back through offsets.
        float[] zAtUnique = new float[unique];
        float g32 = (float) gamma;
        float oneMinus32 = (float) (1 - gamma);
        long cum = 0;
        int u = 0;
        for (int j = 0; j < m; j++) {
            if (counted[j]) {
                if (scan.green[j]) {
                    cum++;
                }
                float size = u + 1;
                float num = (float) cum - size * g32;
                float den = (float) Math.sqrt(size * g32 * oneMinus32);
                zAtUnique[u++] = num / den;
            }
        }
        List<Double> zAtT = new ArrayList<>(m);
        for (int j = 0; j < m; j++) {
            zAtT.add((double) zAtUnique[offsets[j]]);
        }
        Map<String, Object> up = new LinkedHashMap<>();
        up.put("num_tokens_scored", t);
        up.put("num_green_tokens", g);
        up.put("green_fraction", (double) g / t);
        up.put("z_score", z);
        up.put("p_value", p);
        up.put("z_score_at_T", zAtT);
        boolean prediction = z > zThreshold;
        up.put("prediction", prediction);
        if (prediction) {
            up.put("confidence", 1 - p);
        }
        List<Map<String, Object>> per = new ArrayList<>();
        if (perToken) {
            for (int j = 0; j < m; j++) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("index", scan.target[j] - in.offset);
                e.put("token", seq[scan.target[j]]);
                e.put("green", scan.green[j]);
                e.put("counted", counted[j]);
                per.add(e);
            }
        }
        return new CompatResult(up, core.evidence(SCHEME, seq, in.firstGenerated, in.offset, tokens, scan, perToken), per);
    }

    /** scipy.stats.norm.sf: the upper normal tail, accurate in relative terms far into the tail. */
    static double normSf(double z) {
        if (Double.isNaN(z)) {
            return Double.NaN;
        }
        double x = z * SQRT_HALF;
        return x >= 0 ? 0.5 * Erfc.value(x) : 1 - 0.5 * Erfc.value(-x);
    }

    @Override
    public String toString() {
        return "LmWatermarkingKgwCompat[" + prfType + ", context_width=" + core.contextWidth + ", vocab=" + core.vocab + ", key hidden]";
    }

    /** An ngram tuple as a hash key (value semantics over a slice). */
    private static final class NgramKey {
        private final int[] ids;
        private final int hash;

        NgramKey(int[] seq, int from, int len) {
            this.ids = Arrays.copyOfRange(seq, from, from + len);
            this.hash = Arrays.hashCode(ids);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NgramKey && Arrays.equals(ids, ((NgramKey) o).ids);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
