package io.provmark.core.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KneserNeyModelTest {
    static final String SHA = "0".repeat(64);
    static final int V = 400;

    /** Ids the source emits: the other V - ACTIVE ids are never seen and live on back-off mass alone. */
    static final int ACTIVE = 60;

    /**
     * Documents from a fixed random second-order Markov source: after each pair of tokens the next is one of
     * 6 successors (Zipf weights) among the first ACTIVE ids, so the source entropy is about 1.5 nats, far
     * below ln V, and a trigram model can learn what a bigram model cannot.
     */
    static List<int[]> markovDocs(int nDocs, int len, long seed) {
        SplittableRandom table = new SplittableRandom(12345);
        int[][] next = new int[ACTIVE * ACTIVE][6];
        for (int[] row : next) {
            for (int j = 0; j < 6; j++) {
                row[j] = table.nextInt(ACTIVE);
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<int[]> docs = new ArrayList<>();
        for (int d = 0; d < nDocs; d++) {
            int n = len / 2 + rnd.nextInt(len);
            int[] doc = new int[n];
            for (int i = 0; i < n; i++) {
                if (i < 2) {
                    doc[i] = rnd.nextInt(ACTIVE);
                } else {
                    int[] row = next[doc[i - 2] * ACTIVE + doc[i - 1]];
                    double u = rnd.nextDouble() * 2.45; // sum of 1/(j+1), j < 6
                    int j = 0;
                    for (double acc = 1.0; acc < u && j < 5; acc += 1.0 / (j + 2)) {
                        j++;
                    }
                    doc[i] = row[j];
                }
            }
            docs.add(doc);
        }
        return docs;
    }

    static final List<int[]> TRAIN = markovDocs(300, 120, 1);
    static final List<int[]> TEST = markovDocs(40, 120, 2);

    @Test
    void probabilitiesSumToOneForRandomContexts() {
        for (int order : new int[] {2, 3, 4}) {
            // textbook (ε = 1) at order 3, the default floor elsewhere
            KneserNeyModel m = KneserNeyModel.train(TRAIN, V, order, "test", SHA,
                    order == 3 ? 1.0 : KneserNeyModel.DEFAULT_UNSEEN_WEIGHT);
            SplittableRandom rnd = new SplittableRandom(7);
            float[] logits = new float[V];
            for (int trial = 0; trial < 60; trial++) {
                int[] ctx;
                if (trial % 3 == 0) {
                    int[] doc = TRAIN.get(rnd.nextInt(TRAIN.size()));
                    ctx = Arrays.copyOf(doc, 1 + rnd.nextInt(Math.min(doc.length, 10))); // seen contexts
                } else {
                    ctx = rnd.ints(rnd.nextInt(6), 0, V).toArray(); // mostly unseen, some empty
                }
                m.logits(ctx, ctx.length, logits);
                double sumLogits = 0;
                double sumExact = 0;
                for (int w = 0; w < V; w++) {
                    double p = m.probability(ctx, ctx.length, w);
                    assertTrue(p > 0, "zero probability for " + w);
                    assertEquals(Math.log(p), logits[w], 1e-4, "logit vs probability, token " + w);
                    sumLogits += Math.exp(logits[w]);
                    sumExact += p;
                }
                assertEquals(1.0, sumExact, 1e-6, "order " + order + " context " + Arrays.toString(ctx));
                assertEquals(1.0, sumLogits, 1e-4, "order " + order + " context " + Arrays.toString(ctx));
            }
        }
    }

    @Test
    void heldOutPerplexityIsFarBelowUniform() {
        KneserNeyModel m3 = KneserNeyModel.train(TRAIN, V, 3, "test", SHA);
        KneserNeyModel m2 = KneserNeyModel.train(TRAIN, V, 2, "test", SHA);
        double h3 = m3.crossEntropy(TEST);
        double h2 = m2.crossEntropy(TEST);
        // deterministic data (fixed seeds): uniform is ln 400 = 5.99 nats; the source has ~1.5 nats per token
        assertTrue(h3 < Math.log(V) - 2.5, "trigram cross-entropy " + h3);
        assertTrue(h3 < h2 - 0.3, "trigram " + h3 + " should beat bigram " + h2 + " on a second-order source");
    }

    @Test
    void matchesABruteForceReference() {
        List<int[]> docs = List.of(new int[] {1, 2, 3, 1, 2, 4, 1, 2, 3, 5}, new int[] {2, 3, 1, 2, 3, 1, 1},
                new int[] {5, 5, 5, 2, 3}, new int[] {4}, new int[] {}, new int[] {3, 1, 2, 3, 4, 2, 1, 2, 3, 1, 2, 3});
        int v = 8;
        for (double eps : new double[] {1.0, KneserNeyModel.DEFAULT_UNSEEN_WEIGHT, 0.3}) {
            for (int order : new int[] {2, 3, 4}) {
                KneserNeyModel m = KneserNeyModel.train(docs, v, order, "test", SHA, eps);
                Reference ref = new Reference(docs, v, order, eps);
                for (int k = 1; k <= order; k++) {
                    assertArrayEquals(ref.discounts[k], m.discounts(k), 1e-12, "discounts of level " + k);
                }
                SplittableRandom rnd = new SplittableRandom(3);
                for (int trial = 0; trial < 200; trial++) {
                    int[] ctx = rnd.ints(rnd.nextInt(5), 0, v).toArray();
                    int w = rnd.nextInt(v);
                    assertEquals(ref.p(ctx, w), m.probability(ctx, ctx.length, w), 1e-6,
                            "eps " + eps + " order " + order + " P(" + w + " | " + Arrays.toString(ctx) + ")");
                }
            }
        }
    }

    /** Interpolated modified Kneser-Ney written the obvious way, with maps (independent of the model's arrays). */
    static final class Reference {
        final int v;
        final int order;
        final double eps;
        final List<Map<List<Integer>, Integer>> counts = new ArrayList<>();
        final double[][] discounts;

        Reference(List<int[]> docs, int v, int order, double eps) {
            this.v = v;
            this.eps = eps;
            this.order = order;
            for (int k = 0; k <= order; k++) {
                counts.add(new HashMap<>());
            }
            Set<List<Integer>> distinctAbove = new HashSet<>();
            for (int[] d : docs) {
                for (int i = 0; i + order <= d.length; i++) {
                    counts.get(order).merge(slice(d, i, order), 1, Integer::sum);
                }
            }
            for (int k = order - 1; k >= 1; k--) {
                distinctAbove.clear();
                distinctAbove.addAll(counts.get(k + 1).keySet());
                for (List<Integer> g : distinctAbove) {
                    counts.get(k).merge(g.subList(1, g.size()), 1, Integer::sum);
                }
            }
            discounts = new double[order + 1][];
            for (int k = 1; k <= order; k++) {
                long[] nc = new long[5];
                for (int c : counts.get(k).values()) {
                    if (c <= 4) {
                        nc[c]++;
                    }
                }
                double y = nc[1] + 2 * nc[2] > 0 ? (double) nc[1] / (nc[1] + 2 * nc[2]) : 0.5;
                double[] d = {nc[1] > 0 ? 1 - 2 * y * nc[2] / nc[1] : y, nc[2] > 0 ? 2 - 3 * y * nc[3] / nc[2] : y,
                    nc[3] > 0 ? 3 - 4 * y * nc[4] / nc[3] : y};
                for (int c = 0; c < 3; c++) {
                    d[c] = Math.min(Math.max(Double.isFinite(d[c]) ? d[c] : 0.5, 0.05), c + 1 - 0.05);
                }
                discounts[k] = d;
            }
        }

        static List<Integer> slice(int[] d, int from, int n) {
            List<Integer> l = new ArrayList<>();
            for (int i = from; i < from + n; i++) {
                l.add(d[i]);
            }
            return l;
        }

        double disc(int k, int c) {
            return c >= 3 ? discounts[k][2] : discounts[k][c - 1];
        }

        double p(int[] ctx, int w) {
            int hl = Math.min(ctx.length, order - 1);
            return pk(Math.min(order, hl + 1), slice(ctx, ctx.length - hl, hl), w);
        }

        /** P_k(w | last k-1 tokens of h). */
        double pk(int k, List<Integer> h, int w) {
            if (k == 1) {
                long total = 0;
                double dsum = 0;
                for (Map.Entry<List<Integer>, Integer> e : counts.get(1).entrySet()) {
                    total += e.getValue();
                    dsum += disc(1, e.getValue());
                }
                if (total == 0) {
                    return 1.0 / v;
                }
                Integer c = counts.get(1).get(List.of(w));
                int seen = counts.get(1).size();
                double base = (c == null ? 0 : (1 - eps) / seen) + eps / v;
                return (c == null ? 0 : (c - disc(1, c)) / total) + dsum / total * base;
            }
            List<Integer> ctx = h.subList(h.size() - (k - 1), h.size());
            long total = 0;
            double dsum = 0;
            Integer cw = null;
            for (Map.Entry<List<Integer>, Integer> e : counts.get(k).entrySet()) {
                if (e.getKey().subList(0, k - 1).equals(ctx)) {
                    total += e.getValue();
                    dsum += disc(k, e.getValue());
                    if (e.getKey().get(k - 1) == w) {
                        cw = e.getValue();
                    }
                }
            }
            double lower = pk(k - 1, h, w);
            if (total == 0) {
                return lower;
            }
            return (cw == null ? 0 : (cw - disc(k, cw)) / total) + dsum / total * lower;
        }
    }

    @Test
    void saveLoadRoundTripIsIdentical(@TempDir Path dir) throws Exception {
        KneserNeyModel m = KneserNeyModel.train(TRAIN, V, 3, "cl100k_base", SHA, 0.25);
        Path f = dir.resolve("sub/model.kn");
        m.save(f);
        KneserNeyModel back = KneserNeyModel.load(f);
        assertEquals(m.order(), back.order());
        assertEquals(m.vocabSize(), back.vocabSize());
        assertEquals("cl100k_base", back.tokenizerId());
        assertEquals(SHA, back.vocabularySha256());
        assertEquals(m.tokensTrained(), back.tokensTrained());
        assertEquals(0.25, back.unseenWeight());
        for (int k = 1; k <= 3; k++) {
            assertArrayEquals(m.discounts(k), back.discounts(k));
            assertEquals(m.ngrams(k), back.ngrams(k));
        }
        float[] a = new float[V];
        float[] b = new float[V];
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 30; trial++) {
            int[] doc = TEST.get(rnd.nextInt(TEST.size()));
            int len = rnd.nextInt(doc.length);
            m.logits(doc, len, a);
            back.logits(doc, len, b);
            assertArrayEquals(a, b);
        }
        Path g = dir.resolve("again.kn");
        back.save(g);
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(g), "re-saving gives the same bytes");
    }

    @Test
    void corruptedTruncatedAndForeignFilesFailClearly(@TempDir Path dir) throws Exception {
        KneserNeyModel m = KneserNeyModel.train(TRAIN, V, 3, "test", SHA);
        Path f = dir.resolve("m.kn");
        m.save(f);
        byte[] ok = Files.readAllBytes(f);

        byte[] flipped = ok.clone();
        flipped[ok.length / 2] ^= 0x10;
        Files.write(f, flipped);
        KneserNeyFileException e = assertThrows(KneserNeyFileException.class, () -> KneserNeyModel.load(f));
        assertTrue(e.getMessage().contains("corrupted") && e.getMessage().contains("checksum"), e.getMessage());

        Files.write(f, Arrays.copyOf(ok, ok.length - 100));
        e = assertThrows(KneserNeyFileException.class, () -> KneserNeyModel.load(f));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());

        Files.write(f, Arrays.copyOf(ok, 10));
        e = assertThrows(KneserNeyFileException.class, () -> KneserNeyModel.load(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Files.writeString(f, "{\"not\": \"a model\"}");
        e = assertThrows(KneserNeyFileException.class, () -> KneserNeyModel.load(f));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());

        byte[] v2 = ok.clone();
        v2[KneserNeyModel.MAGIC.length + 3] = 2;
        Files.write(f, v2);
        e = assertThrows(KneserNeyFileException.class, () -> KneserNeyModel.load(f));
        assertTrue(e.getMessage().contains("format version 2"), e.getMessage());

        e = assertThrows(KneserNeyFileException.class, () -> KneserNeyModel.load(dir.resolve("absent.kn")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void badTrainingInputFailsClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KneserNeyModel.train(List.of(new int[0], new int[0]), V, 3, "t", SHA));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KneserNeyModel.train(List.of(new int[] {1, V}), V, 3, "t", SHA));
        assertTrue(e.getMessage().contains("token id " + V), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KneserNeyModel.train(TRAIN, V, 1, "t", SHA));
        assertTrue(e.getMessage().contains("order"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KneserNeyModel.train(TRAIN, V, 3, "t", "abc"));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KneserNeyModel.train(TRAIN, V, 3, "t", SHA, 0.0));
        assertTrue(e.getMessage().contains("unseen weight"), e.getMessage());
        KneserNeyModel m = KneserNeyModel.train(TRAIN, V, 3, "t", SHA);
        e = assertThrows(IllegalArgumentException.class, () -> m.logits(new int[] {1, -5}, 2, new float[V]));
        assertTrue(e.getMessage().contains("-5"), e.getMessage());
    }

    @Test
    void generatesWithAndWithoutAWatermark() {
        KneserNeyModel m = KneserNeyModel.train(TRAIN, V, 3, "none", SHA);
        WatermarkKey key = WatermarkKey.generate("kn-test");
        WatermarkScheme rg = Schemes.create(Profile.defaults("red-green", "kn-test", "none", V), key);
        int[] prompt = Arrays.copyOf(TEST.get(0), 5);
        Generator gen = new Generator(m, 1.0);
        int[] plain = gen.generate(null, prompt, 60, 42);
        int[] marked = gen.generate(rg.embedder(), prompt, 60, 42);
        assertEquals(60, plain.length);
        assertEquals(60, marked.length);
        assertArrayEquals(plain, gen.generate(null, prompt, 60, 42), "seeded generation is reproducible");
        for (int t : marked) {
            assertTrue(t >= 0 && t < V);
        }
    }
}
