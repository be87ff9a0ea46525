package io.provmark.core.detect;

import io.provmark.core.stats.LogP;

/**
 * Best-window detection for text that is only partly watermarked.
 *
 * @param whole          evidence over the whole text
 * @param best           evidence over the best window (raw, uncorrected p-value)
 * @param startToken     first suspect-token index of the best window
 * @param endToken       one past its last suspect-token index
 * @param windowsTried   number of windows whose p-value was implicitly compared
 * @param lnAdjustedP    Bonferroni-corrected ln p-value of the best window: min(0, ln p + ln windowsTried)
 */
public record WindowedEvidence(Evidence whole, Evidence best, int startToken, int endToken, long windowsTried,
                               double lnAdjustedP) {
    public WindowedEvidence {
        if (windowsTried < 1) {
            throw new IllegalArgumentException("windowsTried must be >= 1");
        }
        if (startToken < 0 || endToken < startToken) {
            throw new IllegalArgumentException("bad window [" + startToken + ", " + endToken + ")");
        }
    }

    public double adjustedPValue() {
        return LogP.toP(lnAdjustedP);
    }

    public double adjustedLog10PValue() {
        return LogP.toLog10(lnAdjustedP);
    }
}
