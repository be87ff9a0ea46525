package io.provmark.core.compat.synthid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Configurations without a public vector: other keys (negative, 2^62, int64 min), ngram lengths,
 * sampling tables (size not a power of two: floor-mod of negative keys; seed wrap at 2^32),
 * history sizes and vocabularies (32000, 256000). Expected values come from an independent
 * Python big-integer implementation of the spec's algorithm (written for these tests), or from a
 * BigInteger reference below.
 */
class SynthIdGeneralisationTest {
    static final int[] IDS = {5, 250000, 17, 0, 99999, 3, 3, 3, 3, 3, 3, 255999, 42, 42, 42, 131072, 7, 65543, 17, 0,
        99999, 3};
    static final long[] KEYS_A = {7, -3, 1L << 62, 123456789012L, Long.MIN_VALUE};

    static String bits(byte[] row) {
        StringBuilder b = new StringBuilder();
        for (byte x : row) {
            b.append(x);
        }
        return b.toString();
    }

    static List<String> rows(byte[][] g) {
        List<String> out = new ArrayList<>();
        for (byte[] r : g) {
            out.add(bits(r));
        }
        return out;
    }

    static List<Boolean> list(boolean[] a) {
        List<Boolean> out = new ArrayList<>();
        for (boolean b : a) {
            out.add(b);
        }
        return out;
    }

    @Test
    void hfTableNotPowerOfTwoUsesFloorMod() {
        // python: table(1000, seed 42): sum 510; g per ngram, ngram_len 3, keys KEYS_A
        SynthIdAlgorithm a = SynthIdAlgorithm.huggingFace(3, KEYS_A, 1024, 1000, 42);
        byte[] t = a.samplingTableCopy();
        int sum = 0;
        for (byte b : t) {
            sum += b;
        }
        assertEquals(510, sum);
        assertEquals(List.of("10110", "11111", "00101", "01110", "10101", "10010", "10010", "10010", "10010", "11010",
                "00010", "11111", "01101", "01101", "00111", "10001", "00011", "01001", "00101", "01110"),
                rows(a.gValues(IDS)));
    }

    @Test
    void hfSeedUsesLow32BitsAndBigrams() {
        SynthIdAlgorithm a = SynthIdAlgorithm.huggingFace(2, KEYS_A, 1024, 4096, (1L << 32) + 5);
        SynthIdAlgorithm b = SynthIdAlgorithm.huggingFace(2, KEYS_A, 1024, 4096, 5);
        assertArrayEquals(a.samplingTableCopy(), b.samplingTableCopy(), "torch seeds 5 and 2^32+5 give one stream");
        assertEquals(List.of("11101", "01101", "01111", "00000", "00101", "01010", "01010", "01010", "01010", "01010",
                "10010", "11000", "10111", "10111", "10000", "00000", "01000", "01111", "01111", "00000", "00101"),
                rows(a.gValues(IDS)));
    }

    @Test
    void deepMindOtherKeysAndNgramLengths() {
        assertEquals(5712377882811528398L, SynthIdHash.deepMindHashIv(KEYS_A));
        assertEquals(5193979120863720352L, SynthIdHash.deepMindHashIv(new long[] {1, 2, 3}));
        assertEquals(List.of("11110", "01010", "10101", "11111", "01010", "00111", "00111", "00111", "00111", "10000",
                "00100", "11100", "10111", "00100", "01100", "00010", "01101", "01001", "10101", "11111"),
                rows(SynthIdAlgorithm.deepMind(3, KEYS_A, 1024).gValues(IDS)));
        assertEquals(List.of("011", "100", "101", "000", "000", "000", "110", "011", "111", "000", "011", "101", "101",
                "101", "111", "101"), rows(SynthIdAlgorithm.deepMind(7, new long[] {1, 2, 3}, 1024).gValues(IDS)));
    }

    @Test
    void repetitionMaskWithOtherHistorySizes() {
        assertEquals(List.of(true, true, true, true, true, true, false, false, false, false, true, true, true, false, true,
                true, true, true, true, true), list(SynthIdAlgorithm.huggingFace(3, KEYS_A, 3, 65536, 0)
                .contextRepetitionMask(IDS)));
        boolean[] none = SynthIdAlgorithm.huggingFace(2, KEYS_A, 0, 65536, 0).contextRepetitionMask(IDS);
        for (boolean b : none) {
            assertTrue(b, "history size 0 never masks");
        }
        assertEquals(List.of(true, true, true, true, true, true, false, false, false, true, true, true, true, true, true,
                true, true, true, false), list(SynthIdAlgorithm.deepMind(4, new long[] {1, 2, 3}, 1024)
                .contextRepetitionMask(IDS)));
    }

    /** upstream's list semantics: history = N zeros; check membership, then push front and drop the last. */
    static boolean[] referenceRepetitionMask(long[] ctxHashes, int size) {
        List<Long> hist = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            hist.add(0L);
        }
        boolean[] out = new boolean[ctxHashes.length];
        for (int j = 0; j < ctxHashes.length; j++) {
            out[j] = !hist.contains(ctxHashes[j]);
            if (size > 0) {
                hist.add(0, ctxHashes[j]);
                hist.remove(hist.size() - 1);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 5, 16, 1024})
    void repetitionMaskMatchesListReference(int size) {
        SplittableRandom rnd = new SplittableRandom(size + 1);
        int[] ids = new int[600];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(4); // tiny alphabet: many repeats at all distances
        }
        SynthIdAlgorithm a = SynthIdAlgorithm.huggingFace(3, new long[] {1}, size, 65536, 0);
        long[] ctx = a.contextHashes(ids);
        assertArrayEquals(referenceRepetitionMask(ctx, size), a.contextRepetitionMask(ids));
        // a zero context hash counts as repeated while the initial zeros are in the window
        long[] withZero = {5, 0, 7, 0};
        assertArrayEquals(referenceRepetitionMask(withZero, size), SynthIdAlgorithm.repetitionMask(withZero, size));
    }

    static final BigInteger TWO64 = BigInteger.ONE.shiftLeft(64);
    static final BigInteger MUL = new BigInteger("6364136223846793005");

    static BigInteger s64(BigInteger x) {
        BigInteger m = x.mod(TWO64);
        return m.testBit(63) ? m.subtract(TWO64) : m;
    }

    @ParameterizedTest
    @ValueSource(ints = {32000, 50257, 151936, 256000})
    void ngramKeysMatchBigIntegerReferenceForAnyVocabulary(int vocab) {
        SplittableRandom rnd = new SplittableRandom(vocab);
        long[] keys = new long[12];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = rnd.nextLong();
        }
        int[] ids = new int[40];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(vocab);
        }
        for (SynthIdAlgorithm a : new SynthIdAlgorithm[] {SynthIdAlgorithm.huggingFace(5, keys, 1024, 65536, 0),
            SynthIdAlgorithm.deepMind(5, keys, 1024)}) {
            byte[][] g = a.gValues(ids);
            for (int j = 0; j + 5 <= ids.length; j++) {
                BigInteger h = BigInteger.valueOf(a.initialHash());
                for (int i = j; i < j + 5; i++) {
                    h = s64(h.add(BigInteger.valueOf(ids[i])).multiply(MUL).add(BigInteger.ONE));
                }
                long[] got = a.ngramKeys(ids, j);
                for (int d = 0; d < keys.length; d++) {
                    BigInteger k = s64(h.add(BigInteger.valueOf(keys[d])).multiply(MUL).add(BigInteger.ONE));
                    assertEquals(k.longValueExact(), got[d]);
                    assertEquals(a.g(got[d]), g[j][d]);
                }
            }
        }
    }

    @Test
    void hfTableSeesOnlyIdsModulo65536ButDeepMindSeesAll() {
        // upstream weakness: with a 2^16 table only the low 16 bits of every hash input matter
        SynthIdAlgorithm hf = SynthIdAlgorithm.huggingFace(5, new long[] {654, 400, 836}, 1024, 65536, 0);
        SynthIdAlgorithm dm = SynthIdAlgorithm.deepMind(5, new long[] {654, 400, 836}, 1024);
        int[] a = {100, 200, 300, 400, 500};
        int[] b = {100, 200 + 65536, 300, 400, 500 + 3 * 65536};
        assertArrayEquals(hf.gValues(a)[0], hf.gValues(b)[0]);
        assertNotEquals(dm.ngramKeys(a, 0)[0], dm.ngramKeys(b, 0)[0]);
        boolean differs = false;
        for (int t = 0; t < 64 && !differs; t++) {
            int[] c = a.clone();
            int[] e = a.clone();
            c[4] = t;
            e[4] = t + 65536;
            differs = !java.util.Arrays.equals(dm.gValues(c)[0], dm.gValues(e)[0]);
        }
        assertTrue(differs, "DeepMind HEAD g-values depend on the full ids");
    }

    @Test
    void gValuesAreVocabularyIndependentAndIdsAreChecked() {
        String det = "{\"eos_token_id\": 1}";
        SynthIdCompat small = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(SynthIdVectors.hfProfile(32000, det)));
        SynthIdCompat big = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(SynthIdVectors.hfProfile(256000, det)));
        int[] ids = {17619, 6627, 27543, 5836, 7148, 29707, 18135};
        assertArrayEquals(small.analyze(ids).gValues(), big.analyze(ids).gValues());
        int[] tooBig = {17619, 6627, 27543, 5836, 32000};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small.detect(tooBig, new int[0], false));
        assertTrue(e.getMessage().contains("position 4"), e.getMessage());
        big.detect(tooBig, new int[0], false);
        assertThrows(IllegalArgumentException.class, () -> small.detect(ids, new int[] {-1}, false));
    }

    @Test
    void shortInputsGiveNaNLikeUpstreamDivisionByZero() {
        SynthIdCompat c = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(SynthIdVectors.hfProfile(32000, "{}")));
        for (int len = 0; len < 5; len++) {
            int[] ids = new int[len];
            SynthIdCompat.Analysis a = c.analyze(ids);
            assertEquals(0, a.gValues().length);
            assertTrue(Float.isNaN(a.meanFloat32()) && Double.isNaN(a.weightedMeanX64()));
            var r = c.detect(ids, new int[0], true);
            assertEquals(0, r.evidence().numScored());
            assertEquals(0.0, r.evidence().lnPValue());
            assertEquals(len, r.evidence().positions().size());
        }
        assertFalse(Double.isNaN(c.analyze(new int[] {1, 2, 3, 4, 5}).meanX64()));
    }

    @Test
    void linspaceWeightsAreProportionalToIntegers() {
        for (int depth : new int[] {1, 2, 3, 10, 30, 31, 64}) {
            double[] w = SynthIdCompat.linspace64(10, 1, depth);
            int[] iw = SynthIdCompat.linspaceIntegerWeights(depth);
            for (int d = 0; d < depth; d++) {
                assertEquals(w[d] / w[0], (double) iw[d] / iw[0], 1e-15, "depth " + depth + " layer " + d);
            }
            assertEquals(10.0, w[0]);
            assertEquals(depth == 1 ? 10.0 : 1.0, w[depth - 1]);
        }
        int[] w30 = SynthIdCompat.linspaceIntegerWeights(30);
        assertEquals(290, w30[0]);
        assertEquals(29, w30[29]);
    }
}
