package io.provmark.core.scheme;

/**
 * The distribution of the summed statistic under the null hypothesis (text independent of the
 * key): n fresh PRF inputs give n i.i.d. values with a known law.
 */
public interface NullModel {
    /** A short name of the reported statistic, e.g. {@code green_fraction}. */
    String statisticName();

    /** The reported statistic for n scored positions whose values sum to {@code sum}. */
    double statistic(long n, double sum);

    /** ln P(S_n >= sum) under the null; exact, or a rigorous upper bound where {@link #isExact} says not. */
    double logPValue(long n, double sum);

    /** Whether {@link #logPValue} is exact for these arguments (false: a conservative bound). */
    default boolean isExact(long n) {
        return true;
    }

    /** Mean of one position's value under the null. */
    double mean();

    /** Variance of one position's value under the null. */
    double variance();

    /** Descriptive z-score; the p-value never comes from it. */
    default double z(long n, double sum) {
        if (n == 0) {
            return 0.0;
        }
        return (sum - n * mean()) / Math.sqrt(n * variance());
    }
}
