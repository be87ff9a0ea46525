package io.provmark.core.calibration;

import io.provmark.core.stats.ExactBinomialTest;
import io.provmark.core.stats.LogTails;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Realised false-positive rates of a detector on human-written text: for each significance level
 * alpha, how many documents got {@code p <= alpha}, with an exact (Clopper-Pearson) interval and a
 * one-sided exact binomial test of "FPR > alpha". Pure: the caller scores the documents; this class
 * only counts. Rows are given overall and by length bucket (scored tokens).
 */
public final class Calibration {
    /** The levels reports cite. */
    public static final double[] DEFAULT_ALPHAS = {1e-2, 1e-3, 1e-4};
    /** Lower edges of the length buckets in scored tokens: [0,50), [50,100), ..., [400, inf). */
    public static final int[] DEFAULT_BUCKET_EDGES = {0, 50, 100, 200, 400};
    /** Confidence of the Clopper-Pearson intervals. */
    public static final double DEFAULT_CONFIDENCE = 0.99;

    private Calibration() {
    }

    /** One scored human document: its number of scored tokens and ln p. */
    public record Sample(int numScored, double lnPValue) {
        public Sample {
            if (numScored < 0) {
                throw new IllegalArgumentException("numScored must be >= 0, got " + numScored);
            }
            if (Double.isNaN(lnPValue) || lnPValue > 0) {
                throw new IllegalArgumentException("lnPValue must be a log probability (<= 0), got " + lnPValue);
            }
        }
    }

    /**
     * The realised FPR at one level.
     *
     * @param rejections     documents with p <= alpha
     * @param ciLower        Clopper-Pearson lower limit of the FPR
     * @param ciUpper        Clopper-Pearson upper limit of the FPR
     * @param lnPExceeds     ln P(X >= rejections) for X ~ Binomial(n, alpha): the exact one-sided p-value
     *                       of "FPR > alpha" (0 = no evidence at all)
     * @param consistent     true when the data do not show FPR > alpha at the interval's confidence: alpha
     *                       is inside the interval or above it (ciLower <= alpha)
     */
    public record Level(double alpha, long rejections, double fpr, double ciLower, double ciUpper,
                        double lnPExceeds, boolean consistent) {
        /** The one-sided p-value on the plain scale. */
        public double pExceeds() {
            return Math.exp(lnPExceeds);
        }
    }

    /** Counts for one bucket of documents ({@code maxScored} is -1 for "no upper limit"). */
    public record Row(String bucket, int minScored, int maxScored, long documents, List<Level> levels) {
    }

    /** All rows: overall first, then one per length bucket. */
    public record Result(double confidence, double[] alphas, Row overall, List<Row> buckets) {
        /** True when every overall level is consistent with its alpha. */
        public boolean overallConsistent() {
            return overall.levels().stream().allMatch(Level::consistent);
        }
    }

    /** {@link #compute(List, double[], int[], double)} with the default levels, buckets and 99% intervals. */
    public static Result compute(List<Sample> samples) {
        return compute(samples, DEFAULT_ALPHAS, DEFAULT_BUCKET_EDGES, DEFAULT_CONFIDENCE);
    }

    /**
     * @param alphas      levels in (0, 1)
     * @param bucketEdges strictly increasing lower edges starting at 0
     * @param confidence  interval confidence in (0, 1)
     * @throws IllegalArgumentException on an empty sample list or invalid levels/edges
     */
    public static Result compute(List<Sample> samples, double[] alphas, int[] bucketEdges, double confidence) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no documents to calibrate on (the corpus is empty)");
        }
        if (alphas.length == 0) {
            throw new IllegalArgumentException("need at least one alpha");
        }
        for (double a : alphas) {
            if (!(a > 0 && a < 1)) {
                throw new IllegalArgumentException("alpha must be in (0, 1), got " + a);
            }
        }
        if (bucketEdges.length == 0 || bucketEdges[0] != 0) {
            throw new IllegalArgumentException("bucket edges must start at 0: " + Arrays.toString(bucketEdges));
        }
        for (int i = 1; i < bucketEdges.length; i++) {
            if (bucketEdges[i] <= bucketEdges[i - 1]) {
                throw new IllegalArgumentException("bucket edges must increase: " + Arrays.toString(bucketEdges));
            }
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
        }
        Row overall = row("all", 0, -1, samples, alphas, confidence);
        List<Row> buckets = new ArrayList<>();
        for (int b = 0; b < bucketEdges.length; b++) {
            int lo = bucketEdges[b];
            int hi = b + 1 < bucketEdges.length ? bucketEdges[b + 1] - 1 : -1;
            List<Sample> in = new ArrayList<>();
            for (Sample s : samples) {
                if (s.numScored() >= lo && (hi < 0 || s.numScored() <= hi)) {
                    in.add(s);
                }
            }
            String name = hi < 0 ? ">=" + lo : lo + "-" + hi;
            buckets.add(row(name, lo, hi, in, alphas, confidence));
        }
        return new Result(confidence, alphas.clone(), overall, List.copyOf(buckets));
    }

    private static Row row(String name, int lo, int hi, List<Sample> in, double[] alphas, double confidence) {
        long n = in.size();
        List<Level> levels = new ArrayList<>();
        for (double a : alphas) {
            // compare in log space: p-values below the double range still count as rejections
            double lnA = Math.log(a);
            long k = 0;
            for (Sample s : in) {
                if (s.lnPValue() <= lnA) {
                    k++;
                }
            }
            if (n == 0) {
                levels.add(new Level(a, 0, Double.NaN, 0.0, 1.0, 0.0, true));
                continue;
            }
            double[] ci = ExactBinomialTest.clopperPearson(n, k, confidence);
            double lnP = k == 0 ? 0.0 : LogTails.binomialLogSurvival(n, k, a);
            levels.add(new Level(a, k, (double) k / n, ci[0], ci[1], lnP, ci[0] <= a));
        }
        return new Row(name, lo, hi, n, List.copyOf(levels));
    }
}
