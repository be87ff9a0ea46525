package io.provmark.core.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.attribution.CorpusAttribution.Options;
import io.provmark.core.attribution.CorpusAttribution.Report;
import io.provmark.core.attribution.DistillationSim.BigramStudent;
import io.provmark.core.attribution.ReadingModeAttribution.ReadingText;
import io.provmark.core.key.WatermarkKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading mode on the synthetic simulation (token ids only; the real-text version is in test-corpora). */
class ReadingModeAttributionTest {
    static final int TRAIN_DOCS = 200;
    static final int TEXTS = 100;

    static WatermarkKey key;
    static List<int[]> teacher;
    static List<int[]> human;
    /** Held-out watermarked texts: never in any student's training data. */
    static List<int[]> ours;

    @BeforeAll
    static void corpora() {
        key = DistillationSim.key("teacher", 1);
        teacher = DistillationSim.generate(key, TRAIN_DOCS, 11);
        human = DistillationSim.generate(null, TRAIN_DOCS, 12);
        ours = DistillationSim.generate(key, TEXTS, 13);
    }

    private static ReadingModeAttribution attribution(Options o) {
        return new ReadingModeAttribution(DistillationSim.profile(key.id()), o);
    }

    /** The student's teacher-forced top-1 at every position of every text. */
    private static List<ReadingText> read(BigramStudent s, List<int[]> texts) {
        List<ReadingText> out = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            int[] x = texts.get(t);
            int[] p = new int[x.length];
            p[0] = -1;
            for (int i = 1; i < x.length; i++) {
                p[i] = s.top1(x[i - 1]);
            }
            out.add(new ReadingText("r" + t, x, p));
        }
        return out;
    }

    @Test
    void distilledStudentIsAttributedAndCurveGrows() {
        BigramStudent s = new BigramStudent(DistillationSim.mix(teacher, human, 1.0, TRAIN_DOCS));
        Report r = attribution(new Options(true, 0, 20, 5L)).run(List.of(key), read(s, ours), 1e-3);
        // the student's top-1 after a context is the teacher's favourite, green with probability ~0.5+ vs 0.25,
        // over ~1,000 distinct contexts: measured log10 p = -316; 1e-6 leaves a wide margin
        System.out.println("reading, rho = 1: log10 p = " + r.main().log10PValue() + ", scored " + r.main().numScored());
        assertTrue(r.main().log10PValue() < -6, "log10 p = " + r.main().log10PValue());
        assertEquals(TEXTS, r.main().numAnswers());
        assertEquals((long) TEXTS * DistillationSim.DOC_LEN, r.main().numTokens());
        assertTrue(r.main().exact());
        List<CorpusAttribution.CurvePoint> c = r.main().curve();
        assertEquals(List.of(1, 2, 4, 8, 16, 32, 64, 100), c.stream().map(CorpusAttribution.CurvePoint::answers).toList());
        for (int i = 1; i < c.size(); i++) {
            assertTrue(c.get(i).numScored() >= c.get(i - 1).numScored());
        }
        assertEquals(20, r.controls().m());
        // no control key ever watermarked these texts: the real key is more extreme than all 20
        assertEquals(1.0 / 21, r.controls().empiricalPValue(), 1e-12);
    }

    @Test
    void cleanStudentsAreNotAttributed() {
        // 20 clean students (different human corpora). Under the null each p-value is super-uniform:
        // P(p <= 0.01) <= 0.01; at most 2 hits allowed, P(Binomial(20, 0.01) >= 3) ~= 1.0e-3 false failure.
        int hits = 0;
        for (int s = 0; s < 20; s++) {
            BigramStudent st = new BigramStudent(DistillationSim.generate(null, TRAIN_DOCS, 3000 + s));
            Report r = attribution(Options.defaults()).run(List.of(key), read(st, ours), 1e-3);
            hits += r.main().pValue() <= 0.01 ? 1 : 0;
        }
        assertTrue(hits <= 2, hits + " of 20 clean students had p <= 0.01");
    }

    /**
     * A clean suspect that copies from the text it is reading (predicting, after a token, whatever followed
     * that token earlier in the same text: an induction-style copy) repeats our watermarked choices. Context
     * exclusion removes exactly those tuples; without it the clean copier looks radioactive.
     */
    @Test
    void copyingFromTheReadTextIsNotAttributedWithContextExclusion() {
        BigramStudent clean = new BigramStudent(human);
        List<ReadingText> texts = new ArrayList<>();
        for (int t = 0; t < ours.size(); t++) {
            int[] x = ours.get(t);
            int[] p = new int[x.length];
            p[0] = -1;
            for (int i = 1; i < x.length; i++) {
                p[i] = clean.top1(x[i - 1]);
                for (int j = i - 1; j >= 1; j--) {
                    if (x[j - 1] == x[i - 1]) {
                        p[i] = x[j];
                        break;
                    }
                }
            }
            texts.add(new ReadingText("r" + t, x, p));
        }
        Report on = attribution(Options.defaults()).run(List.of(key), texts, 1e-3);
        Report off = attribution(new Options(false, 0, 0, null)).run(List.of(key), texts, 1e-3);
        System.out.println("copier: log10 p with exclusion " + on.main().log10PValue() + ", without "
                + off.main().log10PValue());
        // on: a clean model's tuples, p > 0.01 fails with probability <= 0.01 (the super-uniform null)
        assertTrue(on.main().pValue() > 0.01, "with exclusion log10 p = " + on.main().log10PValue());
        assertTrue(on.numPromptIdentities() > 100, "excluded " + on.numPromptIdentities());
        // off: the copied tuples are our own green-biased choices (measured: log10 p = -18.6 without, -0.07 with exclusion)
        assertTrue(off.main().log10PValue() < -6, "without exclusion log10 p = " + off.main().log10PValue());
    }

    @Test
    void repeatedTextsAreScoredOnceAcrossTheCorpus() {
        BigramStudent s = new BigramStudent(DistillationSim.mix(teacher, human, 1.0, TRAIN_DOCS));
        List<ReadingText> one = read(s, ours.subList(0, 1));
        List<ReadingText> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(new ReadingText("c" + i, one.get(0).tokens(), one.get(0).predicted()));
        }
        Report a = attribution(Options.defaults()).run(List.of(key), one, 1e-3);
        Report b = attribution(Options.defaults()).run(List.of(key), many, 1e-3);
        assertEquals(a.main().numScored(), b.main().numScored());
        assertEquals(a.main().lnPValue(), b.main().lnPValue(), 0.0);
    }

    @Test
    void randomKeyControlsLookUniform() {
        BigramStudent s = new BigramStudent(DistillationSim.mix(teacher, human, 0.2, TRAIN_DOCS));
        Report r = attribution(new Options(true, 0, 200, 99L)).run(List.of(key), read(s, ours), 1e-3);
        // the control keys never watermarked anything: KS at alpha 1e-3 fails falsely with probability <= 1e-3
        // (discrete statistics are super-uniform; the step size ~1/sqrt(n) is small at n in the thousands)
        assertTrue(r.controls().ks().pValue() > 1e-3, "KS p = " + r.controls().ks().pValue());
        Report again = attribution(new Options(true, 0, 200, 99L)).run(List.of(key), read(s, ours), 1e-3);
        assertTrue(Arrays.equals(r.controls().pValues(), again.controls().pValues()), "seeded controls reproduce");
    }

    @Test
    void badInputIsRejectedWithClearMessages() {
        int[] x = ours.get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReadingText("t", x, new int[x.length - 1]));
        assertTrue(e.getMessage().contains("prediction slots"), e.getMessage());
        int[] bad = new int[x.length];
        bad[3] = DistillationSim.VOCAB;
        e = assertThrows(IllegalArgumentException.class,
                () -> attribution(Options.defaults()).run(List.of(key), List.of(new ReadingText("t", x, bad)), 1e-3));
        assertTrue(e.getMessage().contains("'t'") && e.getMessage().contains("position 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> attribution(Options.defaults()).run(List.of(key), List.of(),
                1e-3));
        assertTrue(e.getMessage().contains("no reading-mode texts"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> attribution(new Options(true, 2, 0, null)));
    }
}
