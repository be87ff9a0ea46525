package io.provmark.core.lm;

import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Sampling;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Autoregressive generation through an embed hook, with the sampling controls serving stacks have: the
 * model gives logits, temperature divides them, ids without a token are masked, top-k then top-p keep the
 * most likely candidates (ties: lower id first), and the embedder picks the token — over the whole
 * vocabulary without truncation, over the candidate set with it (the watermark is applied after
 * truncation). Seeded: the same seed gives the same text.
 */
public final class Generator {
    private final NextTokenModel model;
    private final double temperature;
    private final int[] neverSample;
    private final int topK;
    private final double topP;

    public Generator(NextTokenModel model, double temperature) {
        this(model, temperature, new int[0]);
    }

    public Generator(NextTokenModel model, double temperature, int[] neverSample) {
        this(model, temperature, neverSample, 0, 1.0);
    }

    /**
     * @param neverSample ids given logit -infinity at every step: ids the tokenizer has no token for
     *                    ({@link io.provmark.core.text.TextTokenizer#hasToken}), e.g. cl100k_base's gaps
     * @param topK        keep the k most likely ids (0: off)
     * @param topP        then keep the smallest prefix whose softmax mass reaches p (1: off)
     */
    public Generator(NextTokenModel model, double temperature, int[] neverSample, int topK, double topP) {
        if (!(temperature > 0 && temperature <= 100)) {
            throw new IllegalArgumentException("temperature must be in (0, 100], got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        for (int id : neverSample) {
            if (id < 0 || id >= model.vocabSize()) {
                throw new IllegalArgumentException("neverSample id " + id + " is outside 0.." + (model.vocabSize() - 1));
            }
        }
        if (neverSample.length >= model.vocabSize()) {
            throw new IllegalArgumentException("neverSample leaves no id to sample");
        }
        this.model = model;
        this.temperature = temperature;
        this.neverSample = neverSample.clone();
        this.topK = topK;
        this.topP = topP;
    }

    /** The ids of {@code 0..vocabSize-1} that {@code tokenizer} has no token for. */
    public static int[] idsWithoutToken(io.provmark.core.text.TextTokenizer tokenizer, int vocabSize) {
        return java.util.stream.IntStream.range(0, vocabSize).filter(i -> !tokenizer.hasToken(i)).toArray();
    }

    /** Generates {@code maxTokens} tokens after {@code prompt}; embedder null means no watermark. */
    public int[] generate(Embedder embedder, int[] prompt, int maxTokens, long seed) {
        return generate(embedder, prompt, maxTokens, new SplittableRandom(seed), -1);
    }

    /**
     * Generates up to {@code maxTokens} tokens after {@code prompt}, stopping after {@code eosId} (-1: none);
     * one uniform of {@code rnd} per step. Embedder null means no watermark.
     */
    public int[] generate(Embedder embedder, int[] prompt, int maxTokens, SplittableRandom rnd, int eosId) {
        int v = model.vocabSize();
        if (embedder != null && embedder.vocabSize() != v) {
            throw new IllegalArgumentException("embedder vocab " + embedder.vocabSize() + " != model vocab " + v);
        }
        int[] ids = Arrays.copyOf(prompt, prompt.length + maxTokens);
        int len = prompt.length;
        float[] logits = new float[v];
        boolean truncate = (topK > 0 && topK < v) || topP < 1;
        long[] order = truncate && !(topK > 0 && topK < v) ? new long[v] : null;
        int[] cand = truncate ? new int[v] : null;
        float[] candLogits = truncate ? new float[v] : null;
        float invT = (float) (1.0 / temperature);
        for (int k = 0; k < maxTokens; k++) {
            model.logits(ids, len, logits);
            if (temperature != 1.0) {
                for (int i = 0; i < v; i++) {
                    logits[i] *= invT;
                }
            }
            for (int i : neverSample) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
            double r = rnd.nextDouble();
            int next;
            if (!truncate) {
                next = embedder == null ? Sampling.sampleSoftmax(logits, v, r) : embedder.step(ids, len, logits, r);
            } else {
                int n = truncate(logits, v, topK, topP, order, cand, candLogits);
                next = embedder == null ? cand[Sampling.sampleSoftmax(candLogits, n, r)]
                        : embedder.step(ids, len, cand, candLogits, n, r);
            }
            ids[len++] = next;
            if (eosId >= 0 && next == eosId) {
                break;
            }
        }
        return Arrays.copyOfRange(ids, prompt.length, len);
    }

    /**
     * Top-k then top-p on {@code logits[0..v)}: the candidates, most likely first (ties: lower id first), into
     * {@code cand} / {@code candLogits}; returns their count. Top-k alone (k &lt; v) uses a size-k heap, O(v log k);
     * otherwise the whole vocabulary is sorted through {@code order} (length &ge; v; unused with top-k).
     */
    public static int truncate(float[] logits, int v, int topK, double topP, long[] order, int[] cand, float[] candLogits) {
        int n;
        if (topK > 0 && topK < v) {
            topK(logits, v, topK, cand, candLogits);
            n = topK;
        } else {
            for (int i = 0; i < v; i++) {
                int b = Float.floatToIntBits(logits[i]);
                b ^= (b >> 31) & 0x7fffffff; // signed-int order equals float order
                order[i] = ((long) ~b << 32) | i; // ~b: ascending sort gives the largest logit first
            }
            Arrays.sort(order, 0, v);
            for (int i = 0; i < v; i++) {
                cand[i] = (int) order[i];
                candLogits[i] = logits[cand[i]];
            }
            n = v;
        }
        if (topP < 1) {
            double max = candLogits[0];
            double z = 0;
            for (int i = 0; i < n; i++) {
                z += Math.exp(candLogits[i] - max);
            }
            double cum = 0;
            for (int i = 0; i < n; i++) {
                cum += Math.exp(candLogits[i] - max) / z;
                if (cum >= topP) {
                    return i + 1;
                }
            }
        }
        return n;
    }

    /** Is (a, ia) ranked before (b, ib): larger logit, ties by lower id. */
    private static boolean before(float a, int ia, float b, int ib) {
        return a > b || (a == b && ia < ib);
    }

    /**
     * The k best ids of {@code logits[0..v)} into {@code cand}, most likely first (ties: lower id first), and
     * their logits into {@code candLogits}. A size-k heap whose root is the worst kept entry: O(v log k).
     */
    public static void topK(float[] logits, int v, int k, int[] cand, float[] candLogits) {
        int size = 0;
        for (int i = 0; i < v; i++) {
            float x = logits[i];
            if (size < k) {
                // sift up: the root stays the worst
                int c = size++;
                while (c > 0) {
                    int p = (c - 1) / 2;
                    if (!before(candLogits[p], cand[p], x, i)) {
                        break;
                    }
                    cand[c] = cand[p];
                    candLogits[c] = candLogits[p];
                    c = p;
                }
                cand[c] = i;
                candLogits[c] = x;
            } else if (before(x, i, candLogits[0], cand[0])) {
                int c = 0;
                while (true) {
                    int l = 2 * c + 1;
                    if (l >= k) {
                        break;
                    }
                    int w = l;
                    if (l + 1 < k && before(candLogits[w], cand[w], candLogits[l + 1], cand[l + 1])) {
                        w = l + 1; // the worse child
                    }
                    if (!before(x, i, candLogits[w], cand[w])) {
                        break;
                    }
                    cand[c] = cand[w];
                    candLogits[c] = candLogits[w];
                    c = w;
                }
                cand[c] = i;
                candLogits[c] = x;
            }
        }
        // heap -> sorted, best first (k is small: insertion sort)
        for (int a = 1; a < size; a++) {
            int id = cand[a];
            float x = candLogits[a];
            int b = a - 1;
            while (b >= 0 && before(x, id, candLogits[b], cand[b])) {
                cand[b + 1] = cand[b];
                candLogits[b + 1] = candLogits[b];
                b--;
            }
            cand[b + 1] = id;
            candLogits[b + 1] = x;
        }
    }
}
