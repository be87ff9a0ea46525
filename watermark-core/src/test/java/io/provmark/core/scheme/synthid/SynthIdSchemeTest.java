package io.provmark.core.scheme.synthid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.scheme.Fixtures;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.core.scheme.RepeatedContextChecks;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SynthIdSchemeTest {
    private static final int VOCAB = 500;

    private static WatermarkScheme scheme(int window, SynthIdParams.Score score, long keySeed) {
        return Schemes.create(Fixtures.profile(new SynthIdParams(30, SynthIdParams.defaultWeights(30), score, window), 3,
                VOCAB, "k" + keySeed, DedupRule.PRF_INPUT, false, -1), Fixtures.key("k" + keySeed, keySeed));
    }

    @Test
    void biasedLogitsAreTheTournamentDistributionAndStepSamplesIt() {
        WatermarkScheme s = scheme(0, SynthIdParams.Score.WEIGHTED_MEAN, 71);
        SplittableRandom r = new SplittableRandom(12);
        int agree = 0;
        int total = 0;
        for (int k = 0; k < 40; k++) {
            int[] ids = Fixtures.randomTokens(r, 3 + r.nextInt(5), VOCAB);
            float[] logits = Fixtures.randomLogits(r, VOCAB, 1.0 + 2 * r.nextDouble());
            float[] b = logits.clone();
            s.embedder().biasLogits(ids, ids.length, b);
            double[] cum = new double[VOCAB + 1];
            for (int t = 0; t < VOCAB; t++) {
                cum[t + 1] = cum[t] + Math.exp(b[t]);
            }
            // float logs of a probability vector: the sum is 1 up to float rounding (~1e-7 each)
            assertEquals(1.0, cum[VOCAB], 1e-4, "exp(biased logits) must sum to 1");
            for (int i = 0; i < 250; i++) {
                double u = (i + 0.5) / 250;
                int t = s.embedder().step(ids, ids.length, logits, u);
                total++;
                // the token whose cumulative interval holds u (up to the float rounding of the logs)
                if (cum[t] - 1e-5 <= u && u < cum[t + 1] + 1e-5) {
                    agree++;
                }
            }
        }
        assertEquals(total, agree, "step must sample the distribution biasLogits writes");
    }

    @Test
    void tournamentFavoursTokensWithMoreGBits() {
        // the tilt moves mass toward tokens whose g-values are 1: the watermarked token has a
        // higher g-sum than the unwatermarked one on average (here: over 2000 steps, flat logits)
        SynthIdScheme s = (SynthIdScheme) scheme(-1, SynthIdParams.Score.MEAN, 72);
        SplittableRandom r = new SplittableRandom(13);
        double sum = 0;
        int n = 2000;
        float[] flat = new float[VOCAB];
        for (int k = 0; k < n; k++) {
            int[] seq = Fixtures.randomTokens(r, 4, VOCAB);
            seq[3] = s.step(seq, 3, flat, r.nextDouble());
            sum += s.value(seq, 0, 3);
        }
        // null mean of the 30-bit g-sum is 15 (sd 2.74, so the mean of 2000 has sd 0.061);
        // flat logits over 500 tokens push it far above: measured 22.0
        assertTrue(sum / n > 16.0, "mean g-sum " + sum / n);
    }

    @Test
    void gValuesOfTheTwoScores() {
        SynthIdScheme mean = (SynthIdScheme) scheme(0, SynthIdParams.Score.MEAN, 73);
        SynthIdScheme weighted = (SynthIdScheme) scheme(0, SynthIdParams.Score.WEIGHTED_MEAN, 73);
        assertEquals(30, mean.gValue(-1), 0.0); // only the low 30 bits count
        assertEquals(0, mean.gValue(0xC0000000), 0.0);
        assertEquals(2, mean.gValue(0b101), 0.0);
        assertEquals(30 + 28, weighted.gValue(0b101), 0.0); // weights 30, 29, 28, ...
        assertEquals(465, weighted.gValue(-1), 0.0);
        assertEquals(15.0, mean.nullModel().mean(), 0.0);
        assertEquals(7.5, mean.nullModel().variance(), 0.0);
        assertEquals(232.5, weighted.nullModel().mean(), 0.0);
    }

    @Test
    void repeatedContextWindow() {
        // (5, 6, 7) was the context of position 3; position 10 repeats it
        int[] ids = {5, 6, 7, 1, 2, 3, 4, 8, 5, 6, 7};
        float[] logits = Fixtures.randomLogits(new SplittableRandom(14), VOCAB, 0.5);
        RepeatedContextChecks.check(scheme(0, SynthIdParams.Score.WEIGHTED_MEAN, 74),
                scheme(-1, SynthIdParams.Score.WEIGHTED_MEAN, 74), ids, logits);
        RepeatedContextChecks.checkFresh(scheme(7, SynthIdParams.Score.WEIGHTED_MEAN, 74), ids, logits);
        RepeatedContextChecks.check(scheme(8, SynthIdParams.Score.WEIGHTED_MEAN, 74),
                scheme(-1, SynthIdParams.Score.WEIGHTED_MEAN, 74), ids, logits);
    }

    @Test
    void depthOneTournamentIsTheClosedForm() {
        // one layer: p'(t) = p(t) (1 + g(t) - E_p[g])
        WatermarkScheme s = Schemes.create(Fixtures.profile(new SynthIdParams(1, List.of(1), SynthIdParams.Score.MEAN, -1),
                1, VOCAB, "k75", DedupRule.PRF_INPUT, false, -1), Fixtures.key("k75", 75));
        SynthIdScheme sid = (SynthIdScheme) s;
        float[] logits = Fixtures.randomLogits(new SplittableRandom(15), VOCAB, 1.0);
        int[] ids = {9};
        double[] p = new double[VOCAB];
        double z = 0;
        for (int t = 0; t < VOCAB; t++) {
            p[t] = Math.exp(logits[t]);
            z += p[t];
        }
        int[] g = new int[VOCAB];
        double eg = 0;
        for (int t = 0; t < VOCAB; t++) {
            p[t] /= z;
            g[t] = (int) sid.value(new int[] {9, t}, 0, 1);
            eg += p[t] * g[t];
        }
        float[] b = logits.clone();
        s.embedder().biasLogits(ids, 1, b);
        for (int t = 0; t < VOCAB; t++) {
            assertEquals(p[t] * (1 + g[t] - eg), Math.exp(b[t]), 1e-6 * p[t] + 1e-12, "token " + t);
        }
        assertTrue(Arrays.stream(g).sum() > 0);
    }

    /** The chunked tournament equals the layer-by-layer definition for every chunk width it picks. */
    @Test
    void chunkedTournamentMatchesLayerByLayerReference() {
        SplittableRandom r = new SplittableRandom(16);
        for (int depth : new int[] {1, 5, 7, 30, 32}) {
            for (int n : new int[] {2, 37, 1000, 20000}) {
                SynthIdScheme s = (SynthIdScheme) Schemes.create(Fixtures.profile(new SynthIdParams(depth,
                        SynthIdParams.defaultWeights(depth), SynthIdParams.Score.MEAN, -1), 2, 20000, "k76",
                        DedupRule.PRF_INPUT, false, -1), Fixtures.key("k76", 76));
                float[] logits = Fixtures.randomLogits(r, n, 0.5 + 3 * r.nextDouble());
                int[] words = new int[n];
                for (int i = 0; i < n; i++) {
                    words[i] = r.nextInt();
                }
                double[] want = new double[n];
                double z = 0;
                for (int i = 0; i < n; i++) {
                    want[i] = Math.exp(logits[i]);
                    z += want[i];
                }
                for (int i = 0; i < n; i++) {
                    want[i] /= z;
                }
                for (int l = 0; l < depth; l++) {
                    double e = 0;
                    for (int i = 0; i < n; i++) {
                        e += want[i] * ((words[i] >>> l) & 1);
                    }
                    for (int i = 0; i < n; i++) {
                        want[i] *= 1 + ((words[i] >>> l) & 1) - e;
                    }
                }
                double[] got = s.tournamentDistribution(logits, words, n);
                for (int i = 0; i < n; i++) {
                    // reassociated double sums over <= 20,000 terms: relative error far below 1e-12; a mass
                    // near 1e-67 may round to exactly 0 in one order and not the other (absolute 1e-15)
                    assertEquals(want[i], got[i], 1e-12 * want[i] + 1e-15,
                            "depth " + depth + " n " + n + " chunk bits " + SynthIdScheme.chunkBits(depth, n) + " token " + i);
                }
            }
        }
    }
}
