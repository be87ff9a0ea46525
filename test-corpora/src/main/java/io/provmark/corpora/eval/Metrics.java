package io.provmark.corpora.eval;

import java.util.Arrays;

/**
 * Detection metrics over scores where larger means "more watermarked" (the evaluation uses -ln p).
 * Pure functions; inputs are never modified.
 */
public final class Metrics {
    private Metrics() {
    }

    /**
     * Fraction of texts flagged at level alpha: {@code ln p <= ln alpha}. Thresholds come from the exact
     * p-values, never from the data, so the same function gives the TPR on watermarked texts and the
     * realised FPR on human texts.
     */
    public static double rateAtAlpha(double[] lnP, double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        if (lnP.length == 0) {
            throw new IllegalArgumentException("no p-values");
        }
        return countAtAlpha(lnP, alpha) / (double) lnP.length;
    }

    /** Number of {@code ln p <= ln alpha}. */
    public static int countAtAlpha(double[] lnP, double alpha) {
        double t = Math.log(alpha);
        int k = 0;
        for (double v : lnP) {
            if (v <= t) {
                k++;
            }
        }
        return k;
    }

    /**
     * Area under the ROC curve: P(positive score &gt; negative score) + ½ P(equal), the Mann-Whitney
     * statistic divided by n_pos · n_neg. O((n+m) log(n+m)).
     */
    public static double auc(double[] negative, double[] positive) {
        if (negative.length == 0 || positive.length == 0) {
            throw new IllegalArgumentException("AUC needs at least one negative and one positive score");
        }
        double[] neg = sortedCopy(negative);
        double[] pos = sortedCopy(positive);
        double wins = 0;
        int lo = 0;
        int hi = 0;
        for (double p : pos) {
            while (lo < neg.length && neg[lo] < p) {
                lo++;
            }
            if (hi < lo) {
                hi = lo;
            }
            while (hi < neg.length && neg[hi] <= p) {
                hi++;
            }
            wins += lo + 0.5 * (hi - lo);
        }
        return wins / ((double) neg.length * pos.length);
    }

    /**
     * ROC curve points for thresholds at every distinct score: point i is (FPR, TPR) for "score &gt;= t_i",
     * thresholds from high to low, starting at (0, 0) and ending at (1, 1).
     *
     * @return {fpr[], tpr[]}
     */
    public static double[][] roc(double[] negative, double[] positive) {
        if (negative.length == 0 || positive.length == 0) {
            throw new IllegalArgumentException("ROC needs at least one negative and one positive score");
        }
        double[] neg = sortedCopy(negative);
        double[] pos = sortedCopy(positive);
        double[] all = new double[neg.length + pos.length];
        System.arraycopy(neg, 0, all, 0, neg.length);
        System.arraycopy(pos, 0, all, neg.length, pos.length);
        Arrays.sort(all);
        double[] fpr = new double[all.length + 1];
        double[] tpr = new double[all.length + 1];
        int n = 1;
        int in = neg.length;
        int ip = pos.length;
        for (int i = all.length - 1; i >= 0; i--) {
            if (i < all.length - 1 && all[i] == all[i + 1]) {
                continue;
            }
            double t = all[i];
            while (in > 0 && neg[in - 1] >= t) {
                in--;
            }
            while (ip > 0 && pos[ip - 1] >= t) {
                ip--;
            }
            fpr[n] = (neg.length - in) / (double) neg.length;
            tpr[n] = (pos.length - ip) / (double) pos.length;
            n++;
        }
        return new double[][] {Arrays.copyOf(fpr, n), Arrays.copyOf(tpr, n)};
    }

    /** Median (mean of the two middle values for an even count); NaN for no values. */
    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = sortedCopy(values);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static double[] sortedCopy(double[] a) {
        double[] s = a.clone();
        for (double v : s) {
            if (Double.isNaN(v)) {
                throw new IllegalArgumentException("NaN score");
            }
        }
        Arrays.sort(s);
        return s;
    }
}
