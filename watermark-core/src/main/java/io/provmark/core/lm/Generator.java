package io.provmark.core.lm;

import io.provmark.core.scheme.Embedder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Autoregressive generation through an embed hook: the model gives logits, temperature divides
 * them, the embedder picks the token. Seeded: the same seed gives the same text.
 */
public final class Generator {
    private final NextTokenModel model;
    private final double temperature;

    public Generator(NextTokenModel model, double temperature) {
        if (!(temperature > 0 && temperature <= 100)) {
            throw new IllegalArgumentException("temperature must be in (0, 100], got " + temperature);
        }
        this.model = model;
        this.temperature = temperature;
    }

    /** Generates {@code maxTokens} tokens after {@code prompt}; embedder null means no watermark. */
    public int[] generate(Embedder embedder, int[] prompt, int maxTokens, long seed) {
        int v = model.vocabSize();
        if (embedder != null && embedder.vocabSize() != v) {
            throw new IllegalArgumentException("embedder vocab " + embedder.vocabSize() + " != model vocab " + v);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] ids = Arrays.copyOf(prompt, prompt.length + maxTokens);
        int len = prompt.length;
        float[] logits = new float[v];
        float invT = (float) (1.0 / temperature);
        for (int k = 0; k < maxTokens; k++) {
            model.logits(ids, len, logits);
            if (temperature != 1.0) {
                for (int i = 0; i < v; i++) {
                    logits[i] *= invT;
                }
            }
            double r = rnd.nextDouble();
            int next = embedder == null
                    ? io.provmark.core.scheme.Sampling.sampleSoftmax(logits, v, r)
                    : embedder.step(ids, len, logits, r);
            ids[len++] = next;
        }
        return Arrays.copyOfRange(ids, prompt.length, len);
    }
}
