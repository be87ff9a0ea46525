package io.provmark.corpora.eval;

import java.util.SplittableRandom;

/**
 * One documented, seeded edit an adversary makes to a watermarked text before it is checked.
 *
 * <p>Every attack is a pure function of its input and the random stream it is given: the same input and
 * seed give the same output on every machine. The output is always what a verifier would score: token ids
 * of the edited text re-tokenized with the evaluation's tokenizer (token-level edits are decoded to text and
 * re-tokenized too, so that no attack leaves a non-canonical tokenization that real text could not have).
 */
public interface Attack {
    /** Short stable name used in configs, tables and file names, e.g. {@code delete-0.1}. */
    String name();

    /** One sentence saying exactly what the attack does. */
    String description();

    /**
     * Applies the attack.
     *
     * @param in  the watermarked tokens and, for attacks that need it, human text to mix in
     * @param rnd this (attack, text) pair's own random stream
     * @return token ids of the attacked text (re-tokenized)
     */
    int[] apply(Input in, SplittableRandom rnd);

    /**
     * What an attack edits.
     *
     * @param tokens      the watermarked tokens (generation output, without the prompt)
     * @param humanTokens human-written tokens from the same tokenizer (the continuation of the prompt's
     *                    document), used by copy-paste; may be empty for other attacks
     */
    record Input(int[] tokens, int[] humanTokens) {
        public Input {
            if (tokens == null || humanTokens == null) {
                throw new IllegalArgumentException("attack input needs tokens and human tokens (may be empty)");
            }
        }
    }
}
