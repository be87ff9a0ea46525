package io.provmark.core.scheme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/** Shared with the SynthID test: behaviour of the generation-time repeated-context switch. */
public final class RepeatedContextChecks {
    private RepeatedContextChecks() {
    }

    /** {@code on} sees ids as a repeated context, {@code off} (window -1, same key) never does. */
    public static void check(WatermarkScheme on, WatermarkScheme off, int[] ids, float[] logits) {
        int n = logits.length;
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            double r = (i + 0.5) / 200;
            int t = on.embedder().step(ids, ids.length, logits, r);
            assertEquals(Sampling.sampleSoftmax(logits, n, r), t, "repeated context must be plain softmax at r");
            seen.add(t);
            int[] all = new int[n];
            Arrays.setAll(all, j -> j);
            assertEquals(t, on.embedder().step(ids, ids.length, all, logits, n, r));
        }
        assertTrue(seen.size() > 20, "the token must depend on r: saw " + seen.size() + " tokens");
        float[] b = logits.clone();
        on.embedder().biasLogits(ids, ids.length, b);
        assertArrayEquals(logits, b, "a repeated context leaves the logits to the stack's own sampler");
        checkFresh(off, ids, logits);
    }

    /** Not treated as repeated: the watermark decides (Gumbel: independent of r; SynthID: logits change). */
    public static void checkFresh(WatermarkScheme s, int[] ids, float[] logits) {
        float[] b = logits.clone();
        s.embedder().biasLogits(ids, ids.length, b);
        assertTrue(!Arrays.equals(logits, b), "a fresh context must be watermarked");
    }
}
