package io.provmark.core.lm;

/** A language model as the embed hook sees it: context ids in, one logit per vocabulary id out. */
public interface NextTokenModel {
    int vocabSize();

    /** Writes the next-token logits after {@code ids[0..len)} into {@code out[0..vocabSize)}. */
    void logits(int[] ids, int len, float[] out);
}
