package io.provmark.core.compat;

/**
 * A detector that reproduces another stack's watermark bit-exactly on token ids and reports both
 * what the upstream detector would report and provmark's exact evidence for the same positions.
 */
public interface CompatDetector {
    /** The profile's scheme: {@code vllm}, {@code hf-kgw}, {@code lm-watermarking-kgw}, {@code hf-synthid}, {@code deepmind-synthid}, {@code three-bricks}. */
    String upstream();

    /** Vocabulary size from the profile; token ids must be below it. */
    int vocabSize();

    /**
     * Scores {@code tokens} (generated ids) after {@code promptTokens} (may be empty), as upstream
     * does. Throws IllegalArgumentException naming the position for ids outside the vocabulary.
     */
    CompatResult detect(int[] tokens, int[] promptTokens, boolean perToken);

    /** Known upstream bugs or deviations that affect how this profile's results should be read. */
    default java.util.List<String> notes() {
        return java.util.List.of();
    }
}
