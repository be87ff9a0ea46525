package io.provmark.core.detect;

import io.provmark.core.stats.LogP;
import java.util.List;
import java.util.Objects;

/**
 * The result of scoring one text under one key.
 *
 * @param scheme        scheme name
 * @param keyId         the key scored against (public id)
 * @param numTokens     suspect tokens given (prompt excluded)
 * @param numScored     positions whose fresh PRF input was scored
 * @param statisticName e.g. {@code green_fraction}, {@code mean_score}, {@code weighted_mean_g}
 * @param statistic     the statistic's value
 * @param lnPValue      natural log of the p-value (exact unless {@code exact} is false: then an upper bound)
 * @param z             descriptive z-score; never the source of the p-value
 * @param exact         whether the p-value is exact (false: a rigorous upper bound)
 * @param dedup         the dedup rule applied ({@code prf-input}, {@code context}, {@code none})
 * @param positions     per-position detail, or an empty list when not requested
 */
public record Evidence(String scheme, String keyId, int numTokens, int numScored, String statisticName,
                       double statistic, double lnPValue, double z, boolean exact, String dedup,
                       List<PositionDetail> positions) {
    public Evidence {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(statisticName, "statisticName");
        Objects.requireNonNull(dedup, "dedup");
        if (numTokens < 0 || numScored < 0 || numScored > numTokens) {
            throw new IllegalArgumentException("need 0 <= numScored <= numTokens, got " + numScored + " / " + numTokens);
        }
        if (Double.isNaN(lnPValue) || lnPValue > 0.0) {
            throw new IllegalArgumentException("ln p-value must be <= 0, got " + lnPValue);
        }
        positions = positions == null ? List.of() : List.copyOf(positions);
    }

    /** The p-value as a double; 0.0 when it underflows (then read {@link #log10PValue()}). */
    public double pValue() {
        return LogP.toP(lnPValue);
    }

    /** log10 of the p-value, finite even when the p-value underflows a double. */
    public double log10PValue() {
        return LogP.toLog10(lnPValue);
    }
}
