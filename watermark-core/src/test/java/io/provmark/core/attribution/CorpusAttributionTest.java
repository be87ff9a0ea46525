package io.provmark.core.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.attribution.CorpusAttribution.Answer;
import io.provmark.core.attribution.CorpusAttribution.Options;
import io.provmark.core.attribution.CorpusAttribution.Report;
import io.provmark.core.attribution.DistillationSim.BigramStudent;
import io.provmark.core.key.WatermarkKey;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CorpusAttributionTest {
    static final int TRAIN_DOCS = 200;
    static final int ANSWERS = 100;
    static final int ANSWER_LEN = 100;

    static WatermarkKey teacherKey;
    static List<int[]> teacher;
    static List<int[]> human;

    @BeforeAll
    static void corpora() {
        teacherKey = DistillationSim.key("teacher", 1);
        teacher = DistillationSim.generate(teacherKey, TRAIN_DOCS, 11);
        human = DistillationSim.generate(null, TRAIN_DOCS, 12);
    }

    private static CorpusAttribution attribution(Options o) {
        return new CorpusAttribution(DistillationSim.profile(teacherKey.id()), o);
    }

    private static List<Answer> studentAnswers(double rho, List<int[]> humanDocs, long seed) {
        BigramStudent s = new BigramStudent(DistillationSim.mix(teacher, humanDocs, rho, TRAIN_DOCS));
        return DistillationSim.answers(s, ANSWERS, ANSWER_LEN, seed);
    }

    @Test
    void fullyDistilledStudentIsAttributed() {
        List<Answer> answers = studentAnswers(1.0, human, 21);
        Report r = attribution(Options.defaults()).run(List.of(teacherKey), answers, List.of(), null, null, 1e-3);
        // a bigram student of the teacher has green fraction ~0.4+ vs gamma 0.25 over thousands of
        // distinct bigrams: z > 20, p < 1e-80; the 1e-6 bar leaves a huge margin
        assertTrue(r.main().log10PValue() < -6, "log10 p = " + r.main().log10PValue());
        assertEquals(ANSWERS, r.main().numAnswers());
        assertEquals((long) ANSWERS * ANSWER_LEN, r.main().numTokens());
        assertTrue(r.main().numScored() > 1000 && r.main().numScored() <= r.main().numTokens());
        assertTrue(r.main().exact());
        assertTrue(r.answersSha256().startsWith("sha256:"));
        // curve: geometric checkpoints 1, 2, 4, ..., 64, then 100; scored tuples never decrease
        List<CorpusAttribution.CurvePoint> c = r.main().curve();
        assertEquals(List.of(1, 2, 4, 8, 16, 32, 64, 100), c.stream().map(CorpusAttribution.CurvePoint::answers).toList());
        for (int i = 1; i < c.size(); i++) {
            assertTrue(c.get(i).numScored() >= c.get(i - 1).numScored());
        }
        assertEquals(r.main().log10PValue(), c.get(c.size() - 1).log10PValue(), 1e-9);
    }

    @Test
    void cleanStudentsAreNotAttributed() {
        // 20 clean students (rho = 0, different human corpora and answer seeds). Under the null each
        // p-value is super-uniform, so P(p <= 0.01) <= 0.01: expected <= 0.2 hits. We allow at most 2:
        // P(Binomial(20, 0.01) >= 3) ~= 1.0e-3 is the false-failure probability.
        int hits = 0;
        for (int s = 0; s < 20; s++) {
            List<int[]> h = DistillationSim.generate(null, TRAIN_DOCS, 1000 + s);
            List<Answer> answers = studentAnswers(0.0, h, 2000 + s);
            Report r = attribution(Options.defaults()).run(List.of(teacherKey), answers, List.of(), null, null, 1e-3);
            if (r.main().pValue() <= 0.01) {
                hits++;
            }
        }
        assertTrue(hits <= 2, hits + " of 20 clean students had p <= 0.01");
    }

    @Test
    void repeatedAnswersAreScoredOnceAcrossTheCorpus() {
        List<Answer> one = studentAnswers(1.0, human, 31).subList(0, 1);
        List<Answer> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(new Answer("r" + i, one.get(0).tokens(), one.get(0).prompt()));
        }
        CorpusAttribution a = attribution(Options.defaults());
        Report r1 = a.run(List.of(teacherKey), one, List.of(), null, null, 1e-3);
        Report r50 = a.run(List.of(teacherKey), many, List.of(), null, null, 1e-3);
        // one global dedup tape: 50 copies add no evidence at all
        assertEquals(r1.main().numScored(), r50.main().numScored());
        assertEquals(r1.main().lnPValue(), r50.main().lnPValue(), 0.0);
        assertEquals(50L * ANSWER_LEN, r50.main().numTokens());
    }

    @Test
    void promptCopyTrap() {
        // prompts are our watermarked texts; a clean student (human-only training) quotes them
        BigramStudent clean = new BigramStudent(human);
        SplittableRandom rnd = new SplittableRandom(41);
        List<Answer> answers = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < ANSWERS; i++) {
            int[] prompt = teacher.get(i % TRAIN_DOCS);
            prompts.add(prompt);
            // 4 quoted spans of 10 tokens: ~36 watermarked bigrams per answer
            answers.add(new Answer("q" + i, clean.copyingAnswer(prompt, ANSWER_LEN, 4, 10, rnd), new int[0]));
        }
        Report on = attribution(Options.defaults()).run(List.of(teacherKey), answers, prompts, null, null, 1e-3);
        Report off = attribution(new Options(false, 0, 0, null)).run(List.of(teacherKey), answers, prompts, null,
                null, 1e-3);
        // with exclusion the quoted tuples are never scored: the rest is null, p > 0.01 fails with
        // probability <= 0.01 for a random seed (fixed here)
        assertTrue(on.main().pValue() > 0.01, "excluded: p = " + on.main().pValue());
        assertTrue(on.numPromptIdentities() > 0);
        // without it ~3,000 quoted watermarked bigrams (green ~0.5 vs 0.25) give z > 10: a false positive
        assertTrue(off.main().log10PValue() < -6, "not excluded: log10 p = " + off.main().log10PValue());
        assertTrue(off.main().numScored() > on.main().numScored());
    }

    @Test
    void perAccountKeysFindTheCohortsThatFedTheStudent() {
        // 20 cohort keys; cohorts 3, 7 and 15 fed the student (100 docs each) with 200 human docs
        List<WatermarkKey> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add(DistillationSim.key("cohort-" + i, 100 + i));
        }
        List<int[]> training = new ArrayList<>(DistillationSim.generate(keys.get(3), 100, 53));
        training.addAll(DistillationSim.generate(keys.get(7), 100, 57));
        training.addAll(DistillationSim.generate(keys.get(15), 100, 58));
        training.addAll(human);
        List<Answer> answers = DistillationSim.answers(new BigramStudent(training), ANSWERS, ANSWER_LEN, 59);
        CorpusAttribution a = new CorpusAttribution(DistillationSim.profile(keys.get(0).id()), Options.defaults());
        Report r = a.run(keys, answers, List.of(), null, null, 0.01);
        // fed keys: a fifth of the training text each, green ~0.32 over thousands of tuples, z > 8
        // even after Holm's factor 20; the 17 others are null and Holm keeps their family-wise error
        // <= alpha = 0.01 (the false-failure probability of the "no others" half for a random seed)
        assertEquals(List.of("cohort-3", "cohort-7", "cohort-15"), r.attributedKeys());
        assertEquals(20, r.perKey().size());
    }

    @Test
    void randomKeyControlsAreUniform() {
        List<Answer> answers = studentAnswers(1.0, human, 61);
        Report r = attribution(new Options(true, 0, 200, 62L)).run(List.of(teacherKey), answers, List.of(), null,
                null, 1e-3);
        CorpusAttribution.Controls c = r.controls();
        assertNotNull(c);
        assertEquals(200, c.pValues().length);
        // control keys never watermarked anything: their p-values are i.i.d. (given the corpus) and
        // super-uniform with binomial steps of ~0.01; KS at alpha = 1e-3 (false-failure probability
        // ~1e-3, the discreteness only makes it smaller in D's upper tail by ~0.01)
        assertTrue(c.ks().pValue() > 1e-3, "KS D = " + c.ks().statistic() + ", p = " + c.ks().pValue());
        // the real key beats every control
        assertEquals(1.0 / 201, c.empiricalPValue(), 1e-12);
    }

    @Test
    void teacherContextFilterKeepsOnlyFrequentContexts() {
        List<Answer> answers = studentAnswers(1.0, human, 71);
        List<Answer> released = new ArrayList<>();
        for (int i = 0; i < teacher.size(); i++) {
            released.add(new Answer("t" + i, teacher.get(i), null));
        }
        Report all = attribution(Options.defaults()).run(List.of(teacherKey), answers, List.of(), null, null, 1e-3);
        Report filtered = attribution(new Options(true, 30, 0, null)).run(List.of(teacherKey), answers, List.of(),
                released, null, 1e-3);
        assertTrue(filtered.main().numFiltered() > 0);
        assertTrue(filtered.main().numScored() < all.main().numScored());
        assertTrue(filtered.numFrequentContexts() > 0);
        // still radioactive on the kept contexts (same margin argument as the rho = 1 test)
        assertTrue(filtered.main().log10PValue() < -6, "log10 p = " + filtered.main().log10PValue());
        assertThrows(IllegalArgumentException.class, () -> attribution(new Options(true, 2, 0, null))
                .run(List.of(teacherKey), answers, List.of(), null, null, 1e-3));
    }

    @Test
    void cleanReferenceCorpusIsScoredToo() {
        List<Answer> answers = studentAnswers(1.0, human, 81);
        List<Answer> ref = DistillationSim.answers(new BigramStudent(human), ANSWERS, ANSWER_LEN, 82);
        Report r = attribution(Options.defaults()).run(List.of(teacherKey), answers, List.of(), null, ref, 1e-3);
        assertEquals(1, r.reference().size());
        // null reference: p > 0.01 fails with probability <= 0.01 for a random seed (fixed here)
        assertTrue(r.reference().get(0).pValue() > 0.01);
    }

    @Test
    void badInputNamesTheProblem() {
        CorpusAttribution a = attribution(Options.defaults());
        var e = assertThrows(IllegalArgumentException.class, () -> a.run(List.of(teacherKey),
                List.of(new Answer("x1", new int[] {1, 2, DistillationSim.VOCAB}, null)), List.of(), null, null, 1e-3));
        assertTrue(e.getMessage().contains("'x1'") && e.getMessage().contains("vocabulary"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.run(List.of(teacherKey), List.of(), List.of(), null,
                null, 1e-3));
        assertFalse(CorpusAttribution.sha256(List.of(new Answer("a", new int[] {1}, null)))
                .equals(CorpusAttribution.sha256(List.of(new Answer("a", new int[] {2}, null)))));
    }
}
