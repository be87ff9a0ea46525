package io.provmark.corpora.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.provmark.core.attribution.CorpusAttribution;
import io.provmark.core.attribution.CorpusAttribution.Answer;
import io.provmark.core.attribution.CorpusAttribution.Options;
import io.provmark.core.attribution.CorpusAttribution.Report;
import io.provmark.core.attribution.KolmogorovSmirnov;
import io.provmark.core.attribution.ReadingModeAttribution;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import io.provmark.corpora.human.HumanCorpora;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Distillation on real text, small: the Kneser-Ney teacher on Brown train (cl100k_base), students of order 4
 * on 40k tokens, closed and reading mode, same and different (o200k_base) tokenizer. The full grid is
 * {@link AttributionGrid} (docs/attribution.md).
 */
class DistillationRealTextTest {
    static final RealTextDistillation.Config CFG =
            new RealTextDistillation.Config("cl100k_base", 3, 4, 40_000, 16, 100, 150, 100, 1, 1);
    static TextTokenizer tokA;
    static TextTokenizer tokB;
    static RealTextDistillation sim;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(HumanCorpora.available(), "SKIPPED: corpora not fetched; run scripts/fetch-corpora.sh");
        tokA = Tokenizers.byId("cl100k_base");
        tokB = Tokenizers.byId("o200k_base");
        sim = new RealTextDistillation(CFG, tokA, RealTextDistillation.key("teacher", 1));
        sim.prepare();
        sim.generateTeacher();
    }

    private static Report closed(RealTextDistillation s, KnStudent st, TextTokenizer tok, int controls, long seed) {
        List<Answer> ans = s.closedAnswers(st, tok, 300, seed);
        return new CorpusAttribution(s.profile(), new Options(true, 0, controls, seed))
                .run(List.of(s.key()), ans, List.of(), null, null, 1e-3);
    }

    private static Report reading(RealTextDistillation s, KnStudent st, TextTokenizer tok, int controls, long seed) {
        RealTextDistillation.ReadingInput in = s.readingInput(st, tok, 150);
        return new ReadingModeAttribution(s.profile(), new Options(true, 0, controls, seed)).run(List.of(s.key()),
                in.texts(), 1e-3);
    }

    @Test
    void distilledStudentsAreAttributedInBothModesAndTokenizers() {
        for (TextTokenizer tok : new TextTokenizer[] {tokA, tokB}) {
            KnStudent st = sim.student(1.0, tok);
            Report c = closed(sim, st, tok, 0, 5);
            Report r = reading(sim, st, tok, 0, 5);
            System.out.printf("rho=1 %s: closed log10 p %.1f (n=%d), reading log10 p %.1f (n=%d)%n", tok.id(),
                    c.main().log10PValue(), c.main().numScored(), r.main().log10PValue(), r.main().numScored());
            // measured: closed -125 / -118, reading -340 / -306 (cl100k / o200k student); 1e-6 leaves a wide margin
            assertTrue(c.main().log10PValue() < -6, tok.id() + " closed " + c.main().log10PValue());
            assertTrue(r.main().log10PValue() < -6, tok.id() + " reading " + r.main().log10PValue());
        }
    }

    @Test
    void cleanStudentsAreNotAttributedAndRandomKeyNullsAreUniform() throws Exception {
        // 8 runs (different teacher keys, hence different watermarked reading texts and answer seeds) x
        // {closed, reading} x {same, different tokenizer} = 32 p-values of clean students. Under the null
        // each is super-uniform, P(p <= 0.01) <= 0.01: at most 2 hits allowed; P(Binomial(32, 0.01) >= 3)
        // ~= 3.6e-3 is the false-failure probability.
        KnStudent cleanA = sim.student(0.0, tokA);
        KnStudent cleanB = sim.student(0.0, tokB);
        int hits = 0;
        List<String> ps = new ArrayList<>();
        for (int run = 0; run < 8; run++) {
            RealTextDistillation s = sim.forKey(RealTextDistillation.key("clean-run-" + run, 100 + run), 100 + run);
            s.generateTeacher();
            for (Report r : new Report[] {closed(s, cleanA, tokA, 0, run), reading(s, cleanA, tokA, 0, run),
                closed(s, cleanB, tokB, 0, run), reading(s, cleanB, tokB, 0, run)}) {
                ps.add(String.format("%.3g", r.main().pValue()));
                hits += r.main().pValue() <= 0.01 ? 1 : 0;
            }
        }
        System.out.println("clean students' p-values: " + ps);
        assertTrue(hits <= 2, hits + " of 32 clean p-values <= 0.01: " + ps);

        // the random-key null of a distilled student (rho = 20%), reading mode: 100 fresh keys; KS at
        // alpha 1e-3 fails falsely with probability <= 1e-3
        Report r = reading(sim, sim.student(0.2, tokA), tokA, 100, 77);
        KolmogorovSmirnov.Result ks = r.controls().ks();
        assertTrue(ks.pValue() > 1e-3, "KS p = " + ks.pValue());
    }

    @Test
    void promptCopyTrapOnRealText() {
        // probes are our own watermarked texts ("continue this"); a clean student answers by quoting four
        // 10-token spans of its prompt between its own tokens
        KnStudent clean = sim.student(0.0, tokA);
        List<int[]> prompts = sim.readingTexts();
        SplittableRandom rnd = new SplittableRandom(3);
        List<Answer> answers = new ArrayList<>();
        for (int q = 0; q < prompts.size(); q++) {
            int[] p = prompts.get(q);
            int[] out = new int[0];
            for (int span = 0; span < 4; span++) {
                int[] own = clean.generate(concat(p, out), 15, rnd);
                int from = rnd.nextInt(p.length - 10);
                out = concat(concat(out, own), Arrays.copyOfRange(p, from, from + 10));
            }
            answers.add(new Answer("q" + q, out, p));
        }
        Report on = new CorpusAttribution(sim.profile(), Options.defaults()).run(List.of(sim.key()), answers, List.of(),
                null, null, 1e-3);
        Report off = new CorpusAttribution(sim.profile(), new Options(false, 0, 0, null)).run(List.of(sim.key()), answers,
                List.of(), null, null, 1e-3);
        System.out.printf("prompt copier: log10 p %.2f with exclusion, %.1f without%n", on.main().log10PValue(),
                off.main().log10PValue());
        // with exclusion: a clean model's own tuples, p <= 0.01 with probability <= 0.01
        assertTrue(on.main().pValue() > 0.01, "with exclusion log10 p = " + on.main().log10PValue());
        // without: the quoted spans are our green-biased text (measured log10 p = -278)
        assertTrue(off.main().log10PValue() < -6, "without exclusion log10 p = " + off.main().log10PValue());
    }

    @Test
    void perAccountTwentyCohortsThreeFed() throws Exception {
        // 20 cohort keys; the student's corpus holds 20,000 teacher tokens from each of cohorts 2, 7 and 13
        // (10% each) plus 140,000 human tokens; 2,000 probe answers of 100 tokens. Holm over the 20 keys at alpha 0.01 must name exactly those 3. Unfed keys: each
        // Holm p <= 0.01 with probability <= 0.01 / 20 under the null, so a false extra key has probability
        // <= 0.01; the fed keys' measured log10 p: -19.8, -18.0, -9.9 (seed fixed).
        List<RealTextDistillation> cohorts = new ArrayList<>();
        List<WatermarkKey> keys = new ArrayList<>();
        for (int c = 0; c < 20; c++) {
            RealTextDistillation s = sim.forKey(RealTextDistillation.key("cohort-" + c, 500 + c), 500 + c);
            cohorts.add(s);
            keys.add(s.key());
        }
        List<int[]> docs = new ArrayList<>();
        for (int c : new int[] {2, 7, 13}) {
            cohorts.get(c).generateTeacher();
            docs.addAll(cohorts.get(c).teacherDocuments(20_000, tokA));
        }
        docs.addAll(sim.humanDocuments(140_000, tokA));
        KnStudent st = KnStudent.train(docs, tokA.vocabSize(), 4, tokA.id(), tokA.vocabularySha256());
        List<Answer> ans = sim.closedAnswers(st, tokA, 2_000, 9);
        Report r = new CorpusAttribution(sim.profile().withKeyId("cohort-0"), Options.defaults()).run(keys, ans, List.of(),
                null, null, 0.01);
        System.out.println("per-key log10 p: " + r.perKey().stream()
                .map(k -> k.result().keyId() + "=" + String.format("%.1f", k.result().log10PValue())).toList());
        assertEquals(List.of("cohort-2", "cohort-7", "cohort-13"),
                r.attributedKeys().stream().sorted((a, b) -> Integer.compare(num(a), num(b))).toList());
    }

    private static int num(String id) {
        return Integer.parseInt(id.substring(id.indexOf('-') + 1));
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
