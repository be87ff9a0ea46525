package io.provmark.core.detect;

/**
 * What the detector did with one position of the suspect tokens.
 *
 * @param index  position in the suspect tokens (prompt excluded)
 * @param token  token id
 * @param status {@link Status}
 * @param value  the statistic's summand when scored, NaN otherwise
 */
public record PositionDetail(int index, int token, Status status, double value) {
    public enum Status {
        SCORED("scored"),
        DUPLICATE("duplicate"),
        IN_PROMPT("in-prompt"),
        PARTIAL_CONTEXT("partial-context"),
        EOS("eos"),
        AFTER_EOS("after-eos"),
        /** Context rejected by a corpus-level context filter ({@link Detector.SharedDedup}). */
        FILTERED("filtered");

        private final String wire;

        Status(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public PositionDetail {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0");
        }
        java.util.Objects.requireNonNull(status, "status");
    }
}
