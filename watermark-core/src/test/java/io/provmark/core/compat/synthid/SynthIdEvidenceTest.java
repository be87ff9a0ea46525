package io.provmark.core.compat.synthid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.detect.Evidence;
import io.provmark.core.detect.PositionDetail;
import io.provmark.core.stats.LogTails;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** provmark's evidence over upstream's positions: exact tails, dedup rules, per-position detail, calibration. */
class SynthIdEvidenceTest {

    static SynthIdCompat hf(String detector) {
        return HfSynthIdCompat.fromProfile(SynthIdVectors.profile(SynthIdVectors.hfProfile(32000, detector)));
    }

    static int[] tokens(String file, String name) {
        return SynthIdVectors.ints(SynthIdVectorsTest.sequence(file, name).get("tokens"));
    }

    @Test
    void meanEvidenceIsTheExactBinomialTail() {
        SynthIdCompat c = hf("{\"eos_token_id\": 1, \"dedup\": \"none\"}");
        int[] t = tokens(SynthIdVectorsTest.HF, "watermarked_0");
        SynthIdCompat.Analysis a = c.analyze(t);
        long k = 0;
        for (int j = 0; j < a.gSum().length; j++) {
            if (a.mask()[j]) {
                k += a.gSum()[j];
            }
        }
        Evidence e = c.detect(t, new int[0], false).evidence();
        assertEquals("hf-synthid", e.scheme());
        assertEquals("compat", e.keyId());
        assertEquals("mean", e.statisticName());
        assertEquals(60, e.numTokens());
        assertEquals(56, e.numScored());
        assertEquals("none", e.dedup());
        assertTrue(e.exact());
        assertEquals(a.meanX64(), e.statistic());
        assertEquals(LogTails.binomialLogSurvival(56L * 30, k, 0.5), e.lnPValue());
        assertTrue(e.log10PValue() < -60, "HF-watermarked text: " + e.log10PValue());
        // the default prf-input dedup drops the 9 positions whose 16-bit ngram residue (hence every
        // g-value) repeats an earlier one: HF-watermarked text concentrates on a few residues
        Evidence d = hf("{\"eos_token_id\": 1}").detect(t, new int[0], false).evidence();
        assertEquals("prf-input", d.dedup());
        assertEquals(47, d.numScored());
        assertTrue(d.log10PValue() < -50, "still decisive: " + d.log10PValue());
        // random text is not flagged
        Evidence r = c.detect(tokens(SynthIdVectorsTest.HF, "random_4"), new int[0], false).evidence();
        assertTrue(r.pValue() > 0.01, "random_4 p = " + r.pValue());
    }

    @Test
    void weightedEvidenceIsExactOnShortTextsAndABoundOnLongOnes() {
        SynthIdCompat c = hf("{\"eos_token_id\": 1, \"score\": \"weighted_mean\", \"dedup\": \"none\"}");
        int[] t = tokens(SynthIdVectorsTest.HF, "watermarked_0"); // 56 positions: 56 * 4785 < 1e6
        Evidence e = c.detect(t, new int[0], false).evidence();
        assertEquals("weighted_mean", e.statisticName());
        assertTrue(e.exact());
        SynthIdCompat.Analysis a = c.analyze(t);
        int[] w = SynthIdCompat.linspaceIntegerWeights(30);
        long s = 0;
        for (int j = 0; j < a.gValues().length; j++) {
            for (int d = 0; d < 30; d++) {
                s += (long) w[d] * a.gValues()[j][d];
            }
        }
        assertEquals(LogTails.weightedBernoulliLogSurvival(56, w, s), e.lnPValue());
        assertEquals(a.weightedMeanX64(), e.statistic(), 1e-15);

        // 296 positions exceed EXACT_WEIGHTED_SUPPORT: a Chernoff bound, never below the exact value
        int[] longText = tokens(SynthIdVectorsTest.HF, "watermarked_3");
        Evidence b = c.detect(longText, new int[0], false).evidence();
        assertFalse(b.exact());
        SynthIdCompat.Analysis la = c.analyze(longText);
        long ls = 0;
        for (int j = 0; j < la.gValues().length; j++) {
            for (int d = 0; d < 30; d++) {
                ls += (long) w[d] * la.gValues()[j][d];
            }
        }
        double exact = LogTails.weightedBernoulliLogSurvival(b.numScored(), w, ls);
        assertTrue(b.lnPValue() >= exact, b.lnPValue() + " < exact " + exact);
        assertTrue(b.lnPValue() < exact + 10, "bound within e^10: " + b.lnPValue() + " vs " + exact);
    }

    /** Null distribution of sum_j sum_d w_d g_jd by enumerating all 2^(n*depth) coin patterns. */
    @Test
    void weightedExactMatchesBruteForceEnumeration() {
        String profile = "{\"scheme\": \"hf-synthid\", \"vocab_size\": 100, \"config\": {\"ngram_len\": 2,"
                + " \"keys\": [11, 22, 33]}, \"detector\": {\"score\": \"weighted_mean\", \"dedup\": \"none\"}}";
        SynthIdCompat c = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(profile));
        int[] w = SynthIdCompat.linspaceIntegerWeights(3); // 20, 11, 2
        int[][] texts = {{1, 2, 3, 4, 5, 6}, {9, 8, 7, 6, 5, 4}, {50, 51, 52, 53, 54, 55}, {3, 1, 4, 1, 5, 9}};
        for (int[] t : texts) {
            CompatResult r = c.detect(t, new int[0], false);
            int n = r.evidence().numScored();
            SynthIdCompat.Analysis a = c.analyze(t);
            long s = 0;
            for (int j = 0; j < a.gValues().length; j++) {
                if (a.mask()[j]) {
                    for (int d = 0; d < 3; d++) {
                        s += (long) w[d] * a.gValues()[j][d];
                    }
                }
            }
            long hits = 0;
            int bits = n * 3;
            for (long pattern = 0; pattern < (1L << bits); pattern++) {
                long v = 0;
                for (int b = 0; b < bits; b++) {
                    if (((pattern >>> b) & 1) != 0) {
                        v += w[b % 3];
                    }
                }
                if (v >= s) {
                    hits++;
                }
            }
            double expected = Math.log((double) hits / (1L << bits));
            assertEquals(expected, r.evidence().lnPValue(), 1e-9, "text " + java.util.Arrays.toString(t));
            assertTrue(r.evidence().exact());
        }
    }

    @Test
    void dedupRules() {
        // history of 2 contexts: a repeated ngram 4 contexts later is counted twice by upstream
        String base = "{\"scheme\": \"hf-synthid\", \"vocab_size\": 300000, \"config\": {\"ngram_len\": 3,"
                + " \"keys\": [5, 6, 7, 8], \"context_history_size\": 2}, \"detector\": {\"dedup\": \"%s\"}}";
        int[] t = {10, 11, 12, 20, 21, 22, 23, 10, 11, 12, 30, 31, 10, 11, 40};
        Map<String, Integer> scored = new java.util.HashMap<>();
        for (String rule : List.of("none", "prf-input", "context")) {
            SynthIdCompat c = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(String.format(base, rule)));
            CompatResult r = c.detect(t, new int[0], true);
            scored.put(rule, r.evidence().numScored());
            assertEquals(rule, r.evidence().dedup());
            int upstreamCount = c.analyze(t).numUnmasked();
            assertEquals(13, upstreamCount, "upstream's window of 2 misses the repeats");
        }
        assertEquals(13, scored.get("none"));
        assertEquals(12, scored.get("prf-input"), "(10, 11, 12) is scored once");
        assertEquals(10, scored.get("context"), "contexts (10, 11) and (11, 12) are scored once each");

        // HF table: ngrams differing by 65536 in one id share all g-values; prf-input drops the copy
        int[] u = {100, 200, 300, 400, 500, 9, 9, 100 + 65536, 200, 300, 400, 500};
        SynthIdCompat none = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(
                SynthIdVectors.hfProfile(256000, "{\"dedup\": \"none\"}")));
        SynthIdCompat prf = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(SynthIdVectors.hfProfile(256000, "{}")));
        assertEquals(none.detect(u, new int[0], false).evidence().numScored(),
                prf.detect(u, new int[0], false).evidence().numScored() + 1);
        SynthIdCompat dm = DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile(SynthIdVectors.dmProfile(256000, "{}")));
        assertEquals(none.detect(u, new int[0], false).evidence().numScored(),
                dm.detect(u, new int[0], false).evidence().numScored(), "DeepMind HEAD sees the full ids");
    }

    @Test
    void perPositionDetail() {
        SynthIdCompat c = hf("{\"eos_token_id\": 1}");
        int[] t = tokens(SynthIdVectorsTest.HF, "with_eos_at_75");
        CompatResult r = c.detect(t, new int[0], true);
        List<PositionDetail> p = r.evidence().positions();
        assertEquals(t.length, p.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(PositionDetail.Status.PARTIAL_CONTEXT, p.get(i).status());
        }
        assertEquals(PositionDetail.Status.SCORED, p.get(4).status());
        assertEquals(PositionDetail.Status.EOS, p.get(75).status());
        for (int i = 76; i < t.length; i++) {
            assertEquals(PositionDetail.Status.AFTER_EOS, p.get(i).status());
        }
        assertEquals(t.length - 4, r.perToken().size());
        Map<String, Object> first = r.perToken().get(0);
        assertEquals(List.of("index", "token", "g_values", "context_repetition_mask", "eos_token_mask", "mask",
                "evidence_scored"), List.copyOf(first.keySet()));
        assertEquals(4, first.get("index"));
        JsonNode g0 = SynthIdVectorsTest.sequence(SynthIdVectorsTest.HF, "with_eos_at_75").get("g_values").get(0);
        assertEquals(SynthIdVectors.MAPPER.convertValue(g0, List.class), first.get("g_values"));
        double sum = 0;
        for (PositionDetail d : p) {
            if (d.status() == PositionDetail.Status.SCORED) {
                sum += d.value();
            }
        }
        assertEquals(r.evidence().statistic() * 30 * r.evidence().numScored(), sum, 1e-9);

        CompatResult periodic = c.detect(tokens(SynthIdVectorsTest.HF, "periodic_0"), new int[0], true);
        assertEquals(PositionDetail.Status.DUPLICATE, periodic.evidence().positions().get(10).status());
        assertEquals(6, periodic.evidence().numScored());
        assertTrue(c.detect(t, new int[0], false).perToken().isEmpty());
    }

    @Test
    void x64OptionReportsFloat64Scores() {
        SynthIdCompat c = hf("{\"eos_token_id\": 1, \"jax_enable_x64\": true}");
        JsonNode s = SynthIdVectorsTest.sequence(SynthIdVectorsTest.HF, "random_2");
        CompatResult r = c.detect(SynthIdVectors.ints(s.get("tokens")), new int[0], false);
        assertEquals(s.get("mean_x64").doubleValue(), (double) r.upstream().get("mean"));
        assertEquals(s.get("weighted_mean_x64").doubleValue(), (double) r.upstream().get("weighted_mean"), 1e-15);
    }

    /**
     * Calibration under the null: 400 uniform random texts of 100 tokens. Each p-value is exact, so
     * the number below 0.01 is Binomial(400, 0.01) (mean 4); P(X > 14) < 1e-5, the false-failure
     * probability of this fixed-seed test if the implementation were right but the seed unlucky.
     */
    @Test
    void nullPValuesAreCalibrated() {
        for (SynthIdCompat c : new SynthIdCompat[] {hf("{}"), DeepMindSynthIdCompat.fromProfile(
                SynthIdVectors.profile(SynthIdVectors.dmProfile(32000, "{}")))}) {
            SplittableRandom rnd = new SplittableRandom(20240601);
            int small = 0;
            for (int i = 0; i < 400; i++) {
                int[] t = new int[100];
                for (int j = 0; j < t.length; j++) {
                    t[j] = rnd.nextInt(32000);
                }
                if (c.detect(t, new int[0], false).evidence().pValue() < 0.01) {
                    small++;
                }
            }
            assertTrue(small <= 14, c.upstream() + ": " + small + " of 400 p-values below 0.01");
        }
    }
}
