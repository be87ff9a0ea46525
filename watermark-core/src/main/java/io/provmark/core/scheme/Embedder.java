package io.provmark.core.scheme;

/**
 * The embed hook a serving stack calls at every decoding step.
 *
 * <p>Every method is a pure function of (key, context, logits, caller's randomness): the same
 * inputs give the same token on every machine. The context is {@code ids[0..len)}, the whole
 * sequence so far (prompt included), oldest first; only its tail is used for seeding, the rest
 * for the repeated-context check of distortion-free schemes. Logits are the caller's final
 * logits (temperature already applied); they are never modified except by {@link #biasLogits}.
 * Implementations are thread-safe.
 */
public interface Embedder {
    int vocabSize();

    /**
     * Picks the next token over the full vocabulary.
     *
     * @param logits one logit per token id, length {@link #vocabSize()}
     * @param r      the caller's uniform random number in [0, 1), used where the scheme samples
     */
    int step(int[] ids, int len, float[] logits, double r);

    /**
     * Picks the next token from the caller's candidate set (e.g. after top-k/top-p):
     * {@code logits[i]} is the logit of token {@code candidates[i]}, for {@code i < n}.
     *
     * @return the chosen token id (one of the candidates)
     */
    int step(int[] ids, int len, int[] candidates, float[] logits, int n, double r);

    /**
     * Rewrites full-vocabulary logits in place so that plain softmax sampling by the serving
     * stack gives the watermarked distribution (red-green: +delta on green tokens; Gumbel: every
     * token but the chosen one set to -infinity; SynthID: log of the tournament distribution).
     */
    void biasLogits(int[] ids, int len, float[] logits);

    /** {@link #step(int[], int, float[], double)} for many sequences; {@code out[b]} gets sequence b's token. */
    default void stepBatch(int[][] ids, int[] lens, float[][] logits, double[] r, int[] out) {
        int b = ids.length;
        if (lens.length != b || logits.length != b || r.length != b || out.length < b) {
            throw new IllegalArgumentException("batch arrays disagree in length: ids=" + b + ", lens=" + lens.length
                    + ", logits=" + logits.length + ", r=" + r.length + ", out=" + out.length);
        }
        for (int i = 0; i < b; i++) {
            out[i] = step(ids[i], lens[i], logits[i], r[i]);
        }
    }

    /** {@link #biasLogits} for many sequences. */
    default void biasLogitsBatch(int[][] ids, int[] lens, float[][] logits) {
        if (lens.length != ids.length || logits.length != ids.length) {
            throw new IllegalArgumentException("batch arrays disagree in length");
        }
        for (int i = 0; i < ids.length; i++) {
            biasLogits(ids[i], lens[i], logits[i]);
        }
    }
}
