package io.provmark.cli.serve;

import io.provmark.core.lm.Generator;
import io.provmark.core.lm.NextTokenModel;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Sampling;
import io.provmark.core.text.TextTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A {@link NextTokenModel} behind a tokenizer, optionally watermarked through an {@link Embedder}: what
 * {@link OpenAiServer} serves. Any model that gives next-token logits plugs in; {@code KneserNeyModel} is the
 * built-in one. Thread-safe when the model and embedder are (both are in watermark-core).
 *
 * <p>Reported log-probabilities are always the model's own: log-softmax of its logits at temperature 1, before
 * temperature, top-p or the watermark. They describe the model, not the sampling distribution.
 */
public final class ServedModel {
    /** Largest number of alternatives per position {@link #generate} and {@link #read} report. */
    public static final int MAX_TOP = 20;

    private final String name;
    private final NextTokenModel model;
    private final TextTokenizer tokenizer;
    private final Embedder embedder;
    private final int eosTokenId;
    private final String watermarkKeyId;

    /**
     * @param name           the model id clients name in requests
     * @param model          the next-token model
     * @param tokenizer      the model's tokenizer (same vocabulary)
     * @param embedder       the watermark, or null for none
     * @param eosTokenId     generation stops at this id (not returned), or -1 for none
     * @param watermarkKeyId public id of the watermark key (for the startup line only), or null
     */
    public ServedModel(String name, NextTokenModel model, TextTokenizer tokenizer, Embedder embedder, int eosTokenId,
                       String watermarkKeyId) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("served model name must not be blank");
        }
        this.name = name;
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        if (tokenizer.vocabSize() != model.vocabSize()) {
            throw new IllegalArgumentException("tokenizer '" + tokenizer.id() + "' has " + tokenizer.vocabSize()
                    + " ids but the model has " + model.vocabSize());
        }
        if (embedder != null && embedder.vocabSize() != model.vocabSize()) {
            throw new IllegalArgumentException("watermark vocabulary " + embedder.vocabSize() + " != model vocabulary "
                    + model.vocabSize());
        }
        if (eosTokenId < -1 || eosTokenId >= model.vocabSize()) {
            throw new IllegalArgumentException("eos token id " + eosTokenId + " outside -1.." + (model.vocabSize() - 1));
        }
        this.embedder = embedder;
        this.eosTokenId = eosTokenId;
        this.watermarkKeyId = watermarkKeyId;
    }

    public String name() {
        return name;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public boolean watermarked() {
        return embedder != null;
    }

    /** Public id of the watermark key, or null when not watermarked. */
    public String watermarkKeyId() {
        return watermarkKeyId;
    }

    public int vocabSize() {
        return model.vocabSize();
    }

    /**
     * Sampling parameters of one request.
     *
     * @param maxTokens   tokens to generate at most (0 allowed: nothing generated)
     * @param temperature 0 (greedy) or in (0, 2]
     * @param topP        nucleus mass in (0, 1]; 1 = off
     * @param topK        alternatives to report per position, 0..{@value #MAX_TOP}; -1 = no log-probabilities
     * @param stop        stop strings (the answer ends before the first one), possibly empty
     */
    public record Params(int maxTokens, double temperature, double topP, int topK, List<String> stop) {
        public Params {
            if (maxTokens < 0) {
                throw new IllegalArgumentException("max_tokens must be >= 0, got " + maxTokens);
            }
            if (!(temperature >= 0 && temperature <= 2)) {
                throw new IllegalArgumentException("temperature must be in [0, 2], got " + temperature);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
            }
            if (topK < -1 || topK > MAX_TOP) {
                throw new IllegalArgumentException("logprobs must be in 0.." + MAX_TOP + ", got " + topK);
            }
            stop = stop == null ? List.of() : List.copyOf(stop);
            for (String s : stop) {
                if (s.isEmpty()) {
                    throw new IllegalArgumentException("stop strings must not be empty");
                }
            }
        }
    }

    /**
     * Log-probabilities by position.
     *
     * @param logprob logprob[i] = ln P(ids[i] | before), NaN where there is no context (reading mode, position 0)
     * @param topIds  the most likely ids at position i, most likely first (empty where logprob is NaN)
     * @param topLp   their log-probabilities
     */
    public record Scores(double[] logprob, int[][] topIds, double[][] topLp) {
    }

    /**
     * One generated answer.
     *
     * @param ids          generated ids (EOS not included)
     * @param scores       their log-probabilities, or null when not requested
     * @param finishReason {@code stop} (EOS or a stop string) or {@code length}
     */
    public record Generation(int[] ids, Scores scores, String finishReason) {
    }

    /** Continues {@code prompt}; the same seed gives the same answer. */
    public Generation generate(int[] prompt, Params p, long seed) {
        checkIds(prompt);
        int v = model.vocabSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] ids = Arrays.copyOf(prompt, prompt.length + p.maxTokens());
        int len = prompt.length;
        float[] logits = new float[v];
        float[] raw = p.topK() >= 0 ? new float[v] : null;
        boolean truncate = p.temperature() > 0 && p.topP() < 1;
        long[] order = truncate ? new long[v] : null;
        int[] cand = truncate ? new int[v] : null;
        float[] candLogits = truncate ? new float[v] : null;
        double[] lps = new double[p.maxTokens()];
        int[][] topIds = new int[p.maxTokens()][];
        double[][] topLps = new double[p.maxTokens()][];
        String finish = "length";
        int n = 0;
        for (; n < p.maxTokens(); n++) {
            model.logits(ids, len, logits);
            double lse = 0;
            if (raw != null) {
                System.arraycopy(logits, 0, raw, 0, v);
                lse = logSumExp(raw);
            }
            double r = rnd.nextDouble();
            int next;
            if (p.temperature() == 0) {
                if (embedder != null) {
                    embedder.biasLogits(ids, len, logits);
                }
                next = argmax(logits);
            } else {
                if (p.temperature() != 1.0) {
                    float invT = (float) (1.0 / p.temperature());
                    for (int i = 0; i < v; i++) {
                        logits[i] *= invT;
                    }
                }
                if (truncate) {
                    int c = Generator.truncate(logits, v, 0, p.topP(), order, cand, candLogits);
                    next = embedder == null ? cand[Sampling.sampleSoftmax(candLogits, c, r)]
                            : embedder.step(ids, len, cand, candLogits, c, r);
                } else {
                    next = embedder == null ? Sampling.sampleSoftmax(logits, v, r) : embedder.step(ids, len, logits, r);
                }
            }
            if (next == eosTokenId) {
                finish = "stop";
                break;
            }
            if (raw != null) {
                lps[n] = raw[next] - lse;
                topIds[n] = new int[0];
                topLps[n] = new double[0];
                top(raw, lse, p.topK(), n, topIds, topLps);
            }
            ids[len++] = next;
            if (!p.stop().isEmpty()) {
                int cut = stopCut(Arrays.copyOfRange(ids, prompt.length, len), p.stop());
                if (cut >= 0) {
                    n = cut;
                    finish = "stop";
                    break;
                }
            }
        }
        int[] out = Arrays.copyOfRange(ids, prompt.length, prompt.length + n);
        Scores s = raw == null ? null : new Scores(Arrays.copyOf(lps, n), Arrays.copyOf(topIds, n), Arrays.copyOf(topLps, n));
        return new Generation(out, s, finish);
    }

    /**
     * Teacher forcing ("reading mode"): for every position i &ge; 1 of {@code ids}, the model's log-probability of
     * ids[i] given ids[0..i) and its {@code k} most likely tokens there (the first is its top-1 prediction).
     * Position 0 has no context: NaN and no alternatives, as in OpenAI's echo.
     */
    public Scores read(int[] ids, int k) {
        checkIds(ids);
        if (k < 0 || k > MAX_TOP) {
            throw new IllegalArgumentException("logprobs must be in 0.." + MAX_TOP + ", got " + k);
        }
        int v = model.vocabSize();
        float[] logits = new float[v];
        double[] lp = new double[ids.length];
        int[][] topIds = new int[ids.length][];
        double[][] topLps = new double[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            if (i == 0) {
                lp[0] = Double.NaN;
                topIds[0] = new int[0];
                topLps[0] = new double[0];
                continue;
            }
            model.logits(ids, i, logits);
            double lse = logSumExp(logits);
            lp[i] = logits[ids[i]] - lse;
            top(logits, lse, k, i, topIds, topLps);
        }
        return new Scores(lp, topIds, topLps);
    }

    private void checkIds(int[] ids) {
        int v = model.vocabSize();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= v) {
                throw new IllegalArgumentException("token id " + ids[i] + " at prompt position " + i
                        + " is outside the vocabulary 0.." + (v - 1));
            }
        }
    }

    /** The number of leading generated tokens whose text ends before the first stop string, or -1 if none occurs. */
    private int stopCut(int[] gen, List<String> stops) {
        String text = tokenizer.decode(gen);
        int at = -1;
        for (String s : stops) {
            int i = text.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
            }
        }
        if (at < 0) {
            return -1;
        }
        // keep whole tokens only, so the returned ids and text agree
        for (int j = gen.length - 1; j >= 0; j--) {
            if (tokenizer.decode(Arrays.copyOf(gen, j)).length() <= at) {
                return j;
            }
        }
        return 0;
    }

    static double logSumExp(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float f : x) {
            if (f > max) {
                max = f;
            }
        }
        double s = 0;
        for (float f : x) {
            s += Math.exp(f - max);
        }
        return max + Math.log(s);
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The k largest logits (ties: lower id first) as log-probabilities. */
    private static void top(float[] logits, double lse, int k, int pos, int[][] topIds, double[][] topLps) {
        int[] best = new int[k];
        int m = 0;
        for (int i = 0; i < logits.length; i++) {
            if (m == k && (k == 0 || logits[i] <= logits[best[m - 1]])) {
                continue;
            }
            int j = m < k ? m++ : m - 1;
            while (j > 0 && logits[best[j - 1]] < logits[i]) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
        double[] lp = new double[m];
        for (int j = 0; j < m; j++) {
            lp[j] = logits[best[j]] - lse;
        }
        topIds[pos] = Arrays.copyOf(best, m);
        topLps[pos] = lp;
    }
}
