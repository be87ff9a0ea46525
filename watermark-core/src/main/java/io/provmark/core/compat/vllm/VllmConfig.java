package io.provmark.core.compat.vllm;

import io.provmark.core.profile.ProfileException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A parsed vLLM compat profile: vLLM's own {@code WatermarkConfig} field names and defaults
 * (main at 01c268bc, plus the {@code red_green} and {@code synthid} branch fields and the
 * historical {@code hmac_sha256} PRF), the vocabulary size, and the detector options. The key is
 * held privately and never printed.
 *
 * <pre>
 * {"scheme": "vllm",
 *  "config": {"key": 42, "algorithm": "gumbel", "context_width": 4, ...},
 *  "vocab_size": 151936,
 *  "detector": {"deduplicate_contexts": true, "p_value_threshold": 0.01}}
 * </pre>
 */
public final class VllmConfig {
    public static final String SCHEME = "vllm";
    public static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    public static final BigInteger TWO_63 = BigInteger.ONE.shiftLeft(63);
    public static final BigInteger TWO_256 = BigInteger.ONE.shiftLeft(256);

    /** vLLM algorithm names. */
    public enum Algorithm {
        GUMBEL("gumbel"), DUAL_KEY_GUMBEL("dual_key_gumbel"), SBW("sbw"), RED_GREEN("red_green"), SYNTHID("synthid");

        private final String wire;

        Algorithm(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /** Generation-time context deduplication scope ({@code deduplicate_contexts}). */
    public enum Scope {
        NONE("none"), SINGLE_TURN("single_turn"), ALL("all");

        private final String wire;

        Scope(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public enum PrfName {
        PHILOX("philox"), HMAC_SHA256("hmac_sha256");

        private final String wire;

        PrfName(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public enum SbwScheme {
        SELFHASH("selfhash"), LEFTHASH("lefthash");

        private final String wire;

        SbwScheme(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /** Which seeding provmark's evidence uses for SBW lefthash (upstream's own fields always use the detector's). */
    public enum LefthashEvidenceSeeding {
        GENERATOR("generator"), DETECTOR("detector");

        private final String wire;

        LefthashEvidenceSeeding(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    private static final Set<String> ROOT_FIELDS = Set.of("scheme", "config", "vocab_size", "detector");
    private static final Set<String> BASE_FIELDS = Set.of("key", "algorithm", "alpha", "context_width",
            "deduplicate_contexts", "deduplicate_contexts_max_history", "prf", "allow_target_only_watermarking");
    private static final Set<String> SBW_FIELDS = Set.of("sbw_scheme", "sbw_gamma", "sbw_delta");
    private static final Set<String> RED_GREEN_FIELDS = Set.of("delta", "gamma");
    private static final Set<String> SYNTHID_FIELDS = Set.of("depth");
    private static final Set<String> DETECTOR_FIELDS = Set.of("deduplicate_contexts", "p_value_threshold", "alpha",
            "evidence_lefthash_seeding");

    /** Above this the context is no longer a context; vLLM warns above 16 and has no hard cap for Philox. */
    static final int MAX_CONTEXT_WIDTH = 4096;

    private final int vocabSize;
    private final Algorithm algorithm;
    private final long key; // 64-bit unsigned bit pattern (philox / sbw)
    private final byte[] hmacKey; // 32 little-endian bytes, hmac_sha256 only
    private final PrfName prf;
    private final double alpha;
    private final int contextWidth;
    private final Scope scope;
    private final int maxHistory; // 0 = unbounded (null)
    private final boolean allowTargetOnly;
    private final SbwScheme sbwScheme;
    private final double sbwGamma;
    private final double sbwDelta;
    private final double delta;
    private final double gamma;
    private final int depth;
    private final boolean detectorDedup;
    private final double pValueThreshold;
    private final double detectorAlpha;
    private final LefthashEvidenceSeeding lefthashEvidence;

    private VllmConfig(Builder b) {
        this.vocabSize = b.vocabSize;
        this.algorithm = b.algorithm;
        this.key = b.key;
        this.hmacKey = b.hmacKey;
        this.prf = b.prf;
        this.alpha = b.alpha;
        this.contextWidth = b.contextWidth;
        this.scope = b.scope;
        this.maxHistory = b.maxHistory;
        this.allowTargetOnly = b.allowTargetOnly;
        this.sbwScheme = b.sbwScheme;
        this.sbwGamma = b.sbwGamma;
        this.sbwDelta = b.sbwDelta;
        this.delta = b.delta;
        this.gamma = b.gamma;
        this.depth = b.depth;
        this.detectorDedup = b.detectorDedup;
        this.pValueThreshold = b.pValueThreshold;
        this.detectorAlpha = b.detectorAlpha;
        this.lefthashEvidence = b.lefthashEvidence;
    }

    // ------------------------------------------------------------------ accessors (no key getter is public)

    public int vocabSize() {
        return vocabSize;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public PrfName prf() {
        return prf;
    }

    public double alpha() {
        return alpha;
    }

    public int contextWidth() {
        return contextWidth;
    }

    public Scope deduplicateContexts() {
        return scope;
    }

    /** History positions searched at generation; 0 means unbounded (vLLM's null). */
    public int maxHistory() {
        return maxHistory;
    }

    public boolean allowTargetOnlyWatermarking() {
        return allowTargetOnly;
    }

    public SbwScheme sbwScheme() {
        return sbwScheme;
    }

    public double sbwGamma() {
        return sbwGamma;
    }

    public double sbwDelta() {
        return sbwDelta;
    }

    public double delta() {
        return delta;
    }

    public double gamma() {
        return gamma;
    }

    public int depth() {
        return depth;
    }

    public boolean detectorDeduplicateContexts() {
        return detectorDedup;
    }

    public double pValueThreshold() {
        return pValueThreshold;
    }

    public double detectorAlpha() {
        return detectorAlpha;
    }

    public LefthashEvidenceSeeding lefthashEvidenceSeeding() {
        return lefthashEvidence;
    }

    long key() {
        return key;
    }

    /** The PRF for a (derived) 64-bit key, or the configured HMAC key. */
    VllmPrf prfFor(long k) {
        if (prf == PrfName.HMAC_SHA256) {
            return VllmPrf.hmacSha256(hmacKey);
        }
        return VllmPrf.philox(k);
    }

    VllmPrf prf64() {
        return prfFor(key);
    }

    /** A copy with other detector options (the generation side unchanged). */
    public VllmConfig withDetector(boolean deduplicateContexts, double pValueThreshold, double alpha) {
        Builder b = toBuilder();
        b.detectorDedup = deduplicateContexts;
        if (!(pValueThreshold > 0 && pValueThreshold < 1)) {
            throw new ProfileException("detector.p_value_threshold", "must lie in (0, 1)");
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new ProfileException("detector.alpha", "must lie in [0, 1]");
        }
        b.pValueThreshold = pValueThreshold;
        b.detectorAlpha = alpha;
        return new VllmConfig(b);
    }

    /** A copy whose generation/detection key differs (for wrong-key checks); the new key is a 64-bit pattern. */
    public VllmConfig withKey(long newKey) {
        if (prf == PrfName.HMAC_SHA256) {
            throw new IllegalStateException("withKey is for 64-bit keys");
        }
        if (algorithm == Algorithm.SBW && newKey < 0) {
            throw new ProfileException("config.key", "must be below 2^63 for algorithm 'sbw'");
        }
        Builder b = toBuilder();
        b.key = newKey;
        return new VllmConfig(b);
    }

    private Builder toBuilder() {
        Builder b = new Builder();
        b.vocabSize = vocabSize;
        b.algorithm = algorithm;
        b.key = key;
        b.hmacKey = hmacKey;
        b.prf = prf;
        b.alpha = alpha;
        b.contextWidth = contextWidth;
        b.scope = scope;
        b.maxHistory = maxHistory;
        b.allowTargetOnly = allowTargetOnly;
        b.sbwScheme = sbwScheme;
        b.sbwGamma = sbwGamma;
        b.sbwDelta = sbwDelta;
        b.delta = delta;
        b.gamma = gamma;
        b.depth = depth;
        b.detectorDedup = detectorDedup;
        b.pValueThreshold = pValueThreshold;
        b.detectorAlpha = detectorAlpha;
        b.lefthashEvidence = lefthashEvidence;
        return b;
    }

    /** The non-secret settings in vLLM's names, for reports. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", algorithm.wire());
        m.put("prf", prf.wire());
        m.put("context_width", contextWidth);
        m.put("deduplicate_contexts", scope.wire());
        m.put("deduplicate_contexts_max_history", maxHistory == 0 ? null : maxHistory);
        switch (algorithm) {
            case DUAL_KEY_GUMBEL:
                m.put("alpha", alpha);
                break;
            case SBW:
                m.put("sbw_scheme", sbwScheme.wire());
                m.put("sbw_gamma", sbwGamma);
                m.put("sbw_delta", sbwDelta);
                break;
            case RED_GREEN:
                m.put("delta", delta);
                m.put("gamma", gamma);
                break;
            case SYNTHID:
                m.put("depth", depth);
                break;
            default:
                break;
        }
        m.put("vocab_size", vocabSize);
        m.put("detector.deduplicate_contexts", detectorDedup);
        m.put("detector.p_value_threshold", pValueThreshold);
        if (algorithm == Algorithm.DUAL_KEY_GUMBEL) {
            m.put("detector.alpha", detectorAlpha);
        }
        return m;
    }

    @Override
    public String toString() {
        return "VllmConfig" + describe() + " key=<redacted>";
    }

    // ------------------------------------------------------------------ parsing

    private static final class Builder {
        int vocabSize;
        Algorithm algorithm = Algorithm.GUMBEL;
        long key;
        byte[] hmacKey;
        PrfName prf = PrfName.PHILOX;
        double alpha = 0.1;
        int contextWidth;
        Scope scope = Scope.SINGLE_TURN;
        int maxHistory = 8192;
        boolean allowTargetOnly;
        SbwScheme sbwScheme = SbwScheme.SELFHASH;
        double sbwGamma = 0.5;
        double sbwDelta = 2.0;
        double delta = 2.0;
        double gamma = 0.25;
        int depth = 32;
        boolean detectorDedup = true;
        double pValueThreshold = 0.01;
        double detectorAlpha;
        LefthashEvidenceSeeding lefthashEvidence = LefthashEvidenceSeeding.GENERATOR;
    }

    /**
     * Parses a compat profile root (Jackson's generic map). Strict: unknown fields, wrong types,
     * values outside vLLM's ranges and fields of another algorithm throw {@link ProfileException}
     * naming the field. Error messages never contain the key.
     */
    public static VllmConfig parse(Map<String, Object> root) {
        if (root == null) {
            throw new ProfileException("(root)", "is missing");
        }
        for (String f : root.keySet()) {
            if (!ROOT_FIELDS.contains(f)) {
                throw new ProfileException(f, "is not a vLLM compat profile field (expected scheme, config, vocab_size, detector)");
            }
        }
        Object scheme = root.get("scheme");
        if (scheme != null && !SCHEME.equals(scheme)) {
            throw new ProfileException("scheme", "must be \"vllm\" for this reader");
        }
        Builder b = new Builder();
        if (!root.containsKey("vocab_size") || root.get("vocab_size") == null) {
            throw new ProfileException("vocab_size", "is required (the width of the model's logits)");
        }
        b.vocabSize = intIn(root.get("vocab_size"), "vocab_size", 1, Integer.MAX_VALUE);
        Map<String, Object> cfg = map(root.get("config"), "config", true);

        b.algorithm = enumOf(cfg.getOrDefault("algorithm", "gumbel"), "config.algorithm", Algorithm.values(),
                Algorithm::wire);
        Set<String> own;
        switch (b.algorithm) {
            case SBW:
                own = SBW_FIELDS;
                break;
            case RED_GREEN:
                own = RED_GREEN_FIELDS;
                break;
            case SYNTHID:
                own = SYNTHID_FIELDS;
                break;
            default:
                own = Set.of();
                break;
        }
        for (String f : cfg.keySet()) {
            if (BASE_FIELDS.contains(f) || own.contains(f)) {
                continue;
            }
            if (SBW_FIELDS.contains(f) || RED_GREEN_FIELDS.contains(f) || SYNTHID_FIELDS.contains(f)) {
                throw new ProfileException("config." + f, "does not apply to algorithm '" + b.algorithm.wire() + "'");
            }
            throw new ProfileException("config." + f, "is not a vLLM WatermarkConfig field");
        }

        b.prf = enumOf(cfg.getOrDefault("prf", "philox"), "config.prf", PrfName.values(), PrfName::wire);
        if (b.prf == PrfName.HMAC_SHA256 && b.algorithm != Algorithm.GUMBEL) {
            throw new ProfileException("config.prf", "'hmac_sha256' existed only with algorithm 'gumbel' (historical vLLM)");
        }

        if (!cfg.containsKey("key") || cfg.get("key") == null) {
            throw new ProfileException("config.key", "is required");
        }
        BigInteger k = bigInt(cfg.get("key"), "config.key");
        if (k.signum() < 0) {
            throw new ProfileException("config.key", "must be >= 0");
        }
        if (b.prf == PrfName.HMAC_SHA256) {
            if (k.compareTo(TWO_256) >= 0) {
                throw new ProfileException("config.key", "must be below 2^256 for prf 'hmac_sha256'");
            }
            byte[] be = k.toByteArray();
            byte[] le = new byte[32];
            for (int i = 0; i < 32 && i < be.length; i++) {
                le[i] = be[be.length - 1 - i];
            }
            Arrays.fill(be, (byte) 0);
            b.hmacKey = le;
        } else {
            if (k.compareTo(TWO_64) >= 0) {
                throw new ProfileException("config.key", "must be below 2^64 (vLLM's Philox keys are 64-bit)");
            }
            if (b.algorithm == Algorithm.SBW && k.compareTo(TWO_63) >= 0) {
                throw new ProfileException("config.key", "must be below 2^63 for algorithm 'sbw': vLLM's SBW "
                        + "holds the key in a signed int64 and fails on larger keys (upstream bug)");
            }
            b.key = k.longValue();
        }

        b.alpha = doubleIn(cfg, "alpha", "config.alpha", 0.1, 0.0, true, 1.0, true);
        b.scope = enumOf(cfg.getOrDefault("deduplicate_contexts", "single_turn"), "config.deduplicate_contexts",
                Scope.values(), Scope::wire);
        if (cfg.containsKey("deduplicate_contexts_max_history")) {
            Object h = cfg.get("deduplicate_contexts_max_history");
            b.maxHistory = h == null ? 0 : intIn(h, "config.deduplicate_contexts_max_history", 1, Integer.MAX_VALUE);
        }
        if (cfg.containsKey("allow_target_only_watermarking")) {
            b.allowTargetOnly = bool(cfg.get("allow_target_only_watermarking"), "config.allow_target_only_watermarking");
        }
        if (b.algorithm == Algorithm.SBW) {
            b.sbwScheme = enumOf(cfg.getOrDefault("sbw_scheme", "selfhash"), "config.sbw_scheme", SbwScheme.values(),
                    SbwScheme::wire);
            b.sbwGamma = doubleIn(cfg, "sbw_gamma", "config.sbw_gamma", 0.5, 0.0, false, 1.0, false);
            b.sbwDelta = doubleIn(cfg, "sbw_delta", "config.sbw_delta", 2.0, 0.0, true, Double.MAX_VALUE, true);
        }
        if (b.algorithm == Algorithm.RED_GREEN) {
            b.delta = doubleIn(cfg, "delta", "config.delta", 2.0, 0.0, false, Double.MAX_VALUE, true);
            b.gamma = doubleIn(cfg, "gamma", "config.gamma", 0.25, 0.0, false, 1.0, false);
        }
        if (b.algorithm == Algorithm.SYNTHID) {
            b.depth = cfg.containsKey("depth") ? intIn(cfg.get("depth"), "config.depth", 1, 32) : 32;
        }
        Object cw = cfg.get("context_width");
        if (cw == null) {
            b.contextWidth = b.algorithm == Algorithm.SBW && b.sbwScheme == SbwScheme.LEFTHASH ? 1 : 4;
        } else {
            int max = b.prf == PrfName.HMAC_SHA256 ? VllmPrf.Hmac.MAX_WIDTH : MAX_CONTEXT_WIDTH;
            b.contextWidth = intIn(cw, "config.context_width", 1, max);
        }

        Map<String, Object> det = map(root.get("detector"), "detector", false);
        for (String f : det.keySet()) {
            if (!DETECTOR_FIELDS.contains(f)) {
                throw new ProfileException("detector." + f, "is not a vLLM detector option (expected "
                        + "deduplicate_contexts, p_value_threshold, alpha, evidence_lefthash_seeding)");
            }
        }
        if (det.containsKey("deduplicate_contexts")) {
            b.detectorDedup = bool(det.get("deduplicate_contexts"), "detector.deduplicate_contexts");
        }
        b.pValueThreshold = doubleIn(det, "p_value_threshold", "detector.p_value_threshold", 0.01, 0.0, false, 1.0, false);
        if (det.containsKey("alpha") && b.algorithm != Algorithm.DUAL_KEY_GUMBEL) {
            throw new ProfileException("detector.alpha", "applies only to algorithm 'dual_key_gumbel'");
        }
        // vLLM requires detection alpha == generation alpha; default to the configured one.
        b.detectorAlpha = doubleIn(det, "alpha", "detector.alpha", b.alpha, 0.0, true, 1.0, true);
        if (det.containsKey("evidence_lefthash_seeding")) {
            if (b.algorithm != Algorithm.SBW || b.sbwScheme != SbwScheme.LEFTHASH) {
                throw new ProfileException("detector.evidence_lefthash_seeding", "applies only to sbw with sbw_scheme 'lefthash'");
            }
            b.lefthashEvidence = enumOf(det.get("evidence_lefthash_seeding"), "detector.evidence_lefthash_seeding",
                    LefthashEvidenceSeeding.values(), LefthashEvidenceSeeding::wire);
        }
        return new VllmConfig(b);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String field, boolean required) {
        if (o == null) {
            if (required) {
                throw new ProfileException(field, "is required");
            }
            return Map.of();
        }
        if (!(o instanceof Map)) {
            throw new ProfileException(field, "must be an object");
        }
        for (Object k : ((Map<?, ?>) o).keySet()) {
            if (!(k instanceof String)) {
                throw new ProfileException(field, "must have string field names");
            }
        }
        return (Map<String, Object>) o;
    }

    private static <E extends Enum<E>> E enumOf(Object o, String field, E[] values, java.util.function.Function<E, String> wire) {
        if (!(o instanceof String)) {
            throw new ProfileException(field, "must be a string");
        }
        StringBuilder allowed = new StringBuilder();
        for (E e : values) {
            if (wire.apply(e).equals(o)) {
                return e;
            }
            allowed.append(allowed.length() == 0 ? "" : ", ").append('\'').append(wire.apply(e)).append('\'');
        }
        String shown = ((String) o).length() > 40 ? ((String) o).substring(0, 40) + "..." : (String) o;
        throw new ProfileException(field, "has unknown value '" + shown + "' (expected one of " + allowed + ")");
    }

    private static BigInteger bigInt(Object o, String field) {
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            return BigInteger.valueOf(((Number) o).longValue());
        }
        if (o instanceof BigInteger) {
            return (BigInteger) o;
        }
        if (o instanceof String) {
            String s = (String) o;
            // Large keys are often written as decimal strings (JSON doubles cannot hold them).
            if (!s.isEmpty() && s.length() <= 80 && s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return new BigInteger(s);
            }
            throw new ProfileException(field, "must be a non-negative decimal integer");
        }
        throw new ProfileException(field, "must be an integer");
    }

    private static int intIn(Object o, String field, int min, int max) {
        if (o instanceof Boolean || o instanceof String) {
            throw new ProfileException(field, "must be an integer");
        }
        BigInteger v = bigInt(o, field);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ProfileException(field, "must be in " + min + ".." + max + ", got " + v);
        }
        return v.intValue();
    }

    private static boolean bool(Object o, String field) {
        if (!(o instanceof Boolean)) {
            throw new ProfileException(field, "must be true or false");
        }
        return (Boolean) o;
    }

    private static double doubleIn(Map<String, Object> m, String name, String field, double def, double lo,
                                   boolean loIncl, double hi, boolean hiIncl) {
        if (!m.containsKey(name)) {
            return def;
        }
        Object o = m.get(name);
        if (!(o instanceof Number) || o instanceof BigInteger && ((BigInteger) o).bitLength() > 62) {
            throw new ProfileException(field, "must be a number");
        }
        double v = ((Number) o).doubleValue();
        boolean ok = !Double.isNaN(v) && (loIncl ? v >= lo : v > lo) && (hiIncl ? v <= hi : v < hi);
        if (!ok) {
            String range = (loIncl ? "[" : "(") + lo + ", " + (hi == Double.MAX_VALUE ? "inf" : String.valueOf(hi))
                    + (hiIncl ? "]" : ")");
            throw new ProfileException(field, "must lie in " + range + ", got " + v);
        }
        return v;
    }
}
