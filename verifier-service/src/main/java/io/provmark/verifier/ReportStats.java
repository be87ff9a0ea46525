package io.provmark.verifier;

import io.provmark.core.detect.PositionDetail;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.stats.LogP;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's descriptive sections: the cumulative p-value curve over the pooled scored tokens,
 * the per-token score histogram against the null's expected counts, and a sample of positions.
 * Every p-value here comes from the scheme's own {@link NullModel}, the same code the detector uses.
 */
final class ReportStats {
    static final int MAX_CURVE_POINTS = 200;
    static final int SAMPLE_POSITIONS = 120;

    private ReportStats() {
    }

    /**
     * log10 P(S_k >= s_k) of the first k pooled scored values, at most {@link #MAX_CURVE_POINTS}
     * evenly spaced k, always including the last.
     */
    static Map<String, Object> curve(NullModel nm, double[] pooled) {
        int n = pooled.length;
        double[] prefix = new double[n + 1];
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + pooled[i];
        }
        List<Object> ks = new ArrayList<>();
        List<Object> log10 = new ArrayList<>();
        int points = Math.min(n, MAX_CURVE_POINTS);
        int last = 0;
        for (int j = 1; j <= points; j++) {
            int k = (int) Math.ceil((double) j * n / points);
            if (k == last) {
                continue;
            }
            last = k;
            ks.add(k);
            log10.add(finite(LogP.toLog10(Math.min(0.0, nm.logPValue(k, prefix[k])))));
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("description", "log10 p-value of the scheme's statistic over the first k scored tokens of all records pooled in "
                + "record order (dedup applied across records, so the pooled values stay independent under the null). "
                + "Descriptive: the smallest point of the curve is not itself a p-value (choosing k after looking "
                + "needs a correction); the per-record Holm result in summary is the test.");
        c.put("statistic", nm.statisticName());
        c.put("pooledScored", n);
        c.put("pooledLog10PValue", n == 0 ? 0.0 : finite(LogP.toLog10(Math.min(0.0, nm.logPValue(n, prefix[n])))));
        c.put("scoredTokens", ks);
        c.put("log10PValue", log10);
        return c;
    }

    /** Observed counts of the per-token values in bins, and the counts the null model expects. */
    static Map<String, Object> histogram(Profile profile, NullModel nm, double[] values) {
        List<double[]> bins = new ArrayList<>(); // {from, to (inclusive for discrete, exclusive for continuous), expected fraction}
        String law;
        boolean discrete;
        switch (profile.scheme()) {
            case RedGreenParams.SCHEME: {
                double p = nm.mean(); // the exact green probability the scheme uses
                bins.add(new double[] {0, 0, 1 - p});
                bins.add(new double[] {1, 1, p});
                law = "Bernoulli(" + Jcs.number(p) + "): 1 = green token, 0 = red token";
                discrete = true;
                break;
            }
            case GumbelParams.SCHEME: {
                double w = 0.5;
                for (int i = 0; i < 12; i++) {
                    bins.add(new double[] {i * w, (i + 1) * w, Math.exp(-i * w) - Math.exp(-(i + 1) * w)});
                }
                bins.add(new double[] {6.0, Double.POSITIVE_INFINITY, Math.exp(-6.0)});
                law = "Exponential(1): the score -ln(1-u) of a uniform u";
                discrete = false;
                break;
            }
            case SynthIdParams.SCHEME: {
                SynthIdParams sp = (SynthIdParams) profile.params();
                int[] w = sp.score() == SynthIdParams.Score.WEIGHTED_MEAN ? sp.weightArray() : ones(sp.depth());
                double[] pmf = weightedBitsPmf(w);
                int support = pmf.length; // values 0 .. support-1
                int width = Math.max(1, (int) Math.ceil(support / 24.0));
                for (int lo = 0; lo < support; lo += width) {
                    int hi = Math.min(support - 1, lo + width - 1);
                    double e = 0;
                    for (int v = lo; v <= hi; v++) {
                        e += pmf[v];
                    }
                    bins.add(new double[] {lo, hi, e});
                }
                law = "sum of " + w.length + " independent fair g-value bits" + (sp.score() == SynthIdParams.Score.WEIGHTED_MEAN
                        ? " with weights " + java.util.Arrays.toString(w) : "");
                discrete = true;
                break;
            }
            default:
                throw new IllegalArgumentException("no null histogram for scheme " + profile.scheme());
        }
        long[] observed = new long[bins.size()];
        for (double v : values) {
            for (int b = 0; b < bins.size(); b++) {
                double[] bin = bins.get(b);
                boolean in = discrete ? (v >= bin[0] && v <= bin[1]) : (v >= bin[0] && v < bin[1]);
                if (in) {
                    observed[b]++;
                    break;
                }
            }
        }
        List<Object> out = new ArrayList<>();
        for (int b = 0; b < bins.size(); b++) {
            double[] bin = bins.get(b);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", bin[0]);
            m.put("to", Double.isInfinite(bin[1]) ? null : (Object) bin[1]);
            m.put("observed", observed[b]);
            m.put("expected", bin[2] * values.length);
            out.add(m);
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("description", "per-token scores of the pooled scored tokens, counted in bins ("
                + (discrete ? "both ends inclusive" : "from inclusive, to exclusive; to null = no upper end")
                + "), against the counts expected without the watermark");
        h.put("null", law);
        h.put("scored", values.length);
        h.put("bins", out);
        return h;
    }

    /** The first {@link #SAMPLE_POSITIONS} positions of one record: token id, status and score. */
    static Map<String, Object> sample(String record, List<PositionDetail> details, NullModel nm) {
        List<Object> pos = new ArrayList<>();
        for (PositionDetail d : details) {
            if (pos.size() >= SAMPLE_POSITIONS) {
                break;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", d.index());
            m.put("token", d.token());
            m.put("status", d.status().wire());
            m.put("score", Double.isNaN(d.value()) ? null : (Object) d.value());
            pos.add(m);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("record", record);
        s.put("description", "the first " + pos.size() + " tokens of the strongest record; score is the scheme's per-token value "
                + "(null when not scored: duplicate, in the prompt, too little context, or after EOS); mean under the null "
                + Jcs.number(nm.mean()));
        s.put("nullMean", nm.mean());
        s.put("nullStdDev", Math.sqrt(nm.variance()));
        s.put("positions", pos);
        return s;
    }

    private static int[] ones(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    /** Exact pmf of sum_l w_l B_l for fair independent bits B_l, by convolution. */
    static double[] weightedBitsPmf(int[] w) {
        int total = 0;
        for (int x : w) {
            total += x;
        }
        double[] pmf = new double[total + 1];
        pmf[0] = 1.0;
        int reach = 0;
        for (int x : w) {
            for (int v = reach; v >= 0; v--) {
                double half = pmf[v] * 0.5;
                pmf[v] = half;
                pmf[v + x] += half;
            }
            reach += x;
        }
        return pmf;
    }

    private static double finite(double d) {
        return Double.isFinite(d) ? d : -Double.MAX_VALUE;
    }
}
