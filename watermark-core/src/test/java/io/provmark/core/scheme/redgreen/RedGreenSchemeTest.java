package io.provmark.core.scheme.redgreen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.scheme.Fixtures;
import io.provmark.core.scheme.Fixtures.Config;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedGreenSchemeTest {
    private static final int VOCAB = 2000;

    /** Scorer's verdict on token t after ids[0..len): the same question the detector asks. */
    private static boolean scoredGreen(WatermarkScheme s, int[] ids, int len, int t) {
        int[] seq = Arrays.copyOf(ids, len + 1);
        seq[len] = t;
        return s.scorer().value(seq, 0, len) == 1.0;
    }

    @ParameterizedTest
    @EnumSource(value = Config.class, names = {"RED_GREEN_LEFT_H1", "RED_GREEN_SELF_H2", "UNIGRAM_H0"})
    void biasAddsDeltaExactlyOnTheTokensTheScorerCallsGreen(Config c) {
        WatermarkScheme s = c.scheme(31, VOCAB);
        float delta = (float) ((RedGreenParams) c.params).delta();
        SplittableRandom rnd = new SplittableRandom(5);
        int[][] contexts = {{}, {17}, {17, 1999}, {3, 3, 3}, Fixtures.randomTokens(rnd, 9, VOCAB)};
        for (int[] ids : contexts) {
            float[] logits = Fixtures.randomLogits(rnd, VOCAB, 3.0);
            float[] biased = logits.clone();
            s.embedder().biasLogits(ids, ids.length, biased);
            int green = 0;
            for (int t = 0; t < VOCAB; t++) {
                boolean g = scoredGreen(s, ids, ids.length, t);
                assertEquals(g ? logits[t] + delta : logits[t], biased[t], c + " token " + t);
                green += g ? 1 : 0;
            }
            // Bin(2000, 0.25): mean 500, sd 19.4; 400..600 is a 5-sigma band (false failure < 1e-6).
            assertTrue(green > 400 && green < 600, c + ": " + green + " green of " + VOCAB);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.25, 0.5, 0.1, 1.0 / 3.0, 0.999, 1e-6})
    void greenIsExactlyUniformBelowGammaAndNullProbabilityIsThreshold(double gamma) {
        WatermarkKey k = Fixtures.key("g", 1);
        RedGreenScheme s = new RedGreenScheme(Fixtures.profile(new RedGreenParams(gamma, 2.0,
                RedGreenParams.Seeding.LEFT_HASH), 1, 100, "g", DedupRule.PRF_INPUT, false, -1), k);
        long t = (long) Math.ceil(gamma * 0x1.0p32 - 0.5);
        assertEquals(t * 0x1.0p-32, s.greenProbability(), 0.0);
        assertTrue(Math.abs(s.greenProbability() - gamma) <= 0x1.0p-32);
        assertEquals(s.greenProbability(), s.nullModel().mean(), 0.0);
        // the boundary words: u(T-1) < gamma <= u(T), and green is exactly "w < T"
        assertTrue(s.isGreen((int) (t - 1)) && ProvmarkPrf.uniform((int) (t - 1)) < gamma);
        assertFalse(s.isGreen((int) t));
        assertTrue(ProvmarkPrf.uniform((int) t) >= gamma);
        assertFalse(s.isGreen(-1)); // word 0xFFFFFFFF is the largest
        assertTrue(s.isGreen(0));
    }

    /** The int-only green test equals the unsigned 64-bit compare at every boundary and at random. */
    @org.junit.jupiter.api.Test
    void greenFlagIsTheUnsignedCompare() {
        long[] thresholds = {0, 1, 2, 3, 0x7FFFFFFFL, 0x80000000L, 0x80000001L, 0xFFFFFFFEL, 0xFFFFFFFFL, 1073741824L};
        SplittableRandom rnd = new SplittableRandom(99);
        for (int k = 0; k < 200; k++) {
            long t = k < thresholds.length ? thresholds[k] : rnd.nextLong() & 0xFFFFFFFFL;
            int half = (int) (t >>> 1);
            int low = (int) (t & 1);
            long[] words = {0, 1, t - 2, t - 1, t, t + 1, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL};
            for (int i = 0; i < words.length + 2000; i++) {
                long w = (i < words.length ? words[i] : rnd.nextLong()) & 0xFFFFFFFFL;
                assertEquals(w < t ? 1 : 0, RedGreenScheme.greenFlag((int) w, half, low), "word " + w + " T " + t);
            }
        }
    }

    /** gamma so close to 1 that T = 2^32: every token is green (the int test needs T < 2^32). */
    @org.junit.jupiter.api.Test
    void gammaWithinTwoToTheMinus33OfOneMakesEveryTokenGreen() {
        WatermarkKey k = Fixtures.key("g", 1);
        for (RedGreenParams.Seeding seeding : RedGreenParams.Seeding.values()) {
            RedGreenScheme s = new RedGreenScheme(Fixtures.profile(new RedGreenParams(1 - 1e-12, 2.0, seeding), 1, 100,
                    "g", DedupRule.PRF_INPUT, false, -1), k);
            float[] logits = new float[100];
            s.biasLogits(new int[] {5}, 1, logits);
            for (float v : logits) {
                assertEquals(2f, v);
            }
        }
    }

    /** Dense ranks keep the unsigned order of H, ties included, and count the values below 2^64 - 1. */
    @org.junit.jupiter.api.Test
    void selfHashRanksFollowTheUnsignedOrder() {
        long[] hs = {5, -1L, 0x8000000000000000L, 5, 0, 0x7FFFFFFFFFFFFFFFL, -2L};
        var r = RedGreenScheme.buildRanks(hs);
        for (int a = 0; a < hs.length; a++) {
            for (int b = 0; b < hs.length; b++) {
                assertEquals(Long.compareUnsigned(hs[a], hs[b]) < 0, r.rank()[a] < r.rank()[b], a + " vs " + b);
            }
        }
        assertEquals(5, r.belowAllOnes()); // 0, 5, 2^63-1, 2^63, 2^64-2
        assertEquals(6, RedGreenScheme.buildRanks(new long[] {1, 2, 3, 4, 5, 6}).belowAllOnes());
    }

    /**
     * Self-hash: the PRF input is (min of H over context and candidate, token), so two different
     * contexts that share their minimum give the same value. That is why self-hash deduplicates on
     * the min-hash value, not on the raw context.
     */
    @org.junit.jupiter.api.Test
    void selfHashContextsSharingTheirMinimumShareThePrfInput() {
        WatermarkScheme s = Config.RED_GREEN_SELF_H2.scheme(41, VOCAB);
        ProvmarkPrf prf = new ProvmarkPrf(Fixtures.key("k41", 41), "red-green");
        int[] m = SelfHashCases.sharedMinimum(prf, VOCAB);
        int a = m[0], c = m[1], b = m[2], t = m[3];
        int[] s1 = {a, b, t};
        int[] s2 = {c, b, t};
        assertEquals(s.scorer().prfInputKey(s1, 0, 2), s.scorer().prfInputKey(s2, 0, 2));
        assertNotEquals(s.scorer().contextKey(s1, 0, 2), s.scorer().contextKey(s2, 0, 2));
        assertEquals(((RedGreenScheme) s).wordAt(s1, 0, 2), ((RedGreenScheme) s).wordAt(s2, 0, 2));
        // and when t is below the context's minimum, t is its own seed: any context gives the same word
        int lo = m[4];
        int[] s3 = {a, b, lo};
        int[] s4 = {c, t, lo};
        assertEquals(((RedGreenScheme) s).wordAt(s3, 0, 2), ((RedGreenScheme) s).wordAt(s4, 0, 2));
        assertEquals(s.scorer().prfInputKey(s3, 0, 2), s.scorer().prfInputKey(s4, 0, 2));
    }

    /** Tokens for the self-hash cases, found from the public H values of one key. */
    static final class SelfHashCases {
        /** {a, c, b, t, lo}: H(lo) < H(b) < H(a), H(c), H(t), all distinct tokens. */
        static int[] sharedMinimum(ProvmarkPrf prf, int vocab) {
            long[] hs = prf.selfHashTable(vocab);
            Integer[] order = new Integer[vocab];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, (x, y) -> Long.compareUnsigned(hs[x], hs[y]));
            // order[0] has the smallest H: lo; order[1]: b; the rest are above both
            return new int[] {order[10], order[11], order[1], order[12], order[0]};
        }
    }

    @org.junit.jupiter.api.Test
    void unigramIgnoresTheContext() {
        WatermarkScheme s = Config.UNIGRAM_H0.scheme(51, VOCAB);
        RedGreenScheme rg = (RedGreenScheme) s;
        SplittableRandom rnd = new SplittableRandom(6);
        for (int k = 0; k < 100; k++) {
            int[] seq = Fixtures.randomTokens(rnd, 6, VOCAB);
            int[] other = Fixtures.randomTokens(rnd, 6, VOCAB);
            other[5] = seq[5];
            assertEquals(rg.wordAt(seq, 0, 5), rg.wordAt(other, 0, 5));
            assertEquals(s.scorer().prfInputKey(seq, 0, 5), s.scorer().prfInputKey(other, 0, 5));
        }
    }

    @org.junit.jupiter.api.Test
    void schemesCheckTheProfileKey() {
        WatermarkKey k = Fixtures.key("a", 1);
        var p = Config.RED_GREEN_LEFT_H1.profile("b", VOCAB);
        IllegalArgumentException x = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Schemes.create(p, k));
        assertTrue(x.getMessage().contains("'b'") && x.getMessage().contains("'a'"), x.getMessage());
    }
}
