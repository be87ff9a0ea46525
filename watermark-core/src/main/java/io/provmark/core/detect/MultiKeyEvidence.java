package io.provmark.core.detect;

import io.provmark.core.stats.LogP;
import java.util.List;

/**
 * Several keys or profiles tried on one text, Holm-corrected.
 *
 * @param results    per key, in the order tried, each with its Holm-adjusted ln p-value
 * @param bestIndex  index in {@code results} of the smallest adjusted p-value
 */
public record MultiKeyEvidence(List<KeyResult> results, int bestIndex) {
    /** One key's evidence and its Holm-adjusted ln p-value. */
    public record KeyResult(Evidence evidence, double lnHolmP) {
        public double holmPValue() {
            return LogP.toP(lnHolmP);
        }

        public double holmLog10PValue() {
            return LogP.toLog10(lnHolmP);
        }
    }

    public MultiKeyEvidence {
        results = List.copyOf(results);
        if (results.isEmpty() || bestIndex < 0 || bestIndex >= results.size()) {
            throw new IllegalArgumentException("need at least one result and a valid best index");
        }
    }

    public KeyResult best() {
        return results.get(bestIndex);
    }

    /** The key whose adjusted p-value is below alpha and smallest, or null when none is. */
    public String matchedKeyId(double alpha) {
        KeyResult b = best();
        return b.holmPValue() < alpha ? b.evidence().keyId() : null;
    }
}
