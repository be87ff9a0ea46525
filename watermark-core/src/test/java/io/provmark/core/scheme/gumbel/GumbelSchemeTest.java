package io.provmark.core.scheme.gumbel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.scheme.Fixtures;
import io.provmark.core.scheme.RepeatedContextChecks;
import io.provmark.core.scheme.Sampling;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.core.scheme.Schemes;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GumbelSchemeTest {
    private static final int VOCAB = 500;

    private static WatermarkScheme scheme(int window, int h, long keySeed) {
        return Schemes.create(Fixtures.profile(new GumbelParams(window), h, VOCAB, "k" + keySeed,
                DedupRule.PRF_INPUT, false, -1), Fixtures.key("k" + keySeed, keySeed));
    }

    /** Plain argmax of logit + G(word), lowest index on ties: the definition the pruning must match. */
    private static int bruteForce(float[] logits, int[] words, int n) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double sc = logits[i] + GumbelScheme.gumbel(words[i]);
            if (sc > bestScore) {
                bestScore = sc;
                best = i;
            }
        }
        return best;
    }

    @Test
    void prunedArgmaxEqualsBruteForce() {
        SplittableRandom r = new SplittableRandom(7);
        int[] edgeWords = {0, 1, -1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7FFFFFFE, 12345};
        for (int k = 0; k < 3000; k++) {
            int n = 1 + r.nextInt(k % 10 == 0 ? 2000 : 64);
            float[] logits = new float[n];
            int[] words = new int[n];
            int kind = k % 6;
            for (int i = 0; i < n; i++) {
                switch (kind) {
                    case 0: logits[i] = (float) (r.nextGaussian() * 3); words[i] = r.nextInt(); break;
                    case 1: logits[i] = 0f; words[i] = r.nextInt(); break; // flat logits
                    case 2: logits[i] = r.nextInt(3); words[i] = edgeWords[r.nextInt(edgeWords.length)]; break; // ties
                    case 3: logits[i] = 1.5f; words[i] = 42; break; // all equal: index 0 must win
                    case 4: logits[i] = (float) (-i * 0.25); words[i] = r.nextInt(); break; // Zipf-like, peaked
                    default: logits[i] = (float) (r.nextGaussian() * 40); words[i] = r.nextInt(); break; // very peaked
                }
            }
            if (kind == 1 && n > 1) {
                logits[r.nextInt(n)] = Float.NEGATIVE_INFINITY; // a top-k style mask
            }
            assertEquals(bruteForce(logits, words, n), GumbelScheme.gumbelArgmax(logits, words, n), "case " + k);
        }
    }

    @Test
    void pruningBoundIsStrict() {
        SplittableRandom r = new SplittableRandom(8);
        for (int k = 0; k < 1_000_000; k++) {
            int w = k < 64 ? ~(-1 >>> k % 32) + (k / 32) : r.nextInt();
            assertTrue(GumbelScheme.gumbel(w) < GumbelScheme.gumbelBound(w), "word " + Integer.toHexString(w));
        }
        assertTrue(GumbelScheme.gumbel(-1) < GumbelScheme.gumbelBound(-1));
        assertTrue(GumbelScheme.gumbel(0) < GumbelScheme.gumbelBound(0));
    }

    @Test
    void stepIsTheGumbelArgmaxOfTheScorersWords() {
        GumbelScheme s = (GumbelScheme) scheme(0, 2, 61);
        SplittableRandom r = new SplittableRandom(9);
        for (int k = 0; k < 30; k++) {
            int[] ids = Fixtures.randomTokens(r, 2 + r.nextInt(6), VOCAB);
            float[] logits = Fixtures.randomLogits(r, VOCAB, 2.0);
            int[] seq = Arrays.copyOf(ids, ids.length + 1);
            double best = Double.NEGATIVE_INFINITY;
            int arg = -1;
            for (int t = 0; t < VOCAB; t++) {
                seq[ids.length] = t;
                double sc = logits[t] + GumbelScheme.gumbel(s.wordAt(seq, 0, ids.length));
                if (sc > best) {
                    best = sc;
                    arg = t;
                }
            }
            assertEquals(arg, s.step(ids, ids.length, logits, r.nextDouble()));
            // detection summand of the chosen token is -ln(1-u) of that same word
            seq[ids.length] = arg;
            assertEquals(GumbelScheme.score(s.wordAt(seq, 0, ids.length)), s.value(seq, 0, ids.length), 0.0);
        }
    }

    @Test
    void biasLogitsKeepsOnlyTheChosenToken() {
        WatermarkScheme s = scheme(0, 2, 62);
        SplittableRandom r = new SplittableRandom(10);
        for (int k = 0; k < 50; k++) {
            int[] ids = Fixtures.randomTokens(r, 3 + r.nextInt(5), VOCAB);
            float[] logits = Fixtures.randomLogits(r, VOCAB, 2.0);
            int chosen = s.embedder().step(ids, ids.length, logits, 0.5);
            float[] b = logits.clone();
            s.embedder().biasLogits(ids, ids.length, b);
            for (int t = 0; t < VOCAB; t++) {
                if (t == chosen) {
                    assertEquals(logits[t], b[t], 0.0f);
                } else {
                    assertEquals(Float.NEGATIVE_INFINITY, b[t], 0.0f, "token " + t);
                }
            }
            // any softmax sampler now picks the chosen token, whatever its uniform
            assertEquals(chosen, Sampling.sampleSoftmax(b, VOCAB, 0.999));
        }
    }

    @Test
    void outputDoesNotDependOnTheCallersRandomnessOutsideRepeatedContexts() {
        WatermarkScheme s = scheme(-1, 2, 63);
        int[] ids = {5, 6, 7, 5, 6, 7, 5, 6};
        float[] flat = new float[VOCAB];
        int t = s.embedder().step(ids, ids.length, flat, 0.0);
        for (double r = 0; r < 1; r += 0.01) {
            assertEquals(t, s.embedder().step(ids, ids.length, flat, r));
        }
    }

    @Test
    void repeatedContextWithWindowZeroIsSampledFromSoftmaxWithR() {
        // (5, 6) was already the context of position 2, so position 8 is a repeated context
        int[] ids = {5, 6, 7, 1, 2, 3, 4, 5, 6};
        float[] logits = Fixtures.randomLogits(new SplittableRandom(11), VOCAB, 0.5);
        RepeatedContextChecks.check(scheme(0, 2, 64), scheme(-1, 2, 64), ids, logits);
        // a window that does not reach back to position 2: the context counts as fresh
        RepeatedContextChecks.checkFresh(scheme(5, 2, 64), ids, logits);
        // window 7 reaches position 2 (9 - 7): repeated
        RepeatedContextChecks.check(scheme(7, 2, 64), scheme(-1, 2, 64), ids, logits);
    }
}
