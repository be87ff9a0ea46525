package io.provmark.core.compat.synthid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.detect.Evidence;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.scheme.Embedder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Generation through the upstream-faithful processors, detected by the upstream-faithful scorers.
 * Generation uses fixed seeds, so the statistical assertions are deterministic; each threshold
 * sits far inside what the math predicts (noted per test).
 */
class SynthIdEmbedderTest {
    static final int[] PROMPT = {22640, 2774, 6327, 1367};

    static HfSynthIdCompat hf(int vocab, String detector) {
        return HfSynthIdCompat.fromProfile(SynthIdVectors.profile(SynthIdVectors.hfProfile(vocab, detector)));
    }

    static DeepMindSynthIdCompat dm(int vocab, int ngramLen, String keys, int numLeaves) {
        return DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile("{\"scheme\": \"deepmind-synthid\", \"vocab_size\": "
                + vocab + ", \"config\": {\"ngram_len\": " + ngramLen + ", \"keys\": " + keys
                + ", \"temperature\": 0.7, \"top_k\": 40, \"num_leaves\": " + numLeaves + "}}"));
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Zipf exponent 1.0 over 32000 ids has several nats of entropy per step, so HF's watermark
     * lifts the mean g to about 0.6 or more; under the null 250 tokens x 30 layers give a
     * Binomial(7380, 1/2) with sd 0.006 around 0.5. Requiring p < 1e-30 (mean above ~0.57) leaves a wide margin.
     */
    @Test
    void hfGenerationIsDetectedByTheHfScorer() {
        HfSynthIdCompat c = hf(32000, "{}");
        Generator gen = new Generator(new ZipfLogitsModel(32000, 1.0, 2), 1.0);
        int[] out = gen.generate(c.embedder(PROMPT.length), PROMPT, 250, 7);
        Evidence e = c.detect(out, PROMPT, false).evidence();
        assertTrue(e.log10PValue() < -30, "watermarked: log10 p = " + e.log10PValue() + ", mean " + e.statistic());
        // the same text is unremarkable to DeepMind HEAD (other g-values) and the unwatermarked text to HF
        DeepMindSynthIdCompat d = DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile(SynthIdVectors.dmProfile(32000, "{}")));
        assertTrue(d.detect(out, PROMPT, false).evidence().pValue() > 1e-4);
        int[] plain = gen.generate(null, PROMPT, 250, 7);
        assertTrue(c.detect(plain, PROMPT, false).evidence().pValue() > 1e-4);
    }

    /** Vocabulary 256000 (Gemma's size): same behaviour; 120 tokens keep the test under a few seconds. */
    @Test
    void hfGenerationAt256000() {
        HfSynthIdCompat c = hf(256000, "{\"eos_token_id\": 1}");
        Generator gen = new Generator(new ZipfLogitsModel(256000, 1.0, 2), 1.0);
        int[] out = gen.generate(c.embedder(PROMPT.length), PROMPT, 120, 11);
        Evidence e = c.detect(out, PROMPT, false).evidence();
        assertTrue(e.log10PValue() < -15, "log10 p = " + e.log10PValue());
    }

    /**
     * DeepMind HEAD generation (temperature 0.7, top-k 40, as watermarked_call) detected by the
     * DeepMind scorer; also with 3 leaves (update_scores_distortionary), whose per-layer lift is larger.
     */
    @Test
    void deepMindGenerationIsDetectedByTheDeepMindScorer() {
        for (int leaves : new int[] {2, 3}) {
            DeepMindSynthIdCompat c = dm(32000, 5, SynthIdVectors.DEFAULT_KEYS, leaves);
            Generator gen = new Generator(new ZipfLogitsModel(32000, 1.0, 2), 1.0);
            int[] out = gen.generate(c.embedder(PROMPT.length), PROMPT, 200, 3);
            Evidence e = c.detect(out, PROMPT, false).evidence();
            assertTrue(e.log10PValue() < -20, leaves + " leaves: log10 p = " + e.log10PValue());
            HfSynthIdCompat h = hf(32000, "{}");
            assertTrue(h.detect(out, PROMPT, false).evidence().pValue() > 1e-4);
        }
    }

    /**
     * debug_mode (uniform scores) with one layer: the mean g of generated ngrams is HF's
     * expected_mean_g_value = 0.75 - 0.25/V. 3000 tokens: sd about 0.008 (plus the spread of each
     * context's fraction of ones, which averages out); 5 sd = 0.04 is the allowed error.
     */
    @Test
    void debugModeReachesTheExpectedMeanGValue() {
        int vocab = 1000;
        HfSynthIdCompat c = HfSynthIdCompat.fromProfile(SynthIdVectors.profile("{\"scheme\": \"hf-synthid\", \"vocab_size\": "
                + vocab + ", \"config\": {\"ngram_len\": 5, \"keys\": [654], \"debug_mode\": true}, \"detector\": {\"dedup\": \"none\"}}"));
        Generator gen = new Generator(new ZipfLogitsModel(vocab, 3.0, 2), 1.0); // logits ignored in debug mode
        int[] out = gen.generate(c.embedder(0), new int[0], 3000, 5);
        double mean = (double) c.analyze(out).meanX64();
        double expected = HfSynthIdCompat.expectedMeanGValue(vocab, 0.5);
        assertEquals(0.74975, expected, 1e-12);
        assertEquals(expected, mean, 0.04, "mean g " + mean);
    }

    /** A naive float64 transcription of update_scores / update_scores_distortionary over a small vocabulary. */
    static double[] referenceTournament(SynthIdAlgorithm a, long ctxHash, double[] logits, int leaves) {
        int v = logits.length;
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] p = new double[v];
        double z = 0;
        for (int i = 0; i < v; i++) {
            p[i] = Math.exp(logits[i] - max);
            z += p[i];
        }
        for (int i = 0; i < v; i++) {
            p[i] /= z;
        }
        for (int d = 0; d < a.depth(); d++) {
            int[] g = new int[v];
            double m = 0;
            for (int i = 0; i < v; i++) {
                g[i] = a.g(a.layerKey(SynthIdHash.step(ctxHash, i), d));
                m += g[i] * p[i];
            }
            for (int i = 0; i < v; i++) {
                if (leaves == 2) {
                    p[i] = p[i] * (1 + g[i] - m);
                } else {
                    double in = (1 - Math.pow(1 - m, leaves)) / m;
                    double out = Math.pow(1 - m, leaves - 1);
                    p[i] = p[i] * (g[i] == 1 && p[i] > 0 ? in : out);
                }
            }
        }
        return p;
    }

    static double[] softmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float f : x) {
            max = Math.max(max, f);
        }
        double[] p = new double[x.length];
        double z = 0;
        for (int i = 0; i < x.length; i++) {
            p[i] = Math.exp(x[i] - max);
            z += p[i];
        }
        for (int i = 0; i < x.length; i++) {
            p[i] /= z;
        }
        return p;
    }

    @Test
    void biasLogitsIsTheTournamentDistribution() {
        int vocab = 64;
        HfSynthIdCompat c = HfSynthIdCompat.fromProfile(SynthIdVectors.profile("{\"scheme\": \"hf-synthid\", \"vocab_size\": "
                + vocab + ", \"config\": {\"ngram_len\": 3, \"keys\": [5, 77, 1234, 99]}}"));
        Embedder e = c.embedder(2);
        SplittableRandom rnd = new SplittableRandom(1);
        float[] logits = new float[vocab];
        double[] dl = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (2 * rnd.nextDouble() - 1);
            dl[i] = logits[i];
        }
        int[] ids = {40, 41, 7, 9, 0, 0};
        int len = 4; // prompt 40, 41; generated 7, 9: context (7, 9)
        float[] biased = logits.clone();
        e.biasLogits(ids, len, biased);
        double[] ref = referenceTournament(c.algorithm(), c.algorithm().contextHashOf(new long[] {7, 9}), dl, 2);
        double[] got = softmax(biased);
        for (int i = 0; i < vocab; i++) {
            assertEquals(ref[i], got[i], 1e-6 * ref[i] + 1e-12, "token " + i);
        }
        // step samples the same distribution: inversion at r = cumulative mass just past token i
        double cum = 0;
        for (int i = 0; i < vocab; i++) {
            double next = cum + ref[i];
            if (ref[i] > 1e-6) {
                assertEquals(i, e.step(ids, len, logits, cum + ref[i] / 2));
            }
            cum = next;
        }
        // DeepMind with 3 leaves, no top-k cut (top_k = vocab): the distortionary update, on logits / temperature
        DeepMindSynthIdCompat d = DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile("{\"scheme\": \"deepmind-synthid\","
                + " \"vocab_size\": " + vocab + ", \"config\": {\"ngram_len\": 3, \"keys\": [5, 77, 1234, 99],"
                + " \"temperature\": 0.5, \"top_k\": " + vocab + ", \"num_leaves\": 3}}"));
        float[] db = logits.clone();
        d.embedder(2).biasLogits(ids, len, db);
        double[] dl2 = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            dl2[i] = (float) (logits[i] / 0.5);
        }
        double[] dref = referenceTournament(d.algorithm(), d.algorithm().contextHashOf(new long[] {7, 9}), dl2, 3);
        double[] dgot = softmax(db);
        for (int i = 0; i < vocab; i++) {
            assertEquals(dref[i], dgot[i], 1e-6 * dref[i] + 1e-12, "token " + i);
        }
    }

    @Test
    void candidateStepEqualsFullStepWithOthersMasked() {
        HfSynthIdCompat c = hf(32000, "{}");
        Embedder e = c.embedder(PROMPT.length);
        SplittableRandom rnd = new SplittableRandom(9);
        int[] cands = new int[40];
        float[] candLogits = new float[40];
        float[] full = new float[32000];
        Arrays.fill(full, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < cands.length; i++) {
            cands[i] = 700 * i + 17;
            candLogits[i] = (float) rnd.nextGaussian();
            full[cands[i]] = candLogits[i];
        }
        int[] ids = concat(PROMPT, new int[] {5, 6, 7});
        for (int k = 0; k < 50; k++) {
            double r = rnd.nextDouble();
            assertEquals(e.step(ids, ids.length, full, r), e.step(ids, ids.length, cands, candLogits, cands.length, r));
        }
    }

    @Test
    void skippedAndRepeatedCallsLeaveScoresUnchanged() {
        HfSynthIdCompat skip = HfSynthIdCompat.fromProfile(SynthIdVectors.profile("{\"scheme\": \"hf-synthid\", \"vocab_size\": 100,"
                + " \"config\": {\"ngram_len\": 5, \"keys\": [1, 2], \"skip_first_ngram_calls\": true}}"));
        SynthIdEmbedder e = (SynthIdEmbedder) skip.embedder(2);
        int[] ids = {50, 51, 1, 2, 3, 4, 5, 6};
        float[] logits = new float[100];
        for (int i = 0; i < 100; i++) {
            logits[i] = i * 0.01f;
        }
        for (int len = 2; len <= 8; len++) {
            SynthIdEmbedder.StepState st = e.state(ids, len);
            boolean expectSkip = len - 2 + 1 < 5; // num_calls < ngram_len
            assertEquals(expectSkip, st.skipped(), "len " + len);
            float[] b = logits.clone();
            e.biasLogits(ids, len, b);
            assertEquals(expectSkip, Arrays.equals(b, logits), "len " + len);
        }
        // repeated context: generated ... 1 2 3 4 x 1 2 3 4 -> the second (1, 2, 3, 4) context is in the history
        HfSynthIdCompat plain = HfSynthIdCompat.fromProfile(SynthIdVectors.profile("{\"scheme\": \"hf-synthid\", \"vocab_size\": 100,"
                + " \"config\": {\"ngram_len\": 5, \"keys\": [1, 2]}}"));
        SynthIdEmbedder p = (SynthIdEmbedder) plain.embedder(0);
        int[] rep = {1, 2, 3, 4, 9, 1, 2, 3, 4};
        assertFalse(p.state(rep, 4).repeated());
        assertTrue(p.state(rep, 9).repeated());
        assertArrayEquals(new long[] {1, 2, 3, 4}, p.state(rep, 9).context());
        float[] b = logits.clone();
        p.biasLogits(rep, 9, b);
        assertArrayEquals(logits, b);
        // the zero-padded context of the first call is recorded too: 0 0 0 0 again is "repeated"
        int[] zeros = {0, 0, 0, 0, 0};
        assertFalse(p.state(zeros, 0).repeated());
        assertTrue(p.state(zeros, 4).repeated());
        // debug mode writes ones on unchanged calls, as upstream replaces the scores first
        HfSynthIdCompat dbg = HfSynthIdCompat.fromProfile(SynthIdVectors.profile("{\"scheme\": \"hf-synthid\", \"vocab_size\": 100,"
                + " \"config\": {\"ngram_len\": 5, \"keys\": [1, 2], \"debug_mode\": true}}"));
        float[] d = logits.clone();
        dbg.embedder(0).biasLogits(rep, 9, d);
        float[] ones = new float[100];
        Arrays.fill(ones, 1f);
        assertArrayEquals(ones, d);
    }

    @Test
    void badCallsAreRejected() {
        HfSynthIdCompat c = hf(32000, "{}");
        Embedder e = c.embedder(4);
        float[] logits = new float[32000];
        assertThrows(IllegalArgumentException.class, () -> e.step(PROMPT, 3, logits, 0.5), "len shorter than the prompt");
        assertThrows(IllegalArgumentException.class, () -> e.step(PROMPT, 4, new float[10], 0.5));
        assertThrows(IllegalArgumentException.class, () -> e.step(PROMPT, 4, logits, 1.0));
        assertThrows(IllegalArgumentException.class, () -> e.step(concat(PROMPT, new int[] {32000}), 5, logits, 0.5));
        assertThrows(IllegalArgumentException.class, () -> c.embedder(-1));
        assertEquals(32000, e.vocabSize());
    }
}
