package io.provmark.core.compat.synthid;

import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Sampling;
import java.util.Arrays;

/**
 * Upstream's SynthID logits processor as a stateless embed hook. Upstream keeps per-generation
 * state: the context starts as {@code ngram_len - 1} zeros and is shifted by each generated id
 * (the prompt never enters it), and every watermarked call pushes its context hash into a history
 * of {@code context_history_size} hashes that starts as zeros; a call whose context hash is in
 * the history leaves the scores unchanged. Here that state is rebuilt from
 * {@code ids[promptLength..len)} at every step, so each call is a pure function of its inputs.
 *
 * <p>The watermark itself ({@code update_scores}): {@code p = softmax(scores)}, then for each layer
 * {@code p *= 1 + g - E_p[g]} (two leaves; DeepMind's {@code update_scores_distortionary} for
 * other leaf counts), computed in float64 where upstream uses float32, so probabilities agree with
 * upstream to float32 rounding, not bit for bit.
 */
final class SynthIdEmbedder implements Embedder {

    /**
     * @param skipFirstNgramCalls leave the first {@code ngram_len - 1} calls unwatermarked (and unrecorded)
     * @param debugMode           HF: replace the scores by ones first
     * @param temperature         DeepMind: divide the logits by this first; NaN for none (HF)
     * @param topK                DeepMind: keep only the top k (0 = keep all)
     * @param numLeaves           tournament leaves (2 = upstream's {@code update_scores})
     * @param zeroProbLogit       what upstream writes for log(0): HF float32 min, DeepMind -1e12
     */
    record Params(boolean skipFirstNgramCalls, boolean debugMode, double temperature, int topK, int numLeaves,
                  float zeroProbLogit) {
    }

    /**
     * The processor state at the call that picks {@code ids[len]}.
     *
     * @param context  the {@code ngram_len - 1} context ids (zero-padded generated ids)
     * @param skipped  skip_first_ngram_calls returned the scores unchanged
     * @param repeated the context hash was in the history: scores unchanged
     */
    record StepState(long[] context, boolean skipped, boolean repeated) {
        boolean watermarked() {
            return !skipped && !repeated;
        }
    }

    private final SynthIdAlgorithm alg;
    private final int vocab;
    private final int promptLength;
    private final Params params;
    private final ThreadLocal<Scratch> scratch;

    SynthIdEmbedder(SynthIdAlgorithm alg, int vocab, int promptLength, Params params) {
        if (promptLength < 0) {
            throw new IllegalArgumentException("promptLength must be >= 0, got " + promptLength);
        }
        this.alg = alg;
        this.vocab = vocab;
        this.promptLength = promptLength;
        this.params = params;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(vocab));
    }

    private static final class Scratch {
        final int[] ids;
        final double[] scores;
        final double[] p;
        final long[] ngram;
        final byte[] g;
        final double[] mass = new double[1 << CHUNK_BITS];
        final double[] factor = new double[1 << CHUNK_BITS];

        Scratch(int vocab) {
            ids = new int[vocab];
            scores = new double[vocab];
            p = new double[vocab];
            ngram = new long[vocab]; // g-words (depth <= 64) or ngram hashes
            g = new byte[vocab];
        }
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    int promptLength() {
        return promptLength;
    }

    // ---------------------------------------------------------------- state

    StepState state(int[] ids, int len) {
        int generated = len - promptLength;
        if (generated < 0) {
            throw new IllegalArgumentException("len " + len + " is shorter than the prompt (" + promptLength + ")");
        }
        int n1 = alg.ngramLen() - 1;
        long[] ctx = new long[n1];
        for (int i = 0; i < n1; i++) {
            int g = generated - n1 + i;
            ctx[i] = g < 0 ? 0 : ids[promptLength + g];
        }
        int call = generated + 1; // upstream's num_calls after its increment
        if (params.skipFirstNgramCalls() && call < alg.ngramLen()) {
            return new StepState(ctx, true, false);
        }
        long h = alg.contextHashOf(ctx);
        int size = alg.contextHistorySize();
        boolean repeated = false;
        if (size > 0) {
            int firstPush = params.skipFirstNgramCalls() ? alg.ngramLen() - 1 : 0; // 0-based calls that pushed
            int pushes = Math.max(0, generated - firstPush);
            repeated = pushes < size && h == 0L; // the initial zeros are still in the window
            for (int k = Math.max(firstPush, generated - size); k < generated && !repeated; k++) {
                repeated = contextHashAtCall(ids, k) == h;
            }
        }
        return new StepState(ctx, false, repeated);
    }

    /** Context hash used by 0-based call k: zero-padded generated ids [k - n1, k). */
    private long contextHashAtCall(int[] ids, int k) {
        int n1 = alg.ngramLen() - 1;
        long h = alg.initialHash();
        for (int i = k - n1; i < k; i++) {
            h = SynthIdHash.step(h, i < 0 ? 0 : ids[promptLength + i]);
        }
        return h;
    }

    // ---------------------------------------------------------------- distribution

    /**
     * Fills {@code s.ids[0..k)} and {@code s.p[0..k)} with the candidates upstream keeps and their
     * final probabilities; returns k. {@code candidates == null} means the full vocabulary.
     */
    private int distribution(int[] ids, int len, int[] candidates, float[] logits, int n, Scratch s, StepState st) {
        int k = select(candidates, logits, n, s);
        softmax(s.scores, k, s.p);
        if (st.watermarked()) {
            long h = alg.contextHashOf(st.context());
            tournament(h, s, k);
        }
        return k;
    }

    /** Candidate ids and (debug / temperature / top-k processed) scores into the scratch. */
    private int select(int[] candidates, float[] logits, int n, Scratch s) {
        for (int i = 0; i < n; i++) {
            s.ids[i] = candidates == null ? i : candidates[i];
            double x = params.debugMode() ? 1.0 : logits[i];
            if (!Double.isNaN(params.temperature())) {
                x = (float) (x / params.temperature());
            }
            s.scores[i] = x;
        }
        int k = n;
        if (params.topK() > 0 && params.topK() < n) {
            k = params.topK();
            topK(s, n, k);
        }
        return k;
    }

    /**
     * Keeps the k highest scores in descending order (ties: lower position first), with a size-k
     * min-heap: O(n log k) instead of a full sort of the vocabulary.
     */
    static void topK(Scratch s, int n, int k) {
        int[] heap = new int[k]; // positions; heap[0] = the weakest kept
        double[] sc = s.scores;
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (size < k) {
                heap[size] = i;
                siftUp(heap, size++, sc);
            } else if (weaker(heap[0], i, sc)) {
                heap[0] = i;
                siftDown(heap, size, sc);
            }
        }
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = heap[i];
        }
        java.util.Arrays.sort(order, (a, b) -> weaker(a, b, sc) ? 1 : weaker(b, a, sc) ? -1 : 0);
        int[] ids = new int[k];
        double[] scores = new double[k];
        for (int i = 0; i < k; i++) {
            ids[i] = s.ids[order[i]];
            scores[i] = sc[order[i]];
        }
        System.arraycopy(ids, 0, s.ids, 0, k);
        System.arraycopy(scores, 0, s.scores, 0, k);
    }

    /** Whether position a ranks below position b (lower score, or equal score and later position). */
    private static boolean weaker(int a, int b, double[] sc) {
        int c = Double.compare(sc[a], sc[b]);
        return c < 0 || (c == 0 && a > b);
    }

    private static void siftUp(int[] h, int i, double[] sc) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!weaker(h[i], h[parent], sc)) {
                break;
            }
            int t = h[i];
            h[i] = h[parent];
            h[parent] = t;
            i = parent;
        }
    }

    private static void siftDown(int[] h, int size, double[] sc) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                break;
            }
            int m = l + 1 < size && weaker(h[l + 1], h[l], sc) ? l + 1 : l;
            if (!weaker(h[m], h[i], sc)) {
                break;
            }
            int t = h[i];
            h[i] = h[m];
            h[m] = t;
            i = m;
        }
    }

    private static void softmax(double[] x, int n, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            throw new IllegalArgumentException("logits have no finite maximum");
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(x[i] - max);
            p[i] = e;
            total += e;
        }
        double inv = 1.0 / total;
        for (int i = 0; i < n; i++) {
            p[i] *= inv;
        }
    }

    /** Layers are applied in chunks of this many: within a chunk a token's factor depends on its 8 g-bits only. */
    static final int CHUNK_BITS = 8;

    /**
     * update_scores (or update_scores_distortionary) on s.p[0..k) for candidates s.ids. With
     * depth <= 64 the g-values of a candidate are one word; each chunk of 8 layers then runs on the
     * mass of the 256 g-patterns and scales every token once (same arithmetic up to
     * reassociation), so a step costs one hash per candidate plus about depth/4 passes.
     */
    private void tournament(long contextHash, Scratch s, int k) {
        double[] p = s.p;
        int depth = alg.depth();
        if (depth > SynthIdAlgorithm.WORD_DEPTH) {
            tournamentByLayer(contextHash, s, k);
            return;
        }
        long[] words = s.ngram;
        alg.gWords(contextHash, s.ids, k, words);
        double[] mass = s.mass;
        double[] factor = s.factor;
        for (int lo = 0; lo < depth; lo += CHUNK_BITS) {
            int bits = Math.min(CHUNK_BITS, depth - lo);
            int buckets = 1 << bits;
            int mask = buckets - 1;
            Arrays.fill(mass, 0, buckets, 0.0);
            for (int i = 0; i < k; i++) {
                mass[(int) (words[i] >>> lo) & mask] += p[i];
            }
            Arrays.fill(factor, 0, buckets, 1.0);
            for (int j = 0; j < bits; j++) {
                double m = 0;
                double total = 0;
                for (int b = 0; b < buckets; b++) {
                    total += mass[b];
                    if (((b >>> j) & 1) != 0) {
                        m += mass[b];
                    }
                }
                m /= total; // the pattern masses sum to 1 up to rounding
                double fOut = layerFactor(m, false);
                double fIn = layerFactor(m, true);
                for (int b = 0; b < buckets; b++) {
                    double f = ((b >>> j) & 1) != 0 ? fIn : fOut;
                    mass[b] *= f;
                    factor[b] *= f;
                }
            }
            for (int i = 0; i < k; i++) {
                p[i] *= factor[(int) (words[i] >>> lo) & mask];
            }
        }
    }

    /** One layer's factor for tokens with g = 1 ({@code in}) or g = 0, given the layer's g-mass m. */
    private double layerFactor(double m, boolean in) {
        int leaves = params.numLeaves();
        if (leaves == 2) {
            return in ? 2 - m : 1 - m; // 1 + g - m
        }
        if (in) {
            // (1 - (1-m)^N) / m; with m = 0 no token with g = 1 has mass, so any finite value does
            return m > 0 ? (1 - Math.pow(1 - m, leaves)) / m : 0.0;
        }
        return Math.pow(1 - m, leaves - 1);
    }

    /** The plain per-layer loop, for depth above 64. */
    private void tournamentByLayer(long contextHash, Scratch s, int k) {
        long[] ngram = s.ngram;
        for (int i = 0; i < k; i++) {
            ngram[i] = SynthIdHash.step(contextHash, s.ids[i]);
        }
        double[] p = s.p;
        byte[] g = s.g;
        for (int d = 0; d < alg.depth(); d++) {
            alg.layerG(ngram, k, d, g);
            double mass = 0;
            for (int i = 0; i < k; i++) {
                mass += g[i] * p[i];
            }
            double fOut = layerFactor(mass, false);
            double fIn = layerFactor(mass, true);
            for (int i = 0; i < k; i++) {
                p[i] *= g[i] != 0 ? fIn : fOut;
            }
        }
    }

    // ---------------------------------------------------------------- Embedder

    private void check(int[] ids, int len) {
        if (ids == null || len < 0 || len > ids.length) {
            throw new IllegalArgumentException("need 0 <= len <= ids.length");
        }
        for (int i = promptLength; i < len; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    @Override
    public int step(int[] ids, int len, float[] logits, double r) {
        check(ids, len);
        Sampling.checkUniform(r);
        if (logits.length < vocab) {
            throw new IllegalArgumentException("logits must have vocabSize=" + vocab + " entries, got " + logits.length);
        }
        Scratch s = scratch.get();
        int k = distribution(ids, len, null, logits, vocab, s, state(ids, len));
        return s.ids[Sampling.sampleWeights(s.p, k, r)];
    }

    @Override
    public int step(int[] ids, int len, int[] candidates, float[] logits, int n, double r) {
        check(ids, len);
        Sampling.checkUniform(r);
        if (n < 1 || n > candidates.length || n > logits.length || n > vocab) {
            throw new IllegalArgumentException("need 1 <= n <= candidates/logits length and <= vocab, got n=" + n);
        }
        for (int i = 0; i < n; i++) {
            if (candidates[i] < 0 || candidates[i] >= vocab) {
                throw new IllegalArgumentException("candidate " + candidates[i] + " at index " + i + " is outside the vocabulary");
            }
        }
        Scratch s = scratch.get();
        int k = distribution(ids, len, candidates, logits, n, s, state(ids, len));
        return s.ids[Sampling.sampleWeights(s.p, k, r)];
    }

    /**
     * Rewrites the logits as upstream's processor output would make them: the log of the
     * watermarked distribution (zero probabilities as upstream's finite floor), or the unchanged
     * (HF: ones in debug mode; DeepMind: tempered top-k) scores on skipped or repeated calls;
     * DeepMind's dropped (non-top-k) ids get -infinity.
     */
    @Override
    public void biasLogits(int[] ids, int len, float[] logits) {
        check(ids, len);
        if (logits.length < vocab) {
            throw new IllegalArgumentException("logits must have vocabSize=" + vocab + " entries, got " + logits.length);
        }
        StepState st = state(ids, len);
        boolean hf = Double.isNaN(params.temperature());
        if (hf && !st.watermarked()) {
            if (params.debugMode()) {
                Arrays.fill(logits, 0, vocab, 1.0f);
            }
            return;
        }
        Scratch s = scratch.get();
        int k = distribution(ids, len, null, logits, vocab, s, st);
        if (k < vocab) {
            Arrays.fill(logits, 0, vocab, Float.NEGATIVE_INFINITY);
        }
        for (int i = 0; i < k; i++) {
            float v;
            if (st.watermarked()) {
                v = s.p[i] > 0 ? (float) Math.log(s.p[i]) : params.zeroProbLogit();
            } else {
                v = (float) s.scores[i];
            }
            logits[s.ids[i]] = v;
        }
    }

    @Override
    public String toString() {
        return "SynthIdEmbedder[" + alg + ", prompt=" + promptLength + "]";
    }
}
