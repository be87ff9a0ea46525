package io.provmark.core.compat.vllm;

import io.provmark.core.compat.vllm.VllmConfig.Algorithm;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Sampling;
import java.util.Arrays;

/**
 * The embed hook producing vLLM-watermarked output that vLLM's detector (and
 * {@link VllmDetector}) accepts. vLLM's contexts exclude the prompt: this embedder treats
 * {@code ids[0..promptLength)} as prompt and the rest as generated; the default instance has
 * prompt length 0 (the ids are the generated tokens). Use {@link #withPromptLength} when
 * {@code ids} starts with the prompt.
 *
 * <p>The caller's uniform {@code r} plays the role of vLLM's seeded sampler: it samples skipped
 * rows and the reweighted (SBW, red-green, SynthID) distributions by inversion, and routes
 * dual-key rows to key B when r >= P(key A). SBW note: vLLM adds the bias to raw logits before
 * temperature; with temperature T != 1 call {@link #biasLogits} on the raw logits and apply
 * temperature afterwards.
 */
public final class VllmEmbedder implements Embedder {
    private final VllmGenerator gen;
    private final int promptLength;

    VllmEmbedder(VllmGenerator gen, int promptLength) {
        if (promptLength < 0) {
            throw new IllegalArgumentException("prompt length must be >= 0, got " + promptLength);
        }
        this.gen = gen;
        this.promptLength = promptLength;
    }

    public VllmEmbedder(VllmConfig cfg) {
        this(new VllmGenerator(cfg), 0);
    }

    /** This embedder for sequences whose first {@code promptLength} ids are the prompt. */
    public VllmEmbedder withPromptLength(int promptLength) {
        return new VllmEmbedder(gen, promptLength);
    }

    public int promptLength() {
        return promptLength;
    }

    /** The underlying step logic (with pluggable sampler and trace). */
    public VllmGenerator generator() {
        return gen;
    }

    @Override
    public int vocabSize() {
        return gen.vocabSize();
    }

    private int prompt(int len) {
        if (len < promptLength) {
            throw new IllegalArgumentException("sequence length " + len + " is shorter than the prompt length " + promptLength);
        }
        return promptLength;
    }

    /** vLLM's sampler replaced by the caller's single uniform. */
    private static final class UniformSampler implements VllmGenerator.Sampler {
        private final double r;

        UniformSampler(double r) {
            Sampling.checkUniform(r);
            this.r = r;
        }

        @Override
        public int sample(float[] logits, int n) {
            return Sampling.sampleSoftmax(logits, n, r);
        }

        @Override
        public boolean routeToKeyB(float probabilityA) {
            return probabilityA <= r;
        }
    }

    @Override
    public int step(int[] ids, int len, float[] logits, double r) {
        if (logits.length != gen.vocabSize()) {
            throw new IllegalArgumentException("need " + gen.vocabSize() + " logits, got " + logits.length);
        }
        return gen.next(ids, prompt(len), len, logits, new UniformSampler(r), null);
    }

    @Override
    public int step(int[] ids, int len, int[] candidates, float[] logits, int n, double r) {
        return gen.nextAmong(ids, prompt(len), len, candidates, logits, n, new UniformSampler(r), null);
    }

    /**
     * Rewrites the logits so that plain softmax sampling gives vLLM's watermarked distribution:
     * SBW / red-green add their bias to green tokens, SynthID writes the log tournament
     * distribution, Gumbel keeps only the chosen token (0, others -inf), dual-key keeps the
     * key-A token at ln(1-α) and the key-B token at ln α (0 when they coincide). Skipped
     * (repeated-context) positions are left unchanged.
     */
    @Override
    public void biasLogits(int[] ids, int len, float[] logits) {
        if (logits.length != gen.vocabSize()) {
            throw new IllegalArgumentException("need " + gen.vocabSize() + " logits, got " + logits.length);
        }
        int p = prompt(len);
        Algorithm alg = gen.config().algorithm();
        if (alg != Algorithm.GUMBEL && alg != Algorithm.DUAL_KEY_GUMBEL) {
            gen.bias(ids, p, len, logits);
            return;
        }
        if (gen.skippedAt(ids, p, len)) {
            return;
        }
        int[] t = gen.gumbelTokens(ids, p, len, logits);
        double alpha = gen.config().alpha();
        Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        if (alg == Algorithm.GUMBEL || alpha == 0) {
            logits[t[0]] = 0f;
        } else if (alpha == 1) {
            logits[t[1]] = 0f;
        } else if (t[0] == t[1]) {
            logits[t[0]] = 0f;
        } else {
            logits[t[0]] = (float) Math.log1p(-alpha);
            logits[t[1]] = (float) Math.log(alpha);
        }
    }

    @Override
    public String toString() {
        return "VllmEmbedder[" + gen.config() + ", promptLength=" + promptLength + "]";
    }
}
