package io.provmark.core.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.scheme.Fixtures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ZipfLogitsModelTest {
    @Test
    void logitsArePermutedZipfRanksAndDeterministic() {
        for (int vocab : new int[] {2, 3, 97, 1000, Fixtures.GPT2_VOCAB}) {
            ZipfLogitsModel m = new ZipfLogitsModel(vocab, 1.3, 2);
            float[] a = new float[vocab];
            float[] b = new float[vocab];
            int[] ids = {5 % vocab, 1, 0};
            m.logits(ids, 3, a);
            m.logits(ids, 3, b);
            assertArrayEquals(a, b);
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            for (int r = 0; r < vocab; r++) {
                // rank r has logit -s ln(1 + r): every rank exactly once
                assertEquals((float) (-1.3 * Math.log1p(r)), sorted[vocab - 1 - r], 0.0f, "vocab " + vocab + " rank " + r);
            }
            // only the last contextWidth tokens matter
            m.logits(new int[] {9 % vocab, 5 % vocab, 1, 0}, 4, b);
            assertArrayEquals(a, b);
        }
    }

    @Test
    void differentContextsGiveDifferentRankings() {
        ZipfLogitsModel m = new ZipfLogitsModel(1000, 1.1, 1);
        float[] a = new float[1000];
        float[] b = new float[1000];
        int differ = 0;
        for (int t = 0; t < 100; t++) {
            m.logits(new int[] {t}, 1, a);
            m.logits(new int[] {t + 1}, 1, b);
            differ += Arrays.equals(a, b) ? 0 : 1;
        }
        assertTrue(differ >= 99, "contexts must change the ranking: " + differ);
        m.logits(new int[0], 0, a); // an empty context is allowed
    }

    @Test
    void entropyFallsWithTheExponent() {
        double prev = Double.POSITIVE_INFINITY;
        for (double s : new double[] {0.9, 1.1, 1.5, 2.0, 3.0}) {
            double h = new ZipfLogitsModel(Fixtures.GPT2_VOCAB, s, 1).entropyNats();
            assertTrue(h < prev && h > 0, "entropy " + h + " at exponent " + s);
            prev = h;
        }
        // reference values (computed independently in double precision): 6.465 nats at 1.1, 0.679 at 3.0
        assertEquals(6.465, new ZipfLogitsModel(Fixtures.GPT2_VOCAB, 1.1, 1).entropyNats(), 2e-3);
        assertEquals(0.679, new ZipfLogitsModel(Fixtures.GPT2_VOCAB, 3.0, 1).entropyNats(), 2e-3);
        assertEquals(Math.log(2) , new ZipfLogitsModel(2, 1e-9 + 1e-12, 1).entropyNats(), 1e-6);
    }

    @Test
    void invalidArguments() {
        assertThrows(IllegalArgumentException.class, () -> new ZipfLogitsModel(1, 1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ZipfLogitsModel(10, 0.0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ZipfLogitsModel(10, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new ZipfLogitsModel(10, 1.0, 0));
        assertFalse(new ZipfLogitsModel(10, 20.0, 1).entropyNats() > 0.01);
    }
}
