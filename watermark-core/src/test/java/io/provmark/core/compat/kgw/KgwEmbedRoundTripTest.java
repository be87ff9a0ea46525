package io.provmark.core.compat.kgw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.compat.CompatResult;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Generation through the embed hooks, detection with the upstream-faithful scorers. Fixed seeds:
 * each run is deterministic; the thresholds and the probability that a fresh seed would miss them
 * are derived below.
 */
class KgwEmbedRoundTripTest {
    static final int V = 32_000;
    static final int N = 150;
    static final double ZIPF = 1.5;
    static final int[] PROMPT = {11, 22, 33, 44, 55};

    /*
     * Zipf exponent 1.5 over 32,000 ids keeps most mass in the top 40 (where selfhash acts) with
     * enough entropy that +2 lifts the green share from 0.25 to about 0.57 (z about 9 with these
     * seeds). With 150 tokens, z > 5 needs more than 37.5 + 5 * 5.3 = 64 green tokens while about 85
     * are expected (binomial sd about 6): a miss is a > 3.5 sd event, probability < 3e-4 per run for a
     * fresh seed (the seeds here are fixed, so the run is deterministic); z > 5 with 150 tokens also puts the
     * exact binomial tail below 1e-6. Unwatermarked text has a uniform exact p-value: P(p < 1e-4) = 1e-4.
     */
    static void assertWatermarked(CompatResult r, String what) {
        double z = (Double) r.upstream().get("z_score");
        assertTrue(z > 5, what + ": z = " + z);
        assertTrue(r.evidence().lnPValue() < Math.log(1e-6), what + ": ln p = " + r.evidence().lnPValue());
    }

    @Test
    void hfKgwAllSchemesRoundTrip() {
        Generator gen = new Generator(new ZipfLogitsModel(V, ZIPF, 2), 1.0);
        String[] schemes = {"lefthash", "lefthash", "selfhash", "selfhash"};
        int[] widths = {1, 4, 1, 4};
        for (int i = 0; i < schemes.length; i++) {
            HfKgwCompat c = HfKgwCompat.of(V, 0.25, 2.0, BigInteger.valueOf(4294967291L), schemes[i], widths[i]);
            int[] out = gen.generate(c.embedder(), PROMPT, N, 1000 + i);
            assertWatermarked(c.detect(out, PROMPT, false), schemes[i] + " cw" + widths[i]);
            assertWatermarked(c.detect(concat(PROMPT, out), null, false), schemes[i] + " cw" + widths[i] + " as HF's one list");
        }
    }

    @Test
    void lmWatermarkingRoundTrip() {
        Generator gen = new Generator(new ZipfLogitsModel(V, ZIPF, 2), 1.0);
        for (String s : new String[] {"simple_1", "selfhash"}) {
            LmWatermarkingKgwCompat c = LmWatermarkingKgwCompat.of(V, 0.25, 2.0, s);
            int[] out = gen.generate(c.embedder(), PROMPT, N, 77);
            assertWatermarked(c.detect(out, PROMPT, false), s);
        }
    }

    @Test
    void unwatermarkedTextIsNotDetected() {
        Generator gen = new Generator(new ZipfLogitsModel(V, ZIPF, 2), 1.0);
        int[] out = gen.generate(null, PROMPT, N, 5);
        HfKgwCompat hf = HfKgwCompat.of(V, 0.25, 2.0, BigInteger.valueOf(15485863L), "selfhash", 4);
        CompatResult r = hf.detect(out, PROMPT, false);
        assertTrue(r.evidence().lnPValue() > Math.log(1e-4), "ln p = " + r.evidence().lnPValue());
        assertEquals(false, r.upstream().get("prediction"));
    }

    @Test
    void candidateFormMatchesFullVocabularyWhenTopCandidatesIncluded() {
        SplittableRandom rnd = new SplittableRandom(3);
        HfKgwCompat hf = HfKgwCompat.of(V, 0.25, 2.0, BigInteger.valueOf(15485863L), "selfhash", 4);
        KgwEmbedder e = hf.embedder();
        float[] logits = new float[V];
        for (int i = 0; i < V; i++) {
            logits[i] = (float) rnd.nextGaussian() * 4;
        }
        int[] ctx = {5, 6, 7, 8, 9};
        // candidates: the top 64 by logit (superset of upstream's 40), shuffled
        Integer[] order = new Integer[V];
        for (int i = 0; i < V; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int[] cand = new int[64];
        float[] cl = new float[64];
        for (int i = 0; i < 64; i++) {
            cand[i] = order[63 - i];
            cl[i] = logits[cand[i]];
        }
        float[] biased = logits.clone();
        e.biasLogits(ctx, ctx.length, biased);
        for (double r : new double[] {0.01, 0.3, 0.77, 0.999}) {
            // Same distribution over the candidates: compare the chosen token with sampling restricted by hand.
            float[] sub = new float[64];
            for (int i = 0; i < 64; i++) {
                sub[i] = biased[cand[i]];
            }
            int want = cand[io.provmark.core.scheme.Sampling.sampleSoftmax(sub, 64, r)];
            assertEquals(want, e.step(ctx, ctx.length, cand, cl, 64, r));
        }
    }

    @Test
    void shortPrefixBehaviour() {
        HfKgwCompat hf = HfKgwCompat.of(V, 0.25, 2.0, BigInteger.valueOf(15485863L), "lefthash", 4);
        float[] logits = new float[V];
        float[] copy = logits.clone();
        hf.embedder().biasLogits(new int[] {1, 2}, 2, copy);
        assertArrayEquals(logits, copy); // transformers skips seeding and leaves the scores unchanged
        LmWatermarkingKgwCompat orig = LmWatermarkingKgwCompat.of(V, 0.25, 2.0, "selfhash");
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> orig.embedder().biasLogits(new int[] {1, 2}, 2, new float[V]));
        assertTrue(ex.getMessage().contains("at least 3"), ex.getMessage());
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
