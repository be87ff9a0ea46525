package io.provmark.corpora.eval;

import io.provmark.core.lm.Generator;
import io.provmark.core.lm.NextTokenModel;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Sampling;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Autoregressive sampling with temperature and top-k, the watermark applied on the truncated candidate set
 * exactly as {@code provmark generate --top-k K} does: logits divided by the temperature, the K largest kept
 * (most likely first, ties by lower id), then {@code Embedder.step} with the candidates, or plain softmax
 * sampling among them without an embedder. With top-k 0 the whole vocabulary is used
 * ({@link Generator}). Seeded: one seed gives one output. Thread-safe (buffers are per call).
 */
public final class Sampler {
    private final NextTokenModel model;
    private final double temperature;
    private final int topK;

    public Sampler(NextTokenModel model, double temperature, int topK) {
        if (!(temperature > 0 && temperature <= 100)) {
            throw new IllegalArgumentException("temperature must be in (0, 100], got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
        }
        this.model = model;
        this.temperature = temperature;
        this.topK = topK;
    }

    /** {@code n} tokens after {@code prompt}; embedder null means no watermark. */
    public int[] generate(Embedder embedder, int[] prompt, int n, long seed) {
        int v = model.vocabSize();
        if (topK == 0 || topK >= v) {
            return new Generator(model, temperature).generate(embedder, prompt, n, seed);
        }
        if (embedder != null && embedder.vocabSize() != v) {
            throw new IllegalArgumentException("embedder vocab " + embedder.vocabSize() + " != model vocab " + v);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] ids = Arrays.copyOf(prompt, prompt.length + n);
        int len = prompt.length;
        float[] logits = new float[v];
        int[] cand = new int[topK];
        float[] candLogits = new float[topK];
        float invT = (float) (1.0 / temperature);
        for (int step = 0; step < n; step++) {
            model.logits(ids, len, logits);
            topK(logits, v, topK, cand, candLogits);
            if (temperature != 1.0) {
                for (int i = 0; i < topK; i++) {
                    candLogits[i] *= invT;
                }
            }
            double r = rnd.nextDouble();
            int next = embedder != null ? embedder.step(ids, len, cand, candLogits, topK, r)
                    : cand[Sampling.sampleSoftmax(candLogits, topK, r)];
            ids[len++] = next;
        }
        return Arrays.copyOfRange(ids, prompt.length, len);
    }

    /** Is (a, ia) ranked before (b, ib): larger logit, ties by lower id. */
    private static boolean before(float a, int ia, float b, int ib) {
        return a > b || (a == b && ia < ib);
    }

    /**
     * The k best ids of {@code logits[0..v)} into {@code cand}, most likely first (ties: lower id first), and
     * their logits into {@code candLogits}. A size-k heap whose root is the worst kept entry: O(v log k).
     */
    static void topK(float[] logits, int v, int k, int[] cand, float[] candLogits) {
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
