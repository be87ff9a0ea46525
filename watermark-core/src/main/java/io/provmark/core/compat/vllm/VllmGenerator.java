package io.provmark.core.compat.vllm;

import io.provmark.core.compat.vllm.VllmConfig.Algorithm;
import io.provmark.core.compat.vllm.VllmConfig.Scope;
import java.util.Arrays;

/**
 * vLLM's watermarked token selection (CPU reference semantics, spec §2), one decoding step at a
 * time. The sequence is {@code ids[0..len)}: the prompt {@code ids[0..promptLen)} followed by the
 * tokens generated so far. Contexts use generated tokens only (-1 before the first); the
 * repeated-context check follows {@code deduplicate_contexts}. Where vLLM hands a row to its
 * ordinary random sampler (skipped rows, SBW/red-green/SynthID after reweighting, dual-key
 * routing) this class calls a {@link Sampler}, so a caller can plug in vLLM-equivalent
 * randomness or, for the upstream goldens, their deterministic sampler. Thread-safe.
 */
public final class VllmGenerator {

    /** The randomness vLLM draws from its ordinary seeded sampler. */
    public interface Sampler {
        /** Picks an index in [0, n) from softmax(logits[0..n)) (vLLM's random sampler on processed logits). */
        int sample(float[] logits, int n);

        /**
         * Dual-key routing: vLLM samples from the two-way logits (ln(1-α), ln α); true selects key B.
         *
         * @param probabilityA the float32 softmax probability of key A that vLLM's sampler sees
         */
        boolean routeToKeyB(float probabilityA);
    }

    /** Counters matching the upstream goldens' trace fields. */
    public static final class Trace {
        public int routingDraws;
        public int keyBRouted;
        public int keyBEffective;
        public int dedupSkips;
        public int partialContextSkips;

        @Override
        public String toString() {
            return "Trace[routing_draws=" + routingDraws + ", key_b_routed=" + keyBRouted + ", key_b_effective="
                    + keyBEffective + ", dedup_skips=" + dedupSkips + ", partial_context_skips=" + partialContextSkips + "]";
        }
    }

    private static final int BUCKETS = 256;
    /** Upper bounds of the Gumbel noise per top-8-bit bucket of the 24-bit mantissa (plus 2 ulp of slack). */
    private static final float[] BUCKET_MAX = new float[BUCKETS];
    private static final float NOISE_MAX;

    static {
        for (int b = 0; b < BUCKETS; b++) {
            int word = ((b << 16) | 0xFFFF) << 8;
            BUCKET_MAX[b] = Math.nextUp(Math.nextUp(noise(word)));
        }
        NOISE_MAX = BUCKET_MAX[BUCKETS - 1];
    }

    private final VllmConfig cfg;
    private final int vocab;
    private final int width;
    private final VllmPrf prfA; // gumbel, red_green, synthid: the key's PRF; dual: key A
    private final VllmPrf prfB; // dual: key B
    private final float probabilityA;
    private final long sbwThreshold;
    private final float sbwDelta;
    private final float rgGamma;
    private final float rgDelta;
    private final ThreadLocal<int[]> wordScratch;

    public VllmGenerator(VllmConfig cfg) {
        this.cfg = cfg;
        this.vocab = cfg.vocabSize();
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
        this.probabilityA = routingProbabilityA(cfg.alpha());
        this.sbwThreshold = Sbw.threshold(cfg.sbwGamma());
        this.sbwDelta = (float) cfg.sbwDelta();
        this.rgGamma = (float) cfg.gamma();
        this.rgDelta = (float) cfg.delta();
        this.wordScratch = ThreadLocal.withInitial(() -> new int[vocab]);
    }

    public VllmConfig config() {
        return cfg;
    }

    public int vocabSize() {
        return vocab;
    }

    /**
     * The key-A probability vLLM's sampler sees for the routing logits (ln(1-α), ln α) in
     * float32: the routing boundary of the goldens' deterministic sampler.
     */
    public static float routingProbabilityA(double alpha) {
        float l0 = (float) Math.log((float) (1 - alpha));
        float l1 = (float) Math.log((float) alpha);
        float m = Math.max(l0, l1);
        float e0 = (float) Math.exp(l0 - m);
        float e1 = (float) Math.exp(l1 - m);
        return e0 / (e0 + e1);
    }

    /** The Gumbel noise -ln(-ln u) in float32 math, as vLLM's CPU reference computes it. */
    static float noise(int word) {
        float u = VllmPrf.uniform(word); // >= 2^-24 - 2^-48: the clamp at FLT_MIN never binds
        float lnU = (float) StrictMath.log(u);
        return -(float) StrictMath.log(-lnU);
    }

    // ------------------------------------------------------------------ context and dedup

    /** The PRF context of the next token: the last W generated tokens, -1 before the first. */
    public int[] context(int[] ids, int promptLen, int len) {
        int[] ctx = new int[width];
        int gen = len - promptLen;
        for (int k = 0; k < width; k++) {
            int pos = gen - width + k;
            ctx[k] = pos >= 0 ? ids[promptLen + pos] : -1;
        }
        return ctx;
    }

    /** Whether vLLM samples this position without the watermark (repeated or, under {@code all}, partial context). */
    public boolean skipped(int[] ids, int promptLen, int len, int[] ctx) {
        Scope scope = cfg.deduplicateContexts();
        if (scope == Scope.NONE) {
            return false;
        }
        int gen = len - promptLen;
        if (scope == Scope.ALL && gen < width) {
            return true;
        }
        int start = scope == Scope.ALL ? 0 : promptLen;
        int historyLen = len - start;
        int h = cfg.maxHistory();
        int from = h == 0 ? 0 : Math.max(0, historyLen - h);
        // History position j's preceding context: the W history tokens before j, -1 before the history start.
        outer:
        for (int j = from; j < historyLen; j++) {
            for (int k = 0; k < width; k++) {
                int pos = j + k - width;
                int tok = pos >= 0 ? ids[start + pos] : -1;
                if (tok != ctx[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private void checkSequence(int[] ids, int promptLen, int len) {
        if (len < 0 || len > ids.length || promptLen < 0 || promptLen > len) {
            throw new IllegalArgumentException("need 0 <= promptLen <= len <= ids.length, got promptLen=" + promptLen
                    + ", len=" + len + ", ids.length=" + ids.length);
        }
    }

    // ------------------------------------------------------------------ full-vocabulary step

    /**
     * Selects the next token over the full vocabulary.
     *
     * @param logits processed logits (vLLM applies temperature, penalties and top-k/top-p masking
     *               first; masked tokens are -inf). For SBW vLLM biases the raw logits before
     *               temperature: pass raw logits, or use {@link #bias} before your own sampling.
     * @param trace  counters to update, or null
     */
    public int next(int[] ids, int promptLen, int len, float[] logits, Sampler sampler, Trace trace) {
        checkSequence(ids, promptLen, len);
        if (logits.length < vocab) {
            throw new IllegalArgumentException("need " + vocab + " logits, got " + logits.length);
        }
        int[] ctx = context(ids, promptLen, len);
        boolean skip = skipped(ids, promptLen, len, ctx);
        if (skip && trace != null) {
            trace.dedupSkips++;
            if (len - promptLen < width) {
                trace.partialContextSkips++;
            }
        }
        switch (cfg.algorithm()) {
            case GUMBEL:
                return skip ? sampler.sample(logits, vocab) : gumbelArgmax(prfA.absorb(ctx, 0, width), logits);
            case DUAL_KEY_GUMBEL: {
                double alpha = cfg.alpha();
                if (alpha == 0 || alpha == 1) {
                    VllmPrf prf = alpha == 0 ? prfA : prfB;
                    return skip ? sampler.sample(logits, vocab) : gumbelArgmax(prf.absorb(ctx, 0, width), logits);
                }
                // vLLM draws the route for every row, skipped or not; a skipped row's token is the
                // ordinary sample under either key.
                boolean toB = sampler.routeToKeyB(probabilityA);
                if (trace != null) {
                    trace.routingDraws++;
                    if (toB) {
                        trace.keyBRouted++;
                        if (!skip) {
                            trace.keyBEffective++;
                        }
                    }
                }
                if (skip) {
                    return sampler.sample(logits, vocab);
                }
                return gumbelArgmax((toB ? prfB : prfA).absorb(ctx, 0, width), logits);
            }
            default: {
                float[] biased = Arrays.copyOf(logits, vocab);
                if (!skip) {
                    reweight(ctx, biased);
                }
                return sampler.sample(biased, vocab);
            }
        }
    }

    /**
     * Rewrites full-vocabulary logits in place as vLLM's logit-processing algorithms do
     * (SBW: +sbw_delta on green; red-green: +delta on green; SynthID: log of the tournament
     * distribution), unless the position is skipped. Not defined for the Gumbel algorithms
     * (they pick a token rather than reweight); see {@link VllmEmbedder#biasLogits}.
     */
    public void bias(int[] ids, int promptLen, int len, float[] logits) {
        checkSequence(ids, promptLen, len);
        int[] ctx = context(ids, promptLen, len);
        if (!skipped(ids, promptLen, len, ctx)) {
            reweight(ctx, logits);
        }
    }

    private void reweight(int[] ctx, float[] logits) {
        switch (cfg.algorithm()) {
            case SBW:
                sbwBias(ctx, logits);
                break;
            case RED_GREEN:
                redGreenBias(ctx, logits);
                break;
            case SYNTHID:
                synthIdReweight(ctx, logits);
                break;
            default:
                throw new IllegalStateException("algorithm " + cfg.algorithm().wire() + " does not reweight logits");
        }
    }

    private void sbwBias(int[] ctx, float[] logits) {
        long key = cfg.key();
        if (cfg.sbwScheme() == VllmConfig.SbwScheme.SELFHASH) {
            long[] prefix = Sbw.prefixHashes(ctx, 0, width);
            for (int v = 0; v < vocab; v++) {
                if (Sbw.green(Sbw.word(Sbw.selfhashSeed(key, prefix, v), v), sbwThreshold)) {
                    logits[v] += sbwDelta;
                }
            }
            return;
        }
        // lefthash: one seed per row, so tokens 4g..4g+3 share one Philox block
        long seed = Sbw.lefthashGeneratorSeed(key, ctx, 0, width);
        int[] block = new int[4];
        for (int t0 = 0; t0 < vocab; t0 += 4) {
            Philox4x32.block(t0 >>> 2, 0, 0, 0, (int) seed, (int) (seed >>> 32), block);
            for (int v = t0; v < Math.min(vocab, t0 + 4); v++) {
                if (Sbw.green(block[v & 3], sbwThreshold)) {
                    logits[v] += sbwDelta;
                }
            }
        }
    }

    private void redGreenBias(int[] ctx, float[] logits) {
        int[] w = wordScratch.get();
        prfA.absorb(ctx, 0, width).words(vocab, w);
        for (int v = 0; v < vocab; v++) {
            if (VllmPrf.uniform(w[v]) < rgGamma) {
                logits[v] += rgDelta;
            }
        }
    }

    private void synthIdReweight(int[] ctx, float[] logits) {
        int[] w = wordScratch.get();
        prfA.absorb(ctx, 0, width).words(vocab, w);
        synthIdReweight(w, logits, vocab, cfg.depth());
    }

    /** SynthID tournament reweighting in float32: softmax, then p ← p·(1 + g − Σ g·p) per layer, then ln p. */
    static void synthIdReweight(int[] words, float[] logits, int n, int depth) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (logits[i] > max) {
                max = logits[i];
            }
        }
        float[] p = new float[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            p[i] = (float) Math.exp(logits[i] - max);
            total += p[i];
        }
        float z = (float) total;
        for (int i = 0; i < n; i++) {
            p[i] /= z;
        }
        for (int layer = 0; layer < depth; layer++) {
            double mass = 0;
            for (int i = 0; i < n; i++) {
                if ((words[i] >>> layer & 1) != 0) {
                    mass += p[i];
                }
            }
            float m = (float) mass;
            for (int i = 0; i < n; i++) {
                float g = words[i] >>> layer & 1;
                p[i] = p[i] * ((1f + g) - m);
            }
        }
        for (int i = 0; i < n; i++) {
            float l = (float) Math.log(p[i]);
            logits[i] = Float.isFinite(l) ? l : -Float.MAX_VALUE;
        }
    }

    // ------------------------------------------------------------------ Gumbel-max

    /**
     * argmax_v (logit_v + G_v) in float32, ties to the lowest id, NaN treated as -inf (as the
     * GPU kernel does). Groups of four tokens whose best logit plus the largest possible noise
     * cannot reach the running best are skipped without a PRF call, and tokens whose logit plus
     * their bucket's noise bound cannot reach it without a logarithm; float addition is
     * monotone, so the result equals the exhaustive argmax.
     */
    int gumbelArgmax(VllmPrf.Context c, float[] logits) {
        int seed = -1;
        for (int v = 0; v < vocab; v++) {
            float l = logits[v];
            if (l == l && (seed < 0 || l > logits[seed])) {
                seed = v;
            }
        }
        if (seed < 0 || logits[seed] == Float.NEGATIVE_INFINITY) {
            return 0; // every logit masked: torch's argmax of an all -inf row is index 0
        }
        float best = logits[seed] + noise(c.word(seed));
        int bestIdx = seed;
        int[] block = new int[4];
        VllmPrf.PhiloxContext pc = c instanceof VllmPrf.PhiloxContext ? (VllmPrf.PhiloxContext) c : null;
        for (int g = 0; g * 4 < vocab; g++) {
            int t0 = g * 4;
            int t1 = Math.min(vocab, t0 + 4);
            float groupMax = Float.NEGATIVE_INFINITY;
            for (int t = t0; t < t1; t++) {
                if (logits[t] > groupMax) {
                    groupMax = logits[t];
                }
            }
            if (groupMax + NOISE_MAX < best) {
                continue;
            }
            if (pc != null) {
                pc.group(g, block);
            } else {
                for (int t = t0; t < t1; t++) {
                    block[t - t0] = c.word(t);
                }
            }
            for (int t = t0; t < t1; t++) {
                float l = logits[t];
                if (!(l > Float.NEGATIVE_INFINITY)) {
                    continue; // -inf or NaN
                }
                int w = block[t - t0];
                if (l + BUCKET_MAX[w >>> 24] < best) {
                    continue;
                }
                float sc = l + noise(w);
                if (sc > best || (sc == best && t < bestIdx)) {
                    best = sc;
                    bestIdx = t;
                }
            }
        }
        return bestIdx;
    }

    /** Exhaustive argmax without pruning (reference for tests). */
    int gumbelArgmaxNaive(VllmPrf.Context c, float[] logits) {
        int[] w = new int[vocab];
        c.words(vocab, w);
        float best = Float.NEGATIVE_INFINITY;
        int bestIdx = 0;
        for (int v = 0; v < vocab; v++) {
            float l = logits[v];
            if (!(l > Float.NEGATIVE_INFINITY)) {
                continue;
            }
            float sc = l + noise(w[v]);
            if (sc > best) {
                best = sc;
                bestIdx = v;
            }
        }
        return bestIdx;
    }

    // ------------------------------------------------------------------ candidate form

    /**
     * Selects among candidates (e.g. after top-k/top-p): {@code logits[i]} belongs to token
     * {@code candidates[i]}. Equivalent to vLLM with every other token masked to -inf (Gumbel
     * ties go to the lowest token id). For SBW vLLM applies the bias before top-k/top-p, so the
     * candidate set itself may differ from vLLM's; this form biases the given candidates.
     *
     * @return the chosen token id
     */
    public int nextAmong(int[] ids, int promptLen, int len, int[] candidates, float[] logits, int n, Sampler sampler,
                         Trace trace) {
        checkSequence(ids, promptLen, len);
        if (n < 1 || n > candidates.length || n > logits.length) {
            throw new IllegalArgumentException("need 1 <= n <= candidates/logits length, got n=" + n);
        }
        for (int i = 0; i < n; i++) {
            if (candidates[i] < 0 || candidates[i] >= vocab) {
                throw new IllegalArgumentException("candidate " + i + " is token " + candidates[i] + ", outside 0.." + (vocab - 1));
            }
        }
        int[] ctx = context(ids, promptLen, len);
        boolean skip = skipped(ids, promptLen, len, ctx);
        if (skip && trace != null) {
            trace.dedupSkips++;
            if (len - promptLen < width) {
                trace.partialContextSkips++;
            }
        }
        switch (cfg.algorithm()) {
            case GUMBEL:
                return skip ? candidates[sampler.sample(logits, n)]
                        : gumbelAmong(prfA.absorb(ctx, 0, width), candidates, logits, n);
            case DUAL_KEY_GUMBEL: {
                double alpha = cfg.alpha();
                if (alpha == 0 || alpha == 1) {
                    VllmPrf prf = alpha == 0 ? prfA : prfB;
                    return skip ? candidates[sampler.sample(logits, n)]
                            : gumbelAmong(prf.absorb(ctx, 0, width), candidates, logits, n);
                }
                boolean toB = sampler.routeToKeyB(probabilityA);
                if (trace != null) {
                    trace.routingDraws++;
                    if (toB) {
                        trace.keyBRouted++;
                        if (!skip) {
                            trace.keyBEffective++;
                        }
                    }
                }
                return skip ? candidates[sampler.sample(logits, n)]
                        : gumbelAmong((toB ? prfB : prfA).absorb(ctx, 0, width), candidates, logits, n);
            }
            default: {
                float[] biased = Arrays.copyOf(logits, n);
                if (!skip) {
                    reweightAmong(ctx, candidates, biased, n);
                }
                return candidates[sampler.sample(biased, n)];
            }
        }
    }

    private int gumbelAmong(VllmPrf.Context c, int[] candidates, float[] logits, int n) {
        float best = Float.NEGATIVE_INFINITY;
        int bestTok = -1;
        for (int i = 0; i < n; i++) {
            float l = logits[i];
            if (!(l > Float.NEGATIVE_INFINITY)) {
                continue;
            }
            float sc = l + noise(c.word(candidates[i]));
            if (bestTok < 0 || sc > best || (sc == best && candidates[i] < bestTok)) {
                best = sc;
                bestTok = candidates[i];
            }
        }
        if (bestTok < 0) {
            throw new IllegalArgumentException("every candidate logit is -inf or NaN");
        }
        return bestTok;
    }

    private void reweightAmong(int[] ctx, int[] candidates, float[] logits, int n) {
        switch (cfg.algorithm()) {
            case SBW: {
                long key = cfg.key();
                boolean self = cfg.sbwScheme() == VllmConfig.SbwScheme.SELFHASH;
                long rowSeed = self ? 0 : Sbw.lefthashGeneratorSeed(key, ctx, 0, width);
                for (int i = 0; i < n; i++) {
                    int v = candidates[i];
                    long seed = self ? Sbw.selfhashSeed(key, ctx, 0, width, v) : rowSeed;
                    if (Sbw.green(Sbw.word(seed, v), sbwThreshold)) {
                        logits[i] += sbwDelta;
                    }
                }
                break;
            }
            case RED_GREEN: {
                VllmPrf.Context c = prfA.absorb(ctx, 0, width);
                for (int i = 0; i < n; i++) {
                    if (VllmPrf.uniform(c.word(candidates[i])) < rgGamma) {
                        logits[i] += rgDelta;
                    }
                }
                break;
            }
            case SYNTHID: {
                VllmPrf.Context c = prfA.absorb(ctx, 0, width);
                int[] w = new int[n];
                for (int i = 0; i < n; i++) {
                    w[i] = c.word(candidates[i]);
                }
                synthIdReweight(w, logits, n, cfg.depth());
                break;
            }
            default:
                throw new IllegalStateException("algorithm " + cfg.algorithm().wire() + " does not reweight logits");
        }
    }

    /** The Gumbel-max token(s) of a position, for {@link VllmEmbedder#biasLogits}: {key A token, key B token} (equal for one key). */
    int[] gumbelTokens(int[] ids, int promptLen, int len, float[] logits) {
        int[] ctx = context(ids, promptLen, len);
        if (cfg.algorithm() == Algorithm.GUMBEL) {
            int t = gumbelArgmax(prfA.absorb(ctx, 0, width), logits);
            return new int[] {t, t};
        }
        return new int[] {gumbelArgmax(prfA.absorb(ctx, 0, width), logits), gumbelArgmax(prfB.absorb(ctx, 0, width), logits)};
    }

    boolean skippedAt(int[] ids, int promptLen, int len) {
        checkSequence(ids, promptLen, len);
        return skipped(ids, promptLen, len, context(ids, promptLen, len));
    }

    @Override
    public String toString() {
        return "VllmGenerator[" + cfg + "]";
    }
}
