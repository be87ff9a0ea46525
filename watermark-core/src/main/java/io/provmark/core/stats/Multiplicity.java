package io.provmark.core.stats;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

/**
 * Family-wise error corrections on ln p-values, for when several keys, schemes or documents are
 * tested at once. Working in logs keeps adjusted values meaningful when raw p-values underflow.
 */
public final class Multiplicity {

    private Multiplicity() {
    }

    /**
     * Holm step-down adjustment: with ln p sorted ascending, the i-th (0-based) adjusted value is
     * {@code max_{j <= i} min(0, ln p_(j) + ln(m - j))}. Returned in the input order. Holm controls
     * the family-wise error rate like Bonferroni but is uniformly more powerful.
     *
     * @param lnP natural-log p-values (each {@code <= 0}; -Infinity allowed)
     * @throws IllegalArgumentException if any value is NaN or positive
     */
    public static double[] holm(double[] lnP) {
        Objects.requireNonNull(lnP, "lnP");
        int m = lnP.length;
        for (double v : lnP) {
            if (!(v <= 0.0)) {
                throw new IllegalArgumentException("ln p-values must be <= 0 and not NaN, got " + v);
            }
        }
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        // Stable sort, so ties keep input order (the adjusted values are equal anyway).
        Arrays.sort(order, Comparator.comparingDouble(i -> lnP[i]));
        double[] adjusted = new double[m];
        double running = Double.NEGATIVE_INFINITY;
        for (int rank = 0; rank < m; rank++) {
            int idx = order[rank];
            double v = Math.min(0.0, lnP[idx] + Math.log(m - rank));
            running = Math.max(running, v);
            adjusted[idx] = running;
        }
        return adjusted;
    }

    /**
     * Bonferroni adjustment {@code min(0, ln p + ln m)} for one of m tests.
     *
     * @throws IllegalArgumentException if {@code m < 1} or lnP is NaN
     */
    public static double bonferroni(double lnP, long m) {
        if (m < 1) {
            throw new IllegalArgumentException("number of tests m must be >= 1, got " + m);
        }
        if (Double.isNaN(lnP)) {
            throw new IllegalArgumentException("ln p-value is NaN");
        }
        return Math.min(0.0, lnP + Math.log(m));
    }
}
