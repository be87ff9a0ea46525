package io.provmark.corpora.eval;

import io.provmark.core.lm.Generator;
import io.provmark.core.lm.NextTokenModel;
import io.provmark.core.scheme.Embedder;

/**
 * Autoregressive sampling with temperature and top-k for the evaluation: core {@link Generator}, the same
 * truncation and watermark placement as {@code provmark generate --top-k K}. Seeded: one seed gives one
 * output. Thread-safe (buffers are per call).
 */
public final class Sampler {
    private final Generator generator;

    /** Validated by {@link Generator}: temperature in (0, 100], top-k &ge; 0 (0 = off). */
    public Sampler(NextTokenModel model, double temperature, int topK) {
        this.generator = new Generator(model, temperature, new int[0], topK, 1.0);
    }

    /** {@code n} tokens after {@code prompt}; embedder null means no watermark. */
    public int[] generate(Embedder embedder, int[] prompt, int n, long seed) {
        return generator.generate(embedder, prompt, n, seed);
    }

    /** The k best ids, most likely first (ties: lower id first): {@link Generator#topK}. */
    static void topK(float[] logits, int v, int k, int[] cand, float[] candLogits) {
        Generator.topK(logits, v, k, cand, candLogits);
    }
}
