package io.provmark.core.scheme;

/**
 * Per-position scoring: the keyed value the scheme's statistic sums, and the identity of the PRF
 * input for deduplication. Position {@code i} of {@code seq} is scored with context
 * {@code seq[max(ctxFrom, i - h) .. i)}.
 */
public interface Scorer {
    int contextWidth();

    /** The summand of the statistic at position i (green 0/1, Gumbel -ln(1-u), SynthID g-sum). */
    double value(int[] seq, int ctxFrom, int i);

    /**
     * A 64-bit identity of the PRF input at position i (context seed material and token). Equal
     * inputs give equal identities; it never depends on the PRF output, so dropping repeats keeps
     * the remaining values independent and uniform under the null.
     */
    long prfInputKey(int[] seq, int ctxFrom, int i);

    /** A 64-bit identity of the context alone at position i. */
    long contextKey(int[] seq, int ctxFrom, int i);
}
