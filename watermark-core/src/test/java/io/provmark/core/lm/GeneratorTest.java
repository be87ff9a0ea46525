package io.provmark.core.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Fixtures.Config;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    private static final ZipfLogitsModel MODEL = new ZipfLogitsModel(500, 1.1, 2);

    @Test
    void seededAndPromptAware() {
        Generator g = new Generator(MODEL, 1.0);
        int[] prompt = {1, 2, 3};
        int[] a = g.generate(null, prompt, 50, 7);
        assertEquals(50, a.length);
        assertArrayEquals(a, g.generate(null, prompt, 50, 7));
        assertFalse(Arrays.equals(a, g.generate(null, prompt, 50, 8)));
        assertFalse(Arrays.equals(a, g.generate(null, new int[] {1, 2, 4}, 50, 7)));
        // the model sees only the last 2 tokens: an earlier prompt token changes nothing
        assertArrayEquals(a, g.generate(null, new int[] {9, 2, 3}, 50, 7));
        assertEquals(0, g.generate(null, prompt, 0, 7).length);
        for (int t : a) {
            assertTrue(t >= 0 && t < 500);
        }
        Embedder e = Config.GUMBEL_H2.scheme(1, 500).embedder();
        int[] w = g.generate(e, prompt, 50, 7);
        assertArrayEquals(w, g.generate(e, prompt, 50, 7));
    }

    @Test
    void lowTemperatureIsNearlyGreedy() {
        // at T = 0.05 the top token has probability ~1 - 1e-13 per step
        Generator g = new Generator(MODEL, 0.05);
        int[] out = g.generate(null, new int[] {1, 2}, 20, 3);
        int[] ids = Arrays.copyOf(new int[] {1, 2}, 22);
        float[] logits = new float[500];
        for (int k = 0; k < 20; k++) {
            MODEL.logits(ids, 2 + k, logits);
            int best = 0;
            for (int t = 1; t < 500; t++) {
                if (logits[t] > logits[best]) {
                    best = t;
                }
            }
            assertEquals(best, out[k], "step " + k);
            ids[2 + k] = out[k];
        }
    }

    @Test
    void forbiddenIdsAreNeverSampled() {
        // ids 0..249: half the vocabulary, about half the mass at each step (the model permutes ranks by context)
        int[] half = java.util.stream.IntStream.range(0, 250).toArray();
        Generator g = new Generator(MODEL, 1.0, half);
        Embedder e = Config.RED_GREEN_LEFT_H1.scheme(2, 500).embedder();
        for (Embedder emb : new Embedder[] {null, e}) {
            for (int t : g.generate(emb, new int[] {11, 12}, 300, 4)) {
                assertTrue(t >= 250, "forbidden id " + t);
            }
        }
        int[] counts = new int[500];
        for (int t : new Generator(MODEL, 1.0).generate(null, new int[] {11, 12}, 300, 4)) {
            counts[t]++;
        }
        // expected about 150 of 300; fewer than 60 is more than 10 standard deviations away
        assertTrue(Arrays.stream(counts, 0, 250).sum() > 60, "without the mask these ids do occur");
        assertThrows(IllegalArgumentException.class, () -> new Generator(MODEL, 1.0, new int[] {500}));
    }

    @Test
    void invalidArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Generator(MODEL, 0.0));
        assertThrows(IllegalArgumentException.class, () -> new Generator(MODEL, Double.NaN));
        Embedder wrongVocab = Config.GUMBEL_H2.scheme(1, 501).embedder();
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> new Generator(MODEL, 1.0).generate(wrongVocab, new int[] {1}, 5, 1));
        assertTrue(x.getMessage().contains("501") && x.getMessage().contains("500"), x.getMessage());
    }
}
