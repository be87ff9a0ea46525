package io.provmark.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.scheme.Fixtures;
import io.provmark.core.scheme.Fixtures.Config;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.core.stats.ExactBinomialTest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Acceptance: on text that is independent of the key, P(p &lt; 0.01) &lt;= 1%. For every scheme
 * configuration and three unwatermarked corpora of 2,000 sequences x 200 tokens we count the
 * sequences with p &lt; 0.01 and fail only if that count is improbable under Binomial(2000, 0.01):
 * P(Bin(2000, 0.01) &gt;= count) &lt; 1e-4, i.e. count &gt;= 39. A valid detector (P(p &lt; 0.01) &lt;= 0.01
 * per sequence, sequences independent) makes this test fail with probability &lt;= 1e-4.
 *
 * <p>Independence across sequences: the values at distinct PRF inputs are independent under one
 * key, so one key per configuration is enough when different sequences share (almost) no PRF
 * inputs (random tokens from 50,257; random 5-token loops). Where they do share inputs (Unigram:
 * the input is the token alone; the Zipf corpus: every sequence follows the same likely
 * continuations) each sequence gets its own key, which makes the p-values independent.
 *
 * <p>Corpora: UNIFORM: i.i.d. uniform tokens over 50,257 ids. ZIPF3: unwatermarked generations
 * of {@code ZipfLogitsModel(256, 3.0, 1)} (0.68 nats per step; at exponent 3 the ranks beyond 256
 * carry ~1e-5 of the mass, so the small vocabulary only makes generation cheap; the detector then
 * uses vocab 256 too). LOOPS: 5 random tokens (of
 * 50,257) repeated 40 times. The last two are the low-entropy / repetitive cases that dedup exists
 * for; with dedup switched off the loops give a grossly inflated rate, which is checked too.
 */
class NullCalibrationTest {
    private static final int SEQS = 2000;
    private static final int LEN = 200;
    private static final int VOCAB = Fixtures.GPT2_VOCAB;
    private static final int ZIPF_VOCAB = 256;
    private static final double ALPHA = 0.01;
    /** Level of the binomial check: the false-failure probability of each test. */
    private static final double LEVEL = 1e-4;

    enum Corpus {
        UNIFORM, ZIPF3, LOOPS
    }

    private static final Map<Corpus, int[][]> CORPORA = new EnumMap<>(Corpus.class);

    private static synchronized int[][] corpus(Corpus c) {
        return CORPORA.computeIfAbsent(c, NullCalibrationTest::build);
    }

    private static int[][] build(Corpus c) {
        int[][] out = new int[SEQS][];
        switch (c) {
            case UNIFORM: {
                SplittableRandom r = new SplittableRandom(501);
                for (int i = 0; i < SEQS; i++) {
                    out[i] = Fixtures.randomTokens(r, LEN, VOCAB);
                }
                break;
            }
            case ZIPF3: {
                ZipfLogitsModel m = new ZipfLogitsModel(ZIPF_VOCAB, 3.0, 1);
                Generator g = new Generator(m, 1.0);
                // each sequence: its own seed and one-token prompt; order-independent, so parallel is deterministic
                IntStream.range(0, SEQS).parallel().forEach(i -> out[i] = g.generate(null, new int[] {i % ZIPF_VOCAB}, LEN, 502L + i));
                break;
            }
            default: {
                SplittableRandom r = new SplittableRandom(503);
                for (int i = 0; i < SEQS; i++) {
                    int[] loop = Fixtures.randomTokens(r, 5, VOCAB);
                    out[i] = new int[LEN];
                    for (int k = 0; k < LEN; k++) {
                        out[i][k] = loop[k % 5];
                    }
                }
                break;
            }
        }
        return out;
    }

    /** Whether each sequence needs its own key for the p-values to be independent (see class doc). */
    private static boolean keyPerSequence(Config c, Corpus corpus) {
        return corpus == Corpus.ZIPF3 || c == Config.UNIGRAM_H0;
    }

    /** Number of sequences of the corpus whose p-value is below ALPHA. */
    static int countBelowAlpha(Config c, Corpus corpus, DedupRule rule) {
        int[][] seqs = corpus(corpus);
        int vocab = corpus == Corpus.ZIPF3 ? ZIPF_VOCAB : VOCAB;
        long keyBase = 10_000L * (c.ordinal() + 1) + 1_000_000L * corpus.ordinal();
        WatermarkScheme shared = keyPerSequence(c, corpus) ? null : c.scheme(keyBase, vocab, rule);
        IntFunction<WatermarkScheme> schemeOf = i -> shared != null ? shared : c.scheme(keyBase + 1 + i, vocab, rule);
        if (c != Config.SYNTHID_WEIGHTED_H3) {
            return (int) IntStream.range(0, SEQS).parallel()
                    .filter(i -> new Detector(schemeOf.apply(i)).detect(seqs[i], null, false).pValue() < ALPHA)
                    .count();
        }
        // The exact weighted-mean tail costs ~20 ms at n = 200, too slow for 2,000 sequences. The
        // p-value depends on (n, sum) only and falls as the sum rises, so per scored count n we
        // sort the sums and bisect for the first one with p >= ALPHA: the same decisions as the
        // detector's, with a few tails per distinct n instead of one per sequence.
        long[] n = new long[SEQS];
        double[] sum = new double[SEQS];
        IntStream.range(0, SEQS).parallel().forEach(i -> {
            Detector.Tape tape = new Detector(schemeOf.apply(i)).tape(seqs[i], null, false);
            n[i] = tape.size();
            sum[i] = tape.sum();
        });
        NullModel model = schemeOf.apply(0).nullModel();
        Map<Long, List<Double>> byN = new TreeMap<>();
        for (int i = 0; i < SEQS; i++) {
            byN.computeIfAbsent(n[i], k -> new ArrayList<>()).add(sum[i]);
        }
        int count = byN.entrySet().parallelStream().mapToInt(e -> {
            long k = e.getKey();
            if (k == 0) {
                return 0; // nothing scored: p = 1
            }
            List<Double> sums = e.getValue();
            sums.sort(Comparator.reverseOrder());
            int lo = 0; // sums[0..lo) have p < ALPHA
            int hi = sums.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Math.min(0.0, model.logPValue(k, sums.get(mid))) < Math.log(ALPHA)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }).sum();
        // spot-check: the shortcut uses the detector's null model on the detector's (n, sum)
        for (int i = 0; i < SEQS; i += SEQS / 8) {
            Evidence ev = new Detector(schemeOf.apply(i)).detect(seqs[i], null, false);
            assertEquals(n[i], ev.numScored());
            assertEquals(Math.min(0.0, model.logPValue(n[i], sum[i])), ev.lnPValue(), 0.0, "sequence " + i);
        }
        return count;
    }

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Corpus corpus : Corpus.values()) {
            for (Config c : Config.values()) {
                a.add(Arguments.of(c, corpus));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void falsePositiveRateIsAtMostOnePercent(Config c, Corpus corpus) {
        int count = countBelowAlpha(c, corpus, DedupRule.PRF_INPUT);
        double tail = ExactBinomialTest.upperTailP(SEQS, count, ALPHA);
        System.out.printf("null FPR %-20s %-8s p<0.01 in %3d of %d (%.2f%%), P(Bin >= count) = %.3g%n", c, corpus,
                count, SEQS, 100.0 * count / SEQS, tail);
        assertTrue(tail >= LEVEL, c + " on " + corpus + ": " + count + " of " + SEQS
                + " unwatermarked sequences had p < 0.01; P(Bin(2000, 0.01) >= count) = " + tail);
    }

    @ParameterizedTest
    @EnumSource(Config.class)
    void withoutDedupRepeatedLoopsLookWatermarked(Config c) {
        // 40 copies of 5 PRF inputs: the statistic is 40 times a sum of 5 values, whose spread the
        // null model (199 independent values) badly underestimates. E.g. Unigram: p < 0.01 needs
        // 65 green of 200, i.e. 2 of the 5 loop tokens green: P(Bin(5, 0.25) >= 2) = 37%.
        int count = countBelowAlpha(c, Corpus.LOOPS, DedupRule.NONE);
        int zipf = countBelowAlpha(c, Corpus.ZIPF3, DedupRule.NONE);
        System.out.printf("no dedup %-20s p<0.01: LOOPS %4d of %d (%.1f%%), ZIPF3 %4d of %d (%.1f%%)%n", c, count, SEQS,
                100.0 * count / SEQS, zipf, SEQS, 100.0 * zipf / SEQS);
        assertTrue(count > SEQS / 10, c + ": only " + count + " of " + SEQS + " loops reached p < 0.01 without dedup");
    }
}
