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
    private final int[] neverSample;

    public Generator(NextTokenModel model, double temperature) {
        this(model, temperature, new int[0]);
    }

    /**
     * @param neverSample ids given logit -infinity at every step: ids the tokenizer has no token for
     *                    ({@link io.provmark.core.text.TextTokenizer#hasToken}), e.g. cl100k_base's gaps
     */
    public Generator(NextTokenModel model, double temperature, int[] neverSample) {
        if (!(temperature > 0 && temperature <= 100)) {
            throw new IllegalArgumentException("temperature must be in (0, 100], got " + temperature);
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
    }

    /** The ids of {@code 0..vocabSize-1} that {@code tokenizer} has no token for. */
    public static int[] idsWithoutToken(io.provmark.core.text.TextTokenizer tokenizer, int vocabSize) {
        return java.util.stream.IntStream.range(0, vocabSize).filter(i -> !tokenizer.hasToken(i)).toArray();
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
            for (int i : neverSample) {
                logits[i] = Float.NEGATIVE_INFINITY;
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
