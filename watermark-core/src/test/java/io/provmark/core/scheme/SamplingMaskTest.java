package io.provmark.core.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Masked (-infinity), NaN and far-below-maximum logits are never sampled, whatever the uniform. */
class SamplingMaskTest {
    @Test
    void maskedAndNegligibleTokensAreNeverSampled() {
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            // every third token masked, every fifth 61 nats down, one NaN; the rest spread over 10 nats
            logits[i] = i % 3 == 0 ? Float.NEGATIVE_INFINITY : i % 5 == 0 ? -61f : (float) (-(i % 10));
        }
        logits[7] = Float.NaN;
        for (int k = 0; k <= 10_000; k++) {
            double r = k == 10_000 ? Math.nextDown(1.0) : k / 10_000.0;
            int t = Sampling.sampleSoftmax(logits, logits.length, r);
            assertTrue(t % 3 != 0 && t % 5 != 0 && t != 7, "sampled token " + t + " at r = " + r);
        }
    }

    @Test
    void inversionFollowsTheSoftmaxCdf() {
        float[] logits = {0f, (float) Math.log(3.0), Float.NEGATIVE_INFINITY, 0f}; // masses 1, 3, 0, 1 of 5
        assertEquals(0, Sampling.sampleSoftmax(logits, 4, 0.0));
        assertEquals(0, Sampling.sampleSoftmax(logits, 4, 0.19));
        assertEquals(1, Sampling.sampleSoftmax(logits, 4, 0.21));
        assertEquals(1, Sampling.sampleSoftmax(logits, 4, 0.79));
        assertEquals(3, Sampling.sampleSoftmax(logits, 4, 0.81));
        assertEquals(3, Sampling.sampleSoftmax(logits, 4, Math.nextDown(1.0)));
    }

    /**
     * Over several blocks of the exponential kernel (block sums pick the block, then one block is
     * walked), the sampled token is the one whose softmax CDF interval holds r, up to 1e-12 (the
     * kernel's 1e-13 relative error plus rounding of the sums); fixed seed, no false failures.
     */
    @Test
    void blockInversionMatchesTheCdfAcrossBlocks() {
        int n = 2 * FastExp.BLOCK + 905;
        SplittableRandom rnd = new SplittableRandom(11);
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) {
            logits[i] = i % 7 == 0 ? Float.NEGATIVE_INFINITY : (float) (8 * rnd.nextGaussian());
        }
        double max = Sampling.maxLogit(logits, n);
        double[] cdf = new double[n];
        double acc = 0;
        for (int i = 0; i < n; i++) {
            double d = logits[i] - max;
            acc += d >= -Sampling.NEGLIGIBLE ? StrictMath.exp(d) : 0.0;
            cdf[i] = acc;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= acc;
        }
        for (int k = 0; k < 20_000; k++) {
            double r = k < 10_000 ? rnd.nextDouble() : (k - 10_000) / 10_000.0;
            int t = Sampling.sampleSoftmax(logits, n, r);
            assertTrue(logits[t] - max >= -Sampling.NEGLIGIBLE, "sampled a negligible token " + t);
            double below = t == 0 ? 0.0 : cdf[t - 1];
            assertTrue(r >= below - 1e-12 && r <= cdf[t] + 1e-12,
                    "r = " + r + " sampled " + t + " with CDF interval [" + below + ", " + cdf[t] + "]");
        }
    }

    @Test
    void logitsWithoutAFiniteMaximumAreRefused() {
        float[] inf = {0f, Float.POSITIVE_INFINITY, 1f};
        float[] masked = {Float.NEGATIVE_INFINITY, Float.NaN};
        for (float[] bad : new float[][] {inf, masked}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Sampling.sampleSoftmax(bad, bad.length, 0.5));
            assertTrue(e.getMessage().contains("no finite maximum"), e.getMessage());
        }
    }
}
