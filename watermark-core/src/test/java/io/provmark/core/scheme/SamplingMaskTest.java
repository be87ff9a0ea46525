package io.provmark.core.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
