package io.provmark.core.scheme;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SchemeParams;
import io.provmark.core.profile.SynthIdParams;
import java.util.SplittableRandom;
import org.apache.commons.statistics.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 4: over keys, Gumbel-max and SynthID leave the next-token distribution exactly
 * softmax(logits). One fixed logits vector over 16 tokens, one step under each of 20,000 keys
 * (independent, from a seeded SplittableRandom), then a chi-square goodness-of-fit test against
 * softmax. The test fails only above the 1 - 1e-4 quantile of chi-square(15): false-failure
 * probability 1e-4 per test when the scheme is distortion-free. Red-green (delta = 2) runs through
 * the same test as a check of its power: it must fail it by far.
 */
class DistortionFreeTest {
    private static final int KEYS = 20_000;
    private static final int CELLS = 16;
    /** Mixed probabilities 0.2% .. 35%: the smallest expected count is 20,000 * 0.002 = 40 >= 5. */
    private static final float[] LOGITS = {3.0f, 2.6f, 2.2f, 2.0f, 1.5f, 1.0f, 1.0f, 0.5f, 0.0f, -0.3f, -0.7f, -1.0f,
            -1.5f, -2.0f, -2.5f, -3.0f};
    /** Candidate ids inside a 4096-token vocabulary: arbitrary, unsorted. */
    private static final int[] CANDIDATES = {4095, 17, 2048, 3, 999, 1000, 12, 77, 3500, 2, 640, 641, 1, 4000, 123, 0};
    private static final int CANDIDATE_VOCAB = 4096;
    private static final int[] CONTEXT = {7, 11, 13};
    /** chi-square(15) upper 1e-4 quantile, about 44.3. */
    private static final double CRITICAL = ChiSquaredDistribution.of(CELLS - 1).inverseSurvivalProbability(1e-4);

    private static double[] softmax() {
        double[] p = new double[CELLS];
        double z = 0;
        for (int i = 0; i < CELLS; i++) {
            p[i] = Math.exp(LOGITS[i]);
            z += p[i];
        }
        for (int i = 0; i < CELLS; i++) {
            p[i] /= z;
        }
        return p;
    }

    /** Chi-square statistic of the tokens chosen under KEYS fresh keys. */
    private static double chiSquare(SchemeParams params, int h, boolean candidateForm, long seed) {
        SplittableRandom keys = new SplittableRandom(seed);
        SplittableRandom rs = new SplittableRandom(seed + 1);
        int vocab = candidateForm ? CANDIDATE_VOCAB : CELLS;
        long[] counts = new long[CELLS];
        byte[] material = new byte[32];
        for (int k = 0; k < KEYS; k++) {
            keys.nextBytes(material);
            WatermarkKey key = new WatermarkKey("k", material, 0);
            Embedder e = Schemes.create(Fixtures.profile(params, h, vocab, "k", DedupRule.PRF_INPUT, false, -1), key)
                    .embedder();
            double r = rs.nextDouble(); // the caller's randomness (used by SynthID and red-green)
            int cell;
            if (candidateForm) {
                int t = e.step(CONTEXT, CONTEXT.length, CANDIDATES, LOGITS, CELLS, r);
                cell = indexOf(CANDIDATES, t);
            } else {
                cell = e.step(CONTEXT, CONTEXT.length, LOGITS, r);
            }
            counts[cell]++;
        }
        double[] p = softmax();
        double chi = 0;
        for (int i = 0; i < CELLS; i++) {
            double expected = KEYS * p[i];
            chi += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        return chi;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        throw new AssertionError("token " + v + " is not a candidate");
    }

    /** One line per test: the measured statistics are quoted in docs/statistics.md. */
    private static void report(String what, double chi) {
        System.out.printf("distortion test %-22s chi2(15) = %8.2f  (critical %.2f, %d keys)%n", what, chi, CRITICAL, KEYS);
    }

    private static final SchemeParams GUMBEL = new GumbelParams(0);
    private static final SchemeParams SYNTHID = new SynthIdParams(30, SynthIdParams.defaultWeights(30),
            SynthIdParams.Score.WEIGHTED_MEAN, 0);

    @Test
    void gumbelFullVocabulary() {
        double chi = chiSquare(GUMBEL, 2, false, 101);
        report("gumbel full", chi);
        assertTrue(chi < CRITICAL, "gumbel chi-square " + chi + " >= " + CRITICAL);
    }

    @Test
    void gumbelCandidates() {
        double chi = chiSquare(GUMBEL, 2, true, 102);
        report("gumbel candidates", chi);
        assertTrue(chi < CRITICAL, "gumbel (candidates) chi-square " + chi + " >= " + CRITICAL);
    }

    @Test
    void synthIdFullVocabulary() {
        double chi = chiSquare(SYNTHID, 3, false, 103);
        report("synthid full", chi);
        assertTrue(chi < CRITICAL, "synthid chi-square " + chi + " >= " + CRITICAL);
    }

    @Test
    void synthIdCandidates() {
        double chi = chiSquare(SYNTHID, 3, true, 104);
        report("synthid candidates", chi);
        assertTrue(chi < CRITICAL, "synthid (candidates) chi-square " + chi + " >= " + CRITICAL);
    }

    @Test
    void redGreenIsNotDistortionFree() {
        // The green bonus moves mass toward unlikely tokens: measured chi-square ~250 here, i.e. a
        // noncentrality of ~235, whose chi-square has sd ~31; falling below the critical value
        // (~44) would take a 6-sd fluke, so a failure here means the test has lost its power.
        double chi = chiSquare(new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH), 1, false, 105);
        report("red-green", chi);
        assertTrue(chi > CRITICAL, "red-green chi-square " + chi + " should be above " + CRITICAL);
        double chiCand = chiSquare(new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH), 1, true, 106);
        report("red-green candidates", chiCand);
        assertTrue(chiCand > CRITICAL, "red-green (candidates) chi-square " + chiCand);
    }
}
