package io.provmark.core.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Deterministic checks (fixed inputs and seeds, no false failures) of the block exponential. */
class FastExpTest {
    /** e^(x - max) for every x, through the kernel, with max = 0 so the argument is x itself. */
    private static double[] exps(float[] x) {
        double[] out = new double[x.length];
        FastExp.expBelowMax(x, x.length, 0.0, out, new double[FastExp.blocks(x.length)]);
        return out;
    }

    @Test
    void relativeErrorWithinTheDocumentedBound() {
        // every float in [-60, 0] at a fine spacing, plus random floats: the kernel sees float logits
        int grid = 3_000_000;
        float[] x = new float[grid + 1_000_000];
        for (int i = 0; i < grid; i++) {
            x[i] = (float) (-60.0 * i / (grid - 1));
        }
        SplittableRandom rnd = new SplittableRandom(20261207L);
        for (int i = grid; i < x.length; i++) {
            x[i] = (float) (-60.0 * rnd.nextDouble());
        }
        double[] got = exps(x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double ref = StrictMath.exp(x[i]);
            worst = Math.max(worst, Math.abs(got[i] - ref) / ref);
        }
        assertTrue(worst <= FastExp.MAX_RELATIVE_ERROR, "worst relative error " + worst);
    }

    @Test
    void clampsMasksAndNaN() {
        float[] x = {0f, -60f, -61f, -1e30f, Float.NEGATIVE_INFINITY, Float.NaN, -1f};
        double[] got = exps(x);
        assertEquals(1.0, got[0], 1e-13);
        double e60 = StrictMath.exp(-60);
        assertEquals(e60, got[1], e60 * 1e-13);
        assertEquals(got[1], got[2]); // clamped to -60
        assertEquals(got[1], got[3]);
        assertEquals(got[1], got[4]); // masked
        assertEquals(0.0, got[5]); // NaN gets no mass
        assertEquals(StrictMath.exp(-1), got[6], 1e-13);
    }

    @Test
    void blockSumsAddUpToTheTotalInBlockOrder() {
        int n = 3 * FastExp.BLOCK + 17;
        float[] x = new float[n];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-20 * rnd.nextDouble());
        }
        x[5000] = Float.NaN;
        double[] out = new double[n];
        double[] sums = new double[FastExp.blocks(n)];
        double total = FastExp.expBelowMax(x, n, 0.0, out, sums);
        assertEquals(4, sums.length);
        double inOrder = 0;
        for (int k = 0; k < sums.length; k++) {
            double block = 0;
            for (int i = k * FastExp.BLOCK; i < Math.min(n, (k + 1) * FastExp.BLOCK); i++) {
                block += out[i];
            }
            assertEquals(block, sums[k], block * 1e-14, "block " + k);
            inOrder += sums[k];
        }
        assertEquals(inOrder, total);
        assertEquals(0.0, out[5000]);
    }

    @Test
    void monotoneOnAFineGrid() {
        float[] x = new float[200_001];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((i - 200_000) * 1e-4);
        }
        double[] got = exps(x);
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[i - 1]) {
                assertTrue(got[i] >= got[i - 1], "not monotone at " + x[i]);
            }
        }
    }
}
