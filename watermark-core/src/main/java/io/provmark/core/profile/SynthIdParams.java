package io.provmark.core.profile;

import java.util.List;
import java.util.Objects;

/**
 * SynthID tournament parameters: {@code depth} layers of Bernoulli(1/2) g-values (at most 32: one
 * bit of the PRF word each), non-negative integer layer weights for the weighted-mean score, which
 * score the detector reports, and the generation-time repeated-context window (as in Gumbel).
 */
public record SynthIdParams(int depth, List<Integer> weights, Score score, int repeatedContextWindow)
        implements SchemeParams {
    public static final String SCHEME = "synthid";
    public static final int MAX_DEPTH = 32;

    public enum Score {
        MEAN("mean"), WEIGHTED_MEAN("weighted-mean");

        private final String wire;

        Score(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Score parse(String s) {
            for (Score v : values()) {
                if (v.wire.equals(s)) {
                    return v;
                }
            }
            throw new ProfileException("params.score", "must be \"mean\" or \"weighted-mean\", got \"" + s + "\"");
        }
    }

    public SynthIdParams {
        if (depth < 1 || depth > MAX_DEPTH) {
            throw new ProfileException("params.depth", "must be in 1.." + MAX_DEPTH + ", got " + depth);
        }
        Objects.requireNonNull(weights, "weights");
        if (weights.size() != depth) {
            throw new ProfileException("params.weights", "must have depth=" + depth + " entries, got " + weights.size());
        }
        for (Integer w : weights) {
            if (w == null || w < 0 || w > 1000) {
                throw new ProfileException("params.weights", "entries must be integers in 0..1000, got " + w);
            }
        }
        if (weights.stream().mapToInt(Integer::intValue).sum() == 0) {
            throw new ProfileException("params.weights", "must not all be zero");
        }
        weights = List.copyOf(weights);
        Objects.requireNonNull(score, "score");
        if (repeatedContextWindow < -1) {
            throw new ProfileException("params.repeated_context_window", "must be -1 (off), 0 (whole sequence) or a positive window, got " + repeatedContextWindow);
        }
    }

    /** Default weights depth, depth-1, ..., 1: earlier layers count more, as in SynthID's linear weighting. */
    public static List<Integer> defaultWeights(int depth) {
        Integer[] w = new Integer[depth];
        for (int i = 0; i < depth; i++) {
            w[i] = depth - i;
        }
        return List.of(w);
    }

    public int[] weightArray() {
        return weights.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String scheme() {
        return SCHEME;
    }
}
