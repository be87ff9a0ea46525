package io.provmark.corpora.distill;

import io.provmark.core.attribution.CorpusAttribution;
import io.provmark.core.attribution.CorpusAttribution.Answer;
import io.provmark.core.attribution.CorpusAttribution.Options;
import io.provmark.core.attribution.CorpusAttribution.Report;
import io.provmark.core.attribution.KolmogorovSmirnov;
import io.provmark.core.attribution.ReadingModeAttribution;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One-off sweeps on real text for issue 5's acceptance 2 and 4 at full count, at the sizes of
 * {@code DistillationRealTextTest}: (a) clean students over many teacher keys in both modes and with both
 * tokenizers, counting p ≤ 0.01 and testing the p-values for uniformity (KS); (b) 20 cohort keys with 3 fed
 * over many seeds, counting the seeds where exactly the fed keys are attributed. Writes
 * {@code sweeps.md} into {@code --out} (default docs/attribution):
 * <pre>
 *   scripts/attribution-grid.sh --sweeps [--clean-runs 100] [--cohort-seeds 20]
 * </pre>
 */
public final class AttributionSweeps {
    private AttributionSweeps() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("docs/attribution");
        int cleanRuns = 100;
        int cohortSeeds = 20;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--clean-runs" -> cleanRuns = Integer.parseInt(args[i + 1]);
                case "--cohort-seeds" -> cohortSeeds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        long t0 = System.nanoTime();
        TextTokenizer tokA = Tokenizers.byId("cl100k_base");
        TextTokenizer tokB = Tokenizers.byId("o200k_base");
        RealTextDistillation.Config cfg = new RealTextDistillation.Config("cl100k_base", 3, 4, 40_000, 16, 100, 150, 100,
                1, 1);
        RealTextDistillation sim = new RealTextDistillation(cfg, tokA, RealTextDistillation.key("teacher", 1));
        sim.prepare();
        KnStudent cleanA = sim.student(0.0, tokA);
        KnStudent cleanB = sim.student(0.0, tokB);
        String[] cells = {"closed, same tokenizer", "reading, same tokenizer", "closed, o200k_base student",
            "reading, o200k_base student"};
        double[][] p = new double[4][cleanRuns];
        for (int run = 0; run < cleanRuns; run++) {
            RealTextDistillation s = sim.forKey(RealTextDistillation.key("clean-" + run, 10_000 + run), 10_000 + run);
            s.generateTeacher();
            p[0][run] = closed(s, cleanA, tokA, 300, run).main().pValue();
            p[1][run] = reading(s, cleanA, tokA).main().pValue();
            p[2][run] = closed(s, cleanB, tokB, 300, run).main().pValue();
            p[3][run] = reading(s, cleanB, tokB).main().pValue();
        }
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Clean students (KN order 4 on 40k Brown test tokens, no teacher text) probed"
                + " %d times, each time under a different teacher key (so different watermarked reading texts) and answer"
                + " seed: closed = 300 answers of 100 tokens, reading = 150 held-out watermarked texts of 100 tokens.%n%n"
                + "| cell | runs | p ≤ 0.01 | smallest p | KS p (uniformity of the %d p-values) |%n|---|---:|---:|---:|---:|%n",
                cleanRuns, cleanRuns));
        for (int c = 0; c < 4; c++) {
            int hits = 0;
            double min = 1;
            for (double v : p[c]) {
                hits += v <= 0.01 ? 1 : 0;
                min = Math.min(min, v);
            }
            KolmogorovSmirnov.Result ks = KolmogorovSmirnov.uniformTest(p[c]);
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %.3g | %.3g |%n", cells[c], cleanRuns, hits, min,
                    ks.pValue()));
        }
        System.out.printf(Locale.ROOT, "[%.0fs] clean sweep done%n", (System.nanoTime() - t0) / 1e9);

        int exact = 0;
        List<String> lines = new ArrayList<>();
        for (int seed = 0; seed < cohortSeeds; seed++) {
            List<RealTextDistillation> cohorts = new ArrayList<>();
            List<WatermarkKey> keys = new ArrayList<>();
            for (int c = 0; c < 20; c++) {
                RealTextDistillation s = sim.forKey(RealTextDistillation.key("cohort-" + c, 1_000_000L * (seed + 1) + c),
                        7_000 + 100L * seed + c);
                cohorts.add(s);
                keys.add(s.key());
            }
            int[] fed = {seed % 20, (seed + 7) % 20, (seed + 13) % 20};
            List<int[]> docs = new ArrayList<>();
            for (int c : fed) {
                cohorts.get(c).generateTeacher();
                docs.addAll(cohorts.get(c).teacherDocuments(20_000, tokA));
            }
            docs.addAll(sim.humanDocuments(140_000, tokA));
            KnStudent st = KnStudent.train(docs, tokA.vocabSize(), 4, tokA.id(), tokA.vocabularySha256());
            Report r = new CorpusAttribution(sim.profile().withKeyId("cohort-0"), Options.defaults())
                    .run(keys, sim.closedAnswers(st, tokA, 2_000, 31L * seed + 9), List.of(), null, null, 0.01);
            List<String> want = new ArrayList<>();
            for (int c : fed) {
                want.add("cohort-" + c);
            }
            List<String> got = new ArrayList<>(r.attributedKeys());
            boolean ok = got.size() == 3 && got.containsAll(want);
            exact += ok ? 1 : 0;
            lines.add(String.format(Locale.ROOT, "seed %d: fed %s, attributed %s%s", seed, want, got, ok ? "" : "  <-- not exact"));
            System.out.println(lines.get(lines.size() - 1));
        }
        md.append(String.format(Locale.ROOT, "%n20 cohort keys, 3 fed (20k teacher tokens each + 140k human tokens, KN order"
                + " 4 student, 2,000 closed answers of 100 tokens, Holm at α = 0.01): exactly the 3 fed keys attributed in"
                + " **%d of %d** seeds (different keys, fed cohorts and answers per seed).%n%n```%n%s%n```%n", exact,
                cohortSeeds, String.join("\n", lines)));
        md.append(String.format(Locale.ROOT, "%n%.1f minutes on 2 shared cores.%n", (System.nanoTime() - t0) / 60e9));
        Files.createDirectories(out);
        Files.writeString(out.resolve("sweeps.md"), md.toString(), StandardCharsets.UTF_8);
        System.out.print(md);
    }

    private static Report closed(RealTextDistillation s, KnStudent st, TextTokenizer tok, int n, long seed) {
        List<Answer> ans = s.closedAnswers(st, tok, n, seed);
        return new CorpusAttribution(s.profile(), Options.defaults()).run(List.of(s.key()), ans, List.of(), null, null,
                1e-3);
    }

    private static Report reading(RealTextDistillation s, KnStudent st, TextTokenizer tok) {
        return new ReadingModeAttribution(s.profile(), Options.defaults()).run(List.of(s.key()),
                s.readingInput(st, tok, 150).texts(), 1e-3);
    }
}
