package io.provmark.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.scheme.Fixtures;
import io.provmark.core.scheme.Fixtures.Config;
import io.provmark.core.scheme.WatermarkScheme;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Best-window detection (Bonferroni over windows tried) and several keys (Holm). */
class WindowAndMultiKeyTest {
    private static final int VOCAB = 5000;
    /** High-entropy model (about 6 nats per step at this vocabulary). */
    private static final ZipfLogitsModel MODEL = new ZipfLogitsModel(VOCAB, 1.1, 2);

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int o = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    @Test
    void bestWindowFindsAPlantedWatermarkedSpan() {
        WatermarkScheme s = Config.GUMBEL_H2.scheme(301, VOCAB);
        SplittableRandom r = new SplittableRandom(31);
        int[] before = Fixtures.randomTokens(r, 300, VOCAB);
        int[] span = new Generator(MODEL, 1.0).generate(s.embedder(), before, 100, 32);
        int[] after = Fixtures.randomTokens(r, 300, VOCAB);
        int[] text = concat(before, span, after);
        Detector d = new Detector(s);
        WindowedEvidence w = d.detectBestWindow(text, null, 16);

        int overlap = Math.min(w.endToken(), 400) - Math.max(w.startToken(), 300);
        assertTrue(overlap >= 50, "best window [" + w.startToken() + ", " + w.endToken() + ") misses the span [300, 400)");
        assertTrue(w.best().lnPValue() < w.whole().lnPValue(), "the window must beat the diluted whole text");
        // Bonferroni: adjusted = min(1, raw * windows tried), so never below raw * tried
        double expected = Math.min(0.0, w.best().lnPValue() + Math.log(w.windowsTried()));
        assertEquals(expected, w.lnAdjustedP(), 1e-9);
        assertTrue(w.lnAdjustedP() >= Math.min(0.0, w.best().lnPValue() + Math.log(w.windowsTried())) - 1e-12);
        assertTrue(w.windowsTried() > 10, "windows tried: " + w.windowsTried());
        // 100 watermarked tokens at ~6 nats/step: raw log10 p is around -100, far below any correction
        assertTrue(w.adjustedLog10PValue() < -20, "adjusted log10 p = " + w.adjustedLog10PValue());
        assertEquals(w.best().numTokens(), w.endToken() - w.startToken());
    }

    @Test
    void bonferroniIsCappedAtOneOnUnwatermarkedText() {
        WatermarkScheme s = Config.RED_GREEN_LEFT_H1.scheme(302, VOCAB);
        int[] text = Fixtures.randomTokens(new SplittableRandom(33), 600, VOCAB);
        WindowedEvidence w = new Detector(s).detectBestWindow(text, null, 16);
        assertTrue(w.lnAdjustedP() <= 0.0);
        assertEquals(Math.min(0.0, w.best().lnPValue() + Math.log(w.windowsTried())), w.lnAdjustedP(), 1e-9);
        assertTrue(w.adjustedPValue() <= 1.0);
        // a short text (no more scored positions than the minimum window) is one window: no correction
        WindowedEvidence one = new Detector(s).detectBestWindow(new int[] {1, 2, 3, 4}, null, 16);
        assertEquals(1, one.windowsTried());
        assertEquals(one.whole().lnPValue(), one.lnAdjustedP(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> new Detector(s).detectBestWindow(text, null, 0));
    }

    @Test
    void multiKeyFindsTheRightKeyWithHolmAdjustment() {
        List<Detector> detectors = new ArrayList<>();
        List<WatermarkScheme> schemes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            WatermarkScheme s = Config.RED_GREEN_LEFT_H1.scheme(400 + i, VOCAB);
            schemes.add(s);
            detectors.add(new Detector(s));
        }
        int[] prompt = {1, 2, 3};
        int[] text = new Generator(MODEL, 1.0).generate(schemes.get(3).embedder(), prompt, 200, 34);
        MultiKeyEvidence m = Detector.detectAll(detectors, text, prompt, false);
        assertEquals(3, m.bestIndex());
        assertEquals("k403", m.best().evidence().keyId());
        assertEquals("k403", m.matchedKeyId(1e-6));
        for (int i = 0; i < 5; i++) {
            MultiKeyEvidence.KeyResult kr = m.results().get(i);
            assertEquals("k" + (400 + i), kr.evidence().keyId());
            assertTrue(kr.lnHolmP() >= kr.evidence().lnPValue(), "Holm-adjusted p below raw p for key " + i);
            assertTrue(kr.lnHolmP() <= 0.0);
        }
        // the smallest p gets the full factor m = 5 (Holm's first step)
        assertEquals(Math.min(0.0, m.best().evidence().lnPValue() + Math.log(5)), m.best().lnHolmP(), 1e-9);

        int[] plain = new Generator(MODEL, 1.0).generate(null, prompt, 200, 35);
        MultiKeyEvidence none = Detector.detectAll(detectors, plain, prompt, false);
        assertNull(none.matchedKeyId(1e-3), "no key should match unwatermarked text");
        assertThrows(IllegalArgumentException.class, () -> Detector.detectAll(List.of(), plain, prompt, false));
    }
}
