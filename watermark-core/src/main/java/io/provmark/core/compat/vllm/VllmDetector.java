package io.provmark.core.compat.vllm;

import io.provmark.core.compat.CompatDetector;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.vllm.VllmConfig.Algorithm;
import io.provmark.core.compat.vllm.VllmConfig.LefthashEvidenceSeeding;
import io.provmark.core.compat.vllm.VllmConfig.SbwScheme;
import io.provmark.core.detect.Evidence;
import io.provmark.core.detect.PositionDetail;
import io.provmark.core.stats.LogTails;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * vLLM's watermark detectors (spec §3), reproduced: the same scored positions (context dedup,
 * padding -1, no prompt), the same per-token scores and the same aggregate and p-value formula,
 * reported under vLLM's field names ({@code score, p_value, num_scored_tokens,
 * is_watermarked}). Alongside, provmark's {@link Evidence} over those positions with an exact
 * log-space p-value (see {@link #detect}). Thread-safe.
 */
public final class VllmDetector implements CompatDetector {
    /** Evidence key label: compat keys are secrets and never appear in output. */
    public static final String KEY_LABEL = "compat";

    private final VllmConfig cfg;
    private final int width;
    private final VllmPrf prfA;
    private final VllmPrf prfB;
    private final long sbwThreshold;
    private final float rgGamma;
    private final double rgNullProbability;

    VllmDetector(VllmConfig cfg) {
        this.cfg = cfg;
        this.width = cfg.contextWidth();
        if (cfg.algorithm() == Algorithm.DUAL_KEY_GUMBEL) {
            this.prfA = cfg.prfFor(DualKeys.derive(cfg.key(), DualKeys.KEY_A));
            this.prfB = cfg.prfFor(DualKeys.derive(cfg.key(), DualKeys.KEY_B));
        } else if (cfg.algorithm() == Algorithm.SBW) {
            this.prfA = null;
            this.prfB = null;
        } else {
            this.prfA = cfg.prf64();
            this.prfB = null;
        }
        this.sbwThreshold = Sbw.threshold(cfg.sbwGamma());
        this.rgGamma = (float) cfg.gamma();
        this.rgNullProbability = redGreenNullProbability(rgGamma);
    }

    /** A detector for a parsed config. */
    public static VllmDetector of(VllmConfig cfg) {
        return new VllmDetector(cfg);
    }

    public VllmConfig config() {
        return cfg;
    }

    @Override
    public String upstream() {
        return VllmConfig.SCHEME;
    }

    @Override
    public int vocabSize() {
        return cfg.vocabSize();
    }

    /** The matching embed hook (generation side of the same profile). */
    public VllmEmbedder embedder() {
        return new VllmEmbedder(cfg);
    }

    /** vLLM's {@code WatermarkDetection}. */
    public record Detection(double score, double pValue, int numScoredTokens, boolean isWatermarked) {
        /** The four fields in vLLM's names and order. */
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("score", score);
            m.put("p_value", pValue);
            m.put("num_scored_tokens", numScoredTokens);
            m.put("is_watermarked", isWatermarked);
            return m;
        }
    }

    /** Only vLLM's result for {@code tokens} (the completion's ids, no special tokens). */
    public Detection detectUpstream(int[] tokens) {
        return run(tokens, false).upstream;
    }

    /**
     * Scores {@code tokens} as vLLM does; {@code promptTokens} is ignored, since vLLM's detector
     * takes the completion only and treats it all as generated text.
     *
     * <p>Evidence: the same positions, minus any whose actual PRF input repeats an earlier
     * scored one (possible when {@code deduplicate_contexts} is false, and for SBW, whose seed
     * ignores the oldest context token and may collide), so the scored values are independent
     * under the null and the p-value is exact: Gamma(n, 1) for Gumbel (scored with the 24-bit
     * cell's lower edge, which is dominated by Exp(1)), the exact negative-binomial mixture for
     * dual-key, binomial with the exact null green probability for SBW (threshold/2^31) and
     * red-green (fraction of the 2^24 uniforms below float32 gamma), Binomial(n·depth, ½) for
     * SynthID.
     */
    @Override
    public CompatResult detect(int[] tokens, int[] promptTokens, boolean perToken) {
        Run r = run(tokens, perToken);
        return new CompatResult(r.upstream.asMap(), r.evidence, r.perToken);
    }

    /** Upstream behaviours and bugs that matter for this profile, for reports. */
    public List<String> notes() {
        return VllmNotes.forConfig(cfg);
    }

    // ------------------------------------------------------------------ scoring

    private static final class Run {
        Detection upstream;
        Evidence evidence;
        List<Map<String, Object>> perToken;
    }

    /** A context window compared by value (exact dedup, no hashing shortcuts). */
    private static final class Window {
        private final int[] a;
        private final int from;
        private final int w;
        private final int hash;

        Window(int[] a, int from, int w) {
            this.a = a;
            this.from = from;
            this.w = w;
            int h = 1;
            for (int i = 0; i < w; i++) {
                h = 31 * h + a[from + i];
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Window)) {
                return false;
            }
            Window x = (Window) o;
            if (x.hash != hash || x.w != w) {
                return false;
            }
            for (int i = 0; i < w; i++) {
                if (a[from + i] != x.a[x.from + i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private record WindowToken(Window window, int token) {
    }

    private record SeedToken(long seed, int token) {
    }

    private Run run(int[] tokens, boolean perToken) {
        int n = tokens.length;
        int vocab = cfg.vocabSize();
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("token at position " + i + " is " + tokens[i]
                        + ", outside the vocabulary 0.." + (vocab - 1));
            }
        }
        int[] padded = new int[width + n];
        java.util.Arrays.fill(padded, 0, width, -1);
        System.arraycopy(tokens, 0, padded, width, n);

        Algorithm alg = cfg.algorithm();
        double alpha = cfg.detectorAlpha();
        boolean dedup = cfg.detectorDeduplicateContexts();
        boolean lefthash = alg == Algorithm.SBW && cfg.sbwScheme() == SbwScheme.LEFTHASH;
        boolean evidenceGeneratorSeeding = lefthash && cfg.lefthashEvidenceSeeding() == LefthashEvidenceSeeding.GENERATOR;
        long key = cfg.key();
        int depth = cfg.depth();
        int depthMask = depth == 32 ? -1 : (1 << depth) - 1;

        Set<Window> seenContexts = new HashSet<>();
        Set<Object> seenInputs = new HashSet<>();
        List<Map<String, Object>> rows = perToken ? new ArrayList<>(n) : null;
        List<PositionDetail> details = perToken ? new ArrayList<>(n) : null;

        int scored = 0;
        double score = 0; // upstream aggregate (sum; SynthID: hit count)
        long hits = 0;
        int evScored = 0;
        double evSum = 0;
        long evHits = 0;
        for (int i = 0; i < n; i++) {
            Window ctx = new Window(padded, i, width);
            int tok = tokens[i];
            boolean isScored = !dedup || seenContexts.add(ctx);
            Map<String, Object> row = null;
            if (rows != null) {
                row = new LinkedHashMap<>();
                row.put("index", i);
                row.put("token", tok);
                row.put("scored", isScored);
                rows.add(row);
            }
            if (!isScored) {
                if (details != null) {
                    details.add(new PositionDetail(i, tok, PositionDetail.Status.DUPLICATE, Double.NaN));
                }
                continue;
            }
            scored++;
            double upValue;
            double evValue;
            Object input;
            switch (alg) {
                case GUMBEL: {
                    int w = prfA.absorb(padded, i, width).word(tok);
                    upValue = -Math.log1p(-(double) VllmPrf.uniform(w));
                    evValue = -Math.log1p(-VllmPrf.lowerEdge(w));
                    input = new WindowToken(ctx, tok);
                    break;
                }
                case DUAL_KEY_GUMBEL: {
                    int wa = prfA.absorb(padded, i, width).word(tok);
                    int wb = prfB.absorb(padded, i, width).word(tok);
                    double sa = -Math.log1p(-(double) VllmPrf.uniform(wa));
                    double sb = -Math.log1p(-(double) VllmPrf.uniform(wb));
                    upValue = sa * (1 - alpha) + sb * alpha;
                    evValue = -Math.log1p(-VllmPrf.lowerEdge(wa)) * (1 - alpha) - Math.log1p(-VllmPrf.lowerEdge(wb)) * alpha;
                    input = new WindowToken(ctx, tok);
                    break;
                }
                case SBW: {
                    long seed;
                    long evSeed;
                    if (lefthash) {
                        seed = Sbw.lefthashDetectorSeed(key, padded, i, width);
                        evSeed = evidenceGeneratorSeeding ? Sbw.lefthashGeneratorSeed(key, padded, i, width) : seed;
                    } else {
                        seed = Sbw.selfhashSeed(key, padded, i, width, tok);
                        evSeed = seed;
                    }
                    upValue = Sbw.green(Sbw.word(seed, tok), sbwThreshold) ? 1.0 : 0.0;
                    evValue = evSeed == seed ? upValue : Sbw.green(Sbw.word(evSeed, tok), sbwThreshold) ? 1.0 : 0.0;
                    input = new SeedToken(evSeed, tok);
                    break;
                }
                case RED_GREEN: {
                    int w = prfA.absorb(padded, i, width).word(tok);
                    upValue = VllmPrf.uniform(w) < rgGamma ? 1.0 : 0.0;
                    evValue = upValue;
                    input = new WindowToken(ctx, tok);
                    break;
                }
                case SYNTHID: {
                    int w = prfA.absorb(padded, i, width).word(tok);
                    upValue = Integer.bitCount(w & depthMask);
                    evValue = upValue;
                    input = new WindowToken(ctx, tok);
                    break;
                }
                default:
                    throw new IllegalStateException("unknown algorithm");
            }
            score += upValue;
            if (row != null) {
                row.put(alg == Algorithm.SYNTHID ? "g_sum" : "token_score", upValue);
            }
            boolean fresh = seenInputs.add(input);
            if (fresh) {
                evScored++;
                evSum += evValue;
            }
            if (details != null) {
                details.add(new PositionDetail(i, tok, fresh ? PositionDetail.Status.SCORED : PositionDetail.Status.DUPLICATE,
                        fresh ? evValue : Double.NaN));
            }
        }
        hits = (long) score;
        evHits = (long) evSum;

        Run r = new Run();
        r.upstream = upstreamResult(scored, score, hits);
        r.evidence = evidence(n, evScored, evSum, evHits, details);
        r.perToken = rows == null ? List.of() : Collections.unmodifiableList(rows);
        return r;
    }

    private Detection upstreamResult(int scored, double sum, long hits) {
        if (scored == 0) {
            return new Detection(0.0, 1.0, 0, false);
        }
        double score;
        double p;
        switch (cfg.algorithm()) {
            case GUMBEL:
                score = sum;
                p = VllmStats.upstreamGammaSurvival(sum, scored);
                break;
            case DUAL_KEY_GUMBEL:
                score = sum;
                p = VllmStats.upstreamDualKeyPValue(sum, scored, cfg.detectorAlpha());
                break;
            case SBW:
                score = sum;
                p = VllmStats.upstreamSbwPValue(sum, scored, cfg.sbwGamma());
                break;
            case RED_GREEN:
                score = sum;
                p = VllmStats.upstreamRedGreenPValue(VllmStats.pythonRound(sum), scored, cfg.gamma());
                break;
            case SYNTHID: {
                long trials = (long) scored * cfg.depth();
                score = (double) hits / trials;
                p = VllmStats.upstreamSynthIdPValue(VllmStats.pythonRound(score * trials), trials);
                break;
            }
            default:
                throw new IllegalStateException("unknown algorithm");
        }
        return new Detection(score, p, scored, p <= cfg.pValueThreshold());
    }

    private Evidence evidence(int numTokens, int n, double sum, long hits, List<PositionDetail> details) {
        String scheme = "vllm/" + cfg.algorithm().wire();
        String dedup = cfg.detectorDeduplicateContexts() ? "context" : "prf-input";
        if (n == 0) {
            String name = statisticName();
            return new Evidence(scheme, KEY_LABEL, numTokens, 0, name, 0.0, 0.0, 0.0, true, dedup, details);
        }
        double lnP;
        double z;
        double statistic;
        boolean exact = true;
        switch (cfg.algorithm()) {
            case GUMBEL:
                statistic = sum;
                lnP = LogTails.gammaLogSurvival(n, sum);
                z = (sum - n) / Math.sqrt(n);
                break;
            case DUAL_KEY_GUMBEL: {
                double a = cfg.detectorAlpha();
                VllmStats.LogTail t = VllmStats.dualGammaLogSurvival(n, 1 - a, a, sum);
                lnP = t.lnP();
                exact = t.exact();
                statistic = sum;
                z = (sum - n) / Math.sqrt(n * ((1 - a) * (1 - a) + a * a));
                break;
            }
            case SBW:
            case RED_GREEN: {
                double p0 = cfg.algorithm() == Algorithm.SBW ? Sbw.nullGreenProbability(sbwThreshold)
                        : rgNullProbability;
                lnP = binomialLogSurvival(n, hits, p0);
                statistic = (double) hits / n;
                z = (hits - n * p0) / Math.sqrt(n * p0 * (1 - p0));
                break;
            }
            case SYNTHID: {
                long trials = (long) n * cfg.depth();
                lnP = LogTails.binomialLogSurvival(trials, hits, 0.5);
                statistic = (double) hits / trials;
                z = (hits - trials * 0.5) / Math.sqrt(trials * 0.25);
                break;
            }
            default:
                throw new IllegalStateException("unknown algorithm");
        }
        return new Evidence(scheme, KEY_LABEL, numTokens, n, statisticName(), statistic, lnP, z, exact, dedup, details);
    }

    private static double binomialLogSurvival(long n, long k, double p0) {
        if (p0 <= 0) {
            return k > 0 ? Double.NEGATIVE_INFINITY : 0.0;
        }
        if (p0 >= 1) {
            return 0.0;
        }
        return LogTails.binomialLogSurvival(n, k, p0);
    }

    private String statisticName() {
        switch (cfg.algorithm()) {
            case GUMBEL:
                return "score_sum";
            case DUAL_KEY_GUMBEL:
                return "weighted_score_sum";
            case SYNTHID:
                return "mean_g";
            default:
                return "green_fraction";
        }
    }

    /**
     * Exact probability that a PRF uniform is below float32 gamma: the fraction of the 2^24
     * mantissas m whose uniform (monotone in m) is below it.
     */
    static double redGreenNullProbability(float gamma) {
        int lo = 0;
        int hi = 1 << 24; // count of m in [0, 2^24) with uniform(m) < gamma
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (VllmPrf.uniform(mid << 8) < gamma) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo * 0x1p-24;
    }

    @Override
    public String toString() {
        return "VllmDetector[" + cfg + "]";
    }
}
