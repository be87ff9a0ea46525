package io.provmark.core.compat.threebricks;

import io.provmark.core.compat.CompatDetector;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.kgw.ProfileMaps;
import io.provmark.core.compat.torch.TorchMt19937;
import io.provmark.core.compat.torch.TorchRandperm;
import io.provmark.core.detect.Evidence;
import io.provmark.core.detect.PositionDetail;
import io.provmark.core.profile.ProfileException;
import io.provmark.core.stats.LogTails;
import io.provmark.core.stats.Multiplicity;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.numbers.gamma.Erfc;
import org.apache.commons.numbers.gamma.RegularizedBeta;

/**
 * The detectors of facebookresearch/three_bricks (ee9c7a2, {@code wm/detector.py}) with numpy 1.x
 * semantics, reproduced on token ids: {@code openai} (Aaronson), {@code openaiz}, {@code maryland}
 * (KGW-style), {@code marylandz}; seeding {@code hash} (the only one its detector can run).
 *
 * <p>Per scored position {@code cur_pos} (from {@code ngram + 1}: position {@code ngram} is never
 * scored upstream) the window is the {@code ngram} ids before it, the generator is seeded with
 * {@code s = seed; for t in window: s = (s * salt_key + t) % (2^64 - 1)}, and payload p scores id
 * {@code (token + p) mod V}: Maryland 1 if it is in {@code randperm(V)[:int(gamma V)]}, Openai
 * {@code -log(1 - rand(V)[id])} in float32. {@code scoring_method} v1 skips repeated windows, v2
 * repeated window+token tuples. S is numpy's float32 sum (pairwise for one payload column,
 * row-sequential for several); p-values: Maryland {@code betainc(S, 1+N-S, gamma)}, Openai
 * {@code gammaincc(N, S)}, the Z variants {@code 0.5 erfc(z / sqrt 2)}, all floored at
 * {@code pvalue_eps} with Python's {@code max} (so NaN stays NaN: Maryland with S = 0).
 *
 * <p>Upstream fields (names of {@code main_eval.py} where it has them): {@code num_scored},
 * {@code score_sum} (S, float32), {@code score} (aggregate mean, float32), {@code p_value},
 * {@code log10_pvalue}; with {@code payload_max > 0} also {@code p_values} (one per payload),
 * {@code payload} (argmin) and {@code p_value} adjusted for the M = payload_max + 1 tests as
 * main_eval does. Input convention: upstream reads {@code prompt ++ tokens} and positions inside
 * the prompt are not scored.
 *
 * <p>Compat profile: {@code {"scheme": "three-bricks", "vocab_size": V, "config": {"method",
 * "ngram", "seed", "seeding", "salt_key", "gamma", "delta"}, "detector": {"scoring_method",
 * "payload_max", "ntoks_max", "pvalue_eps"}}}; {@code method} and {@code ngram} are required, the
 * rest default to main_eval's (seed 0, "hash", 35317, gamma 0.25; "none", 0, none, 1e-200).
 */
public final class ThreeBricksCompat implements CompatDetector {
    public static final String SCHEME = "three-bricks";
    private static final BigInteger M_BIG = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** The detector class. */
    public enum Method {
        OPENAI("openai"), OPENAIZ("openaiz"), MARYLAND("maryland"), MARYLANDZ("marylandz");

        final String wire;

        Method(String wire) {
            this.wire = wire;
        }

        boolean maryland() {
            return this == MARYLAND || this == MARYLANDZ;
        }
    }

    private final int vocab;
    private final Method method;
    private final int ngram;
    private final long seed0;
    private final long salt;
    private final double gamma;
    private final int greenSize;
    private final String scoringMethod;
    private final int payloadMax;
    private final Integer ntoksMax;
    private final double eps;

    private ThreeBricksCompat(int vocab, Method method, int ngram, long seed0, long salt, double gamma,
                              String scoringMethod, int payloadMax, Integer ntoksMax, double eps) {
        this.vocab = vocab;
        this.method = method;
        this.ngram = ngram;
        this.seed0 = seed0;
        this.salt = salt;
        this.gamma = gamma;
        this.greenSize = (int) (gamma * vocab);
        this.scoringMethod = scoringMethod;
        this.payloadMax = payloadMax;
        this.ntoksMax = ntoksMax;
        this.eps = eps;
    }

    /** Reads a compat profile (Jackson generic map); every problem is a ProfileException naming the field. */
    public static ThreeBricksCompat fromProfile(Map<String, Object> root) {
        ProfileMaps.root(root, SCHEME);
        int vocab = ProfileMaps.vocabSize(root, 2);
        Map<String, Object> c = ProfileMaps.object(root, "config", "config", false);
        ProfileMaps.allowOnly(c, "config.", Set.of("method", "ngram", "seed", "seeding", "salt_key", "gamma", "delta"));
        String m = ProfileMaps.string(c, "method", "config.method", null);
        Method method = null;
        for (Method x : Method.values()) {
            if (x.wire.equals(m)) {
                method = x;
            }
        }
        if (method == null) {
            throw new ProfileException("config.method", "must be openai, openaiz, maryland or marylandz, got \"" + m + "\""
                    + (m.equals("openainp") ? " (the Neyman-Pearson detector needs the model's probabilities)" : ""));
        }
        int ngram = ProfileMaps.intIn(c, "ngram", "config.ngram", null, 1, 65_536);
        BigInteger seed = ProfileMaps.integer(c, "seed", "config.seed", BigInteger.ZERO, true);
        String seeding = ProfileMaps.string(c, "seeding", "config.seeding", "hash");
        if (!seeding.equals("hash")) {
            throw new ProfileException("config.seeding", "must be \"hash\": three_bricks' detector passes Python lists, "
                    + "which only the hash seeding accepts (got \"" + seeding + "\")");
        }
        BigInteger saltKey = ProfileMaps.integer(c, "salt_key", "config.salt_key", BigInteger.valueOf(35317), true);
        double gamma = ProfileMaps.number(c, "gamma", "config.gamma", 0.25);
        if (method.maryland()) {
            if (!(gamma > 0 && gamma < 1)) {
                throw new ProfileException("config.gamma", "must be strictly between 0 and 1, got " + gamma);
            }
            if ((int) (gamma * vocab) < 1) {
                throw new ProfileException("config.gamma", "gives an empty greenlist: int(" + gamma + " * " + vocab + ") = 0");
            }
        } else if (c.containsKey("gamma")) {
            throw new ProfileException("config.gamma", "applies to maryland/marylandz only");
        }
        ProfileMaps.number(c, "delta", "config.delta", 2.0); // generation only
        Map<String, Object> d = ProfileMaps.object(root, "detector", "detector", true);
        ProfileMaps.allowOnly(d, "detector.", Set.of("scoring_method", "payload_max", "ntoks_max", "pvalue_eps"));
        String sm = ProfileMaps.string(d, "scoring_method", "detector.scoring_method", "none");
        if (!sm.equals("none") && !sm.equals("v1") && !sm.equals("v2")) {
            throw new ProfileException("detector.scoring_method", "must be none, v1 or v2, got \"" + sm + "\"");
        }
        int payloadMax = ProfileMaps.intIn(d, "payload_max", "detector.payload_max", 0, 0, vocab - 1L);
        Integer ntoksMax = ProfileMaps.optionalInt(d, "ntoks_max", "detector.ntoks_max", 0, Integer.MAX_VALUE);
        double eps = ProfileMaps.number(d, "pvalue_eps", "detector.pvalue_eps", 1e-200);
        if (!(eps >= 0 && eps < 1)) {
            throw new ProfileException("detector.pvalue_eps", "must be in [0, 1), got " + eps);
        }
        return new ThreeBricksCompat(vocab, method, ngram, seed.mod(M_BIG).longValue(), saltKey.mod(M_BIG).longValue(),
                gamma, sm, payloadMax, ntoksMax, eps);
    }

    @Override
    public String upstream() {
        return SCHEME;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    public Method method() {
        return method;
    }

    /** Known upstream behaviour worth telling users next to the upstream fields. */
    public List<String> notes() {
        List<String> n = new ArrayList<>();
        n.add("three_bricks never scores position ngram (its loop starts at ngram + 1)");
        if (method == Method.MARYLAND) {
            n.add("p_value is NaN when no scored token is green (scipy betainc(0, ...) is NaN and max(NaN, eps) keeps it)");
        }
        if (method == Method.OPENAI || method == Method.OPENAIZ) {
            n.add("token scores use torch's float32 log, which differs by 1-2 ulp between torch builds; p_value agrees to ~1e-5");
        }
        if (!scoringMethod.equals("v2")) {
            n.add("scoring_method=" + scoringMethod + " can count a repeated (window, token) pair twice; evidence counts it once");
        }
        n.add("numpy 1.x semantics: with numpy >= 2 upstream computes these p-values in float32 and returns 0.0 for strong watermarks");
        return n;
    }

    /** {@code get_seed_rng(window)} with hash seeding: the value given to {@code manual_seed} (unsigned). */
    public long windowSeed(int[] seq, int from, int to) {
        long s = seed0;
        for (int i = from; i < to; i++) {
            s = addMod(mulMod(s, salt), seq[i]);
        }
        return s;
    }

    /** {@code score_tok(window, token).numpy()[:payload_max+1]} for a window seeded with {@code seed}. */
    public float[] tokenScores(long seed, int token) {
        int p = payloadMax + 1;
        float[] out = new float[p];
        TorchMt19937 g = new TorchMt19937(seed);
        if (method.maryland()) {
            if (p <= 4) {
                for (int j = 0; j < p; j++) {
                    g.manualSeed(seed);
                    out[j] = TorchRandperm.inPrefix(g, vocab, greenSize, (int) ((token + (long) j) % vocab)) ? 1f : 0f;
                }
            } else {
                boolean[] green = new boolean[vocab];
                for (int id : TorchRandperm.prefix(g, vocab, greenSize)) {
                    green[id] = true;
                }
                for (int j = 0; j < p; j++) {
                    out[j] = green[(int) ((token + (long) j) % vocab)] ? 1f : 0f;
                }
            }
            return out;
        }
        // rand(V)[id] is the id-th float32 drawn; payload ids wrap around the vocabulary.
        float[] r = randAt(seed, token);
        for (int j = 0; j < p; j++) {
            out[j] = negLogOneMinus(r[j]);
        }
        return out;
    }

    /** {@code rand(V)[(token + j) % V]} for j = 0..payload_max, drawing only what is needed. */
    float[] randAt(long seed, int token) {
        TorchMt19937 g = new TorchMt19937(seed);
        float[] out = new float[payloadMax + 1];
        if (token + (long) payloadMax < vocab) {
            g.discard(token); // rand(V)[i] is the i-th float drawn
            for (int j = 0; j <= payloadMax; j++) {
                out[j] = g.nextFloat();
            }
            return out;
        }
        float[] r = g.rand(vocab);
        for (int j = 0; j <= payloadMax; j++) {
            out[j] = r[(int) ((token + (long) j) % vocab)];
        }
        return out;
    }

    /** {@code -(1 - r).log()} in float32 ({@code 1 - r} is exact for torch's 24-bit r). */
    static float negLogOneMinus(float r) {
        return (float) -Math.log(1.0f - r);
    }

    @Override
    public CompatResult detect(int[] tokens, int[] promptTokens, boolean perToken) {
        if (tokens == null) {
            throw new IllegalArgumentException("tokens must not be null");
        }
        int[] pr = promptTokens == null ? new int[0] : promptTokens;
        checkIds(pr, "prompt_tokens");
        checkIds(tokens, "tokens");
        int[] seq = new int[pr.length + tokens.length];
        System.arraycopy(pr, 0, seq, 0, pr.length);
        System.arraycopy(tokens, 0, seq, pr.length, tokens.length);
        int total = ntoksMax == null ? seq.length : Math.min(seq.length, ntoksMax);
        int p = payloadMax + 1;
        List<float[]> rows = new ArrayList<>();
        List<Integer> pos = new ArrayList<>();
        Map<Integer, float[]> raws = new java.util.HashMap<>();
        Set<List<Integer>> seen = new HashSet<>();
        for (int cur = Math.max(ngram + 1, pr.length); cur < total; cur++) {
            if (!scoringMethod.equals("none")) {
                int end = scoringMethod.equals("v1") ? cur : cur + 1;
                List<Integer> tup = new ArrayList<>(end - cur + ngram);
                for (int i = cur - ngram; i < end; i++) {
                    tup.add(seq[i]);
                }
                if (!seen.add(tup)) {
                    continue;
                }
            }
            long s = windowSeed(seq, cur - ngram, cur);
            float[] raw = method.maryland() ? tokenScores(s, seq[cur]) : randAt(s, seq[cur]);
            float[] sc = raw;
            if (!method.maryland()) {
                sc = new float[p];
                for (int j = 0; j < p; j++) {
                    sc[j] = negLogOneMinus(raw[j]);
                }
            }
            rows.add(sc);
            raws.put(cur, raw);
            pos.add(cur);
        }
        int n = rows.size();
        float[] sums = numpySum(rows, p);
        double[] pvals = new double[p];
        for (int j = 0; j < p; j++) {
            pvals[j] = pValue(sums[j], n);
        }
        Map<String, Object> up = new LinkedHashMap<>();
        up.put("num_scored", n);
        int payload = 0;
        double pv = pvals[0];
        if (payloadMax > 0) {
            for (int j = 1; j < p; j++) {
                if (pvals[j] < pvals[payload]) { // np.argmin: the first minimum...
                    payload = j;
                }
            }
            payload = firstNaN(pvals, payload); // ...or the first NaN when there is one
            double raw = pvals[payload];
            int mm = p;
            pv = raw > Math.min(1.0 / mm, 1e-5) ? 1 - Math.pow(1 - raw, mm) : mm * raw;
        }
        up.put("score_sum", (double) sums[payload]);
        up.put("score", n == 0 ? 1.0 : (double) (sums[payload] / (float) n)); // aggregate_scores('mean'); ones when empty
        up.put("p_value", pv);
        up.put("log10_pvalue", Math.log10(pv));
        if (payloadMax > 0) {
            List<Double> all = new ArrayList<>();
            for (double x : pvals) {
                all.add(x);
            }
            up.put("p_values", all);
            up.put("payload", payload);
        }
        List<Map<String, Object>> per = new ArrayList<>();
        if (perToken) {
            for (int k = 0; k < n; k++) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("index", pos.get(k) - pr.length);
                e.put("token", seq[pos.get(k)]);
                List<Double> sc = new ArrayList<>();
                for (float x : rows.get(k)) {
                    sc.add((double) x);
                }
                e.put("scores", sc);
                per.add(e);
            }
        }
        return new CompatResult(up, evidence(seq, pr.length, tokens, total, raws, perToken), per);
    }

    /** numpy's float32 {@code ss.sum(axis=0)}: pairwise over one column, row by row over several. */
    static float[] numpySum(List<float[]> rows, int p) {
        float[] out = new float[p];
        if (rows.isEmpty()) {
            return out;
        }
        if (p == 1) {
            float[] col = new float[rows.size()];
            for (int i = 0; i < col.length; i++) {
                col[i] = rows.get(i)[0];
            }
            out[0] = pairwise(col, 0, col.length);
            return out;
        }
        for (float[] r : rows) {
            for (int j = 0; j < p; j++) {
                out[j] += r[j];
            }
        }
        return out;
    }

    /** numpy's float32 pairwise summation (blocks of 128, eight accumulators). */
    static float pairwise(float[] a, int from, int n) {
        if (n < 8) {
            float res = 0f;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= 128) {
            float[] r = new float[8];
            System.arraycopy(a, from, r, 0, 8);
            int i = 8;
            for (; i < n - (n % 8); i += 8) {
                for (int j = 0; j < 8; j++) {
                    r[j] += a[from + i + j];
                }
            }
            float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return pairwise(a, from, n2) + pairwise(a, from + n2, n - n2);
    }

    /** {@code get_pvalue(score, ntoks, eps)} of the configured detector, in float64 (numpy 1.x). */
    double pValue(double score, int ntoks) {
        double pv;
        switch (method) {
            case MARYLAND:
                pv = betaincBinomial(score, ntoks, gamma);
                break;
            case MARYLANDZ: {
                double z = (score - gamma * ntoks) / Math.sqrt(gamma * (1 - gamma) * ntoks);
                pv = 0.5 * erfc(z / Math.sqrt(2));
                break;
            }
            case OPENAI:
                pv = gammaincc(ntoks, score);
                break;
            default: {
                double sigma0 = Math.PI / Math.sqrt(6);
                double z = (score / ntoks - 1) / (sigma0 / Math.sqrt(ntoks));
                pv = 0.5 * erfc(z / Math.sqrt(2));
                break;
            }
        }
        return pyMax(pv, eps);
    }

    /** Python {@code max(p, eps)}: returns p unless eps > p, so NaN survives. */
    static double pyMax(double p, double eps) {
        return eps > p ? eps : p;
    }

    /** scipy {@code betainc(S, 1 + N - S, x)}: P[Binomial(N, x) >= S] for integer S; NaN outside its domain. */
    static double betaincBinomial(double s, int n, double x) {
        double a = s;
        double b = 1 + n - s;
        if (!(a > 0) || !(b > 0) || Double.isNaN(x)) {
            return Double.NaN;
        }
        if (a == Math.rint(a) && a <= n) {
            return Math.exp(LogTails.binomialLogSurvival(n, (long) a, x));
        }
        return RegularizedBeta.value(x, a, b);
    }

    /** scipy {@code gammaincc(a, x)} for integer a >= 0. */
    static double gammaincc(int a, double x) {
        if (Double.isNaN(x) || x < 0 || a < 0) {
            return Double.NaN;
        }
        if (a == 0) {
            return x > 0 ? 0.0 : Double.NaN;
        }
        if (x == 0) {
            return 1.0;
        }
        return Math.exp(LogTails.gammaLogSurvival(a, x));
    }

    static double erfc(double x) {
        return Double.isNaN(x) ? Double.NaN : Erfc.value(x);
    }

    /**
     * provmark's exact evidence: payload 0 only unless payloads are decoded (then the best payload,
     * Bonferroni-corrected for the M tried), over the positions upstream scored that carry a fresh
     * (seed, token) pair — upstream's
     * {@code none}/{@code v1} modes can count a repeated pair twice, which the exact tail must not.
     * Maryland: Binomial(n, k/V) on green counts; Openai: Gamma(n, 1) on sums of {@code -ln(1 - r)}.
     */
    private Evidence evidence(int[] seq, int promptLen, int[] tokens, int total, Map<Integer, float[]> raws,
                              boolean perPosition) {
        int numTokens = tokens.length;
        Set<Long> seen = new HashSet<>();
        Set<Long> inPrompt = new HashSet<>();
        for (int cur = ngram; cur < Math.min(promptLen, total); cur++) {
            inPrompt.add(identity(windowSeed(seq, cur - ngram, cur), seq[cur]));
        }
        PositionDetail.Status[] status = new PositionDetail.Status[numTokens];
        double[] value = new double[numTokens];
        Arrays.fill(status, PositionDetail.Status.PARTIAL_CONTEXT);
        Arrays.fill(value, Double.NaN);
        int p = payloadMax + 1;
        double[] sum = new double[p];
        long n = 0;
        for (int cur = Math.max(ngram + 1, promptLen); cur < seq.length; cur++) { // upstream's positions
            int k = cur - promptLen;
            if (cur >= total) {
                status[k] = PositionDetail.Status.AFTER_EOS; // cut by ntoks_max
                continue;
            }
            float[] raw = raws.get(cur);
            if (raw == null) {
                status[k] = PositionDetail.Status.DUPLICATE; // skipped by scoring_method v1/v2
                continue;
            }
            long s = windowSeed(seq, cur - ngram, cur);
            long id = identity(s, seq[cur]);
            if (inPrompt.contains(id)) {
                status[k] = PositionDetail.Status.IN_PROMPT;
                continue;
            }
            if (!seen.add(id)) {
                status[k] = PositionDetail.Status.DUPLICATE;
                continue;
            }
            double[] v = exactValues(raw);
            for (int j = 0; j < p; j++) {
                sum[j] += v[j];
            }
            n++;
            status[k] = PositionDetail.Status.SCORED;
            value[k] = v[0];
        }
        int best = 0;
        double bestLn = 0.0;
        for (int j = 0; j < p; j++) {
            double ln = n == 0 ? 0.0 : method.maryland()
                    ? LogTails.binomialLogSurvival(n, Math.round(sum[j]), (double) greenSize / vocab)
                    : LogTails.gammaLogSurvival(n, sum[j]);
            if (j == 0 || ln < bestLn) {
                bestLn = ln;
                best = j;
            }
        }
        double lnP = p > 1 ? Multiplicity.bonferroni(bestLn, p) : bestLn;
        lnP = Math.min(0.0, lnP);
        double stat = n == 0 ? Double.NaN : sum[best] / n;
        double z;
        if (n == 0) {
            z = Double.NaN;
        } else if (method.maryland()) {
            double q = (double) greenSize / vocab;
            z = (sum[best] - q * n) / Math.sqrt(n * q * (1 - q));
        } else {
            z = (sum[best] - n) / Math.sqrt(n); // Exp(1): mean 1, variance 1
        }
        List<PositionDetail> details = new ArrayList<>();
        if (perPosition) {
            for (int k = 0; k < numTokens; k++) {
                details.add(new PositionDetail(k, tokens[k], status[k], value[k]));
            }
        }
        return new Evidence(SCHEME + "-" + method.wire, "compat", numTokens, (int) n,
                method.maryland() ? "green_fraction" : "mean_score", stat, lnP, z, true, "prf-input", details);
    }

    /** Per-payload values for the exact test: green flags, or -ln(1 - r) in float64 from the same float32 r. */
    private double[] exactValues(float[] raw) {
        double[] d = new double[raw.length];
        for (int j = 0; j < raw.length; j++) {
            d[j] = method.maryland() ? raw[j] : -Math.log1p(-(double) raw[j]);
        }
        return d;
    }

    private static long identity(long seed, int token) {
        return (seed << 32) | (token & 0xFFFFFFFFL);
    }

    private static int firstNaN(double[] a, int dflt) {
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i])) {
                return i;
            }
        }
        return dflt;
    }

    /** (a * b) mod (2^64 - 1) for unsigned a, b below 2^64 - 1. */
    static long mulMod(long a, long b) {
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
        long s = hi + lo;
        if (Long.compareUnsigned(s, lo) < 0) {
            s += 1;
        }
        return s == -1L ? 0 : s;
    }

    /** (a + t) mod (2^64 - 1) for unsigned a below 2^64 - 1 and 0 <= t < 2^31. */
    static long addMod(long a, int t) {
        long s = a + t;
        if (Long.compareUnsigned(s, a) < 0) {
            s += 1; // wrapped past 2^64 == 1
        }
        return s == -1L ? 0 : s;
    }

    private void checkIds(int[] ids, String what) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException(what + "[" + i + "] = " + ids[i] + " is outside the vocabulary 0.."
                        + (vocab - 1) + " (vocab_size " + vocab + ")");
            }
        }
    }

    @Override
    public String toString() {
        return "ThreeBricksCompat[" + method.wire + ", ngram=" + ngram + ", vocab=" + vocab + ", keys hidden]";
    }
}
