package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.Keyset;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.stats.LogTails;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's curve and null histograms for all three schemes. */
class ReportStatsTest {
    private static final Keyset KEYS = Keyset.generate();

    private static NullModel nullModel(Profile p) {
        return Schemes.create(p, KEYS.primary()).nullModel();
    }

    @Test
    void weightedBitsPmfIsTheExactConvolution() {
        assertArrayEquals(new double[] {0.25, 0.5, 0.25}, ReportStats.weightedBitsPmf(new int[] {1, 1}), 0.0);
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25}, ReportStats.weightedBitsPmf(new int[] {1, 2}), 0.0);
        double[] pmf = ReportStats.weightedBitsPmf(new int[] {3, 1, 2});
        assertArrayEquals(new double[] {0.125, 0.125, 0.125, 0.25, 0.125, 0.125, 0.125}, pmf, 0.0);
    }

    @Test
    void curveUsesTheSchemeTailAndEndsAtThePooledTotal() {
        Profile p = Profile.defaults("red-green", KEYS.primaryId(), "none", 1000);
        NullModel nm = nullModel(p);
        double[] v = new double[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % 2; // half green: far above gamma = 0.25
        }
        Map<String, Object> c = ReportStats.curve(nm, v);
        List<?> ks = (List<?>) c.get("scoredTokens");
        List<?> ps = (List<?>) c.get("log10PValue");
        assertEquals(ReportStats.MAX_CURVE_POINTS, ks.size());
        assertEquals(1000, ks.get(ks.size() - 1));
        assertEquals(LogTails.binomialLogSurvival(1000, 500, nm.mean()) / Math.log(10), (double) ps.get(ps.size() - 1), 1e-12);
        assertEquals(c.get("pooledLog10PValue"), ps.get(ps.size() - 1));
        // fewer values than points: one point per value
        assertEquals(List.of(1, 2, 3), ReportStats.curve(nm, new double[] {1, 0, 1}).get("scoredTokens"));
    }

    @Test
    void histogramsMatchEachSchemesNull() {
        Profile rg = Profile.defaults("red-green", KEYS.primaryId(), "none", 1000);
        Map<String, Object> h = ReportStats.histogram(rg, nullModel(rg), new double[] {0, 1, 1, 0, 0});
        List<?> bins = (List<?>) h.get("bins");
        assertEquals(2, bins.size());
        assertEquals(3L, ((Map<?, ?>) bins.get(0)).get("observed"));
        assertEquals(5 * (1 - nullModel(rg).mean()), (double) ((Map<?, ?>) bins.get(0)).get("expected"), 1e-12);

        Profile gu = Profile.defaults("gumbel", KEYS.primaryId(), "none", 1000);
        h = ReportStats.histogram(gu, nullModel(gu), new double[] {0.1, 0.7, 7.0, 6.0});
        bins = (List<?>) h.get("bins");
        assertEquals(13, bins.size());
        assertEquals(1L, ((Map<?, ?>) bins.get(0)).get("observed"));
        assertEquals(1L, ((Map<?, ?>) bins.get(1)).get("observed"));
        assertEquals(2L, ((Map<?, ?>) bins.get(12)).get("observed"));
        assertEquals(null, ((Map<?, ?>) bins.get(12)).get("to"));
        assertTotals(h, 4);

        Profile si = Profile.defaults("synthid", KEYS.primaryId(), "none", 1000);
        NullModel snm = nullModel(si);
        h = ReportStats.histogram(si, snm, new double[] {0, 3, 5, 100});
        assertTotals(h, 4);
        // the law behind the expected counts has the null model's mean and variance
        io.provmark.core.profile.SynthIdParams sp = (io.provmark.core.profile.SynthIdParams) si.params();
        int[] w = sp.score() == io.provmark.core.profile.SynthIdParams.Score.WEIGHTED_MEAN ? sp.weightArray() : new int[sp.depth()];
        if (sp.score() != io.provmark.core.profile.SynthIdParams.Score.WEIGHTED_MEAN) {
            java.util.Arrays.fill(w, 1);
        }
        double[] pmf = ReportStats.weightedBitsPmf(w);
        double mean = 0;
        double sq = 0;
        for (int v = 0; v < pmf.length; v++) {
            mean += v * pmf[v];
            sq += (double) v * v * pmf[v];
        }
        assertEquals(snm.mean(), mean, 1e-9);
        assertEquals(snm.variance(), sq - mean * mean, 1e-6);
    }

    private static void assertTotals(Map<String, Object> h, int n) {
        long obs = 0;
        double exp = 0;
        for (Object o : (List<?>) h.get("bins")) {
            obs += (Long) ((Map<?, ?>) o).get("observed");
            exp += (Double) ((Map<?, ?>) o).get("expected");
        }
        assertEquals(n, exp, 1e-9);
        assertTrue(obs <= n);
    }
}
