package io.provmark.corpora;

import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import io.provmark.corpora.human.BrownCorpus;
import io.provmark.corpora.human.HumanCorpora;
import io.provmark.corpora.human.HumanDocument;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Issue 3, acceptance 3: watermarked generation from the built-in Kneser-Ney model (trained on the Brown train
 * split over a real tokenizer) continuing Brown test-split prompts, detected with each scheme's default
 * profile. For every scheme one key (seeded, so the table can be regenerated) generates {@code --tokens} new
 * tokens at temperature {@code --temperature} after each prompt (the first {@code --prompt-tokens} tokens of
 * {@code --prompts} test documents, evenly spaced through the split); the detector scores the answer with
 * the prompt as context (prompt exclusion and dedup on, as {@code provmark detect}). A "no watermark" row
 * scores unwatermarked generations of the same prompts under each scheme's key (the null: p should be
 * uniform).
 * <pre>
 * usage: BrownGenerationTable [OUTPUT.md] [--tokenizer cl100k_base] [--order 3] [--model kn.bin]
 *                             [--prompts 100] [--prompt-tokens 32] [--tokens 200] [--temperature 1]
 *                             [--seed 1] [--threads 2]
 * </pre>
 * Without {@code --model} the model is trained here (seconds). Deterministic for given options.
 */
public final class BrownGenerationTable {
    static final String[] SCHEMES = {"red-green", "gumbel", "synthid"};

    private BrownGenerationTable() {
    }

    /** One scheme's results over all prompts. */
    record Row(String label, String profile, double[] log10p, int[] scored, long nanos, int tokens) {
        double medianLog10p() {
            double[] s = log10p.clone();
            Arrays.sort(s);
            return quantile(s, 0.5);
        }
    }

    /** The rows (three watermarked, then three unwatermarked) and their markdown. */
    record Table(List<Row> rows, String markdown) {
    }

    public static void main(String[] args) throws Exception {
        Path outFile = null;
        String tokId = "cl100k_base";
        int order = 3;
        Path modelFile = null;
        int prompts = 100;
        int promptTokens = 32;
        int tokens = 200;
        double temperature = 1.0;
        long seed = 1;
        int threads = 2;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                outFile = Path.of(a);
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--tokenizer" -> tokId = v;
                case "--order" -> order = Integer.parseInt(v);
                case "--model" -> modelFile = Path.of(v);
                case "--prompts" -> prompts = Integer.parseInt(v);
                case "--prompt-tokens" -> promptTokens = Integer.parseInt(v);
                case "--tokens" -> tokens = Integer.parseInt(v);
                case "--temperature" -> temperature = Double.parseDouble(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--threads" -> threads = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (prompts < 1 || promptTokens < 1 || tokens < 1 || threads < 1) {
            throw new IllegalArgumentException("--prompts, --prompt-tokens, --tokens and --threads must be >= 1");
        }
        String md = run(tokId, order, modelFile, prompts, promptTokens, tokens, temperature, seed, threads).markdown();
        if (outFile == null) {
            System.out.print(md);
        } else {
            Files.writeString(outFile, md, StandardCharsets.UTF_8);
            System.out.print(md);
            System.out.println("wrote " + outFile);
        }
    }

    static Table run(String tokId, int order, Path modelFile, int nPrompts, int promptTokens, int tokens,
                      double temperature, long seed, int threads) throws Exception {
        long t0 = System.nanoTime();
        TextTokenizer tok = Tokenizers.byId(tokId);
        KneserNeyModel model;
        String modelNote;
        if (modelFile != null) {
            model = KneserNeyModel.load(modelFile, tok);
            modelNote = "loaded from " + modelFile;
        } else {
            List<int[]> train = new ArrayList<>();
            for (HumanDocument d : HumanCorpora.documents(BrownCorpus.SOURCE, HumanCorpora.Split.TRAIN, tok)) {
                train.add(tok.encode(d.text()));
            }
            model = KneserNeyModel.train(train, tok.vocabSize(), order, tok.id(), tok.vocabularySha256());
            modelNote = "trained here on the Brown train split";
        }
        List<HumanDocument> test = HumanCorpora.documents(BrownCorpus.SOURCE, HumanCorpora.Split.TEST, tok);
        List<int[]> promptIds = new ArrayList<>();
        List<String> promptDocs = new ArrayList<>();
        for (int i = 0; i < nPrompts && i < test.size(); i++) {
            HumanDocument d = test.get((int) ((long) i * test.size() / nPrompts));
            int[] ids = tok.encode(d.text());
            promptIds.add(Arrays.copyOf(ids, Math.min(promptTokens, ids.length)));
            promptDocs.add(d.id());
        }
        int[] noToken = Generator.idsWithoutToken(tok, model.vocabSize());
        Generator gen = new Generator(model, temperature, noToken);
        System.err.printf(Locale.ROOT, "model ready (%s), %d prompts, %.1fs%n", modelNote, promptIds.size(),
                (System.nanoTime() - t0) / 1e9);

        List<Row> rows = new ArrayList<>();
        WatermarkScheme[] schemes = new WatermarkScheme[SCHEMES.length];
        for (int s = 0; s < SCHEMES.length; s++) {
            WatermarkKey key = seededKey("brown-gen-" + SCHEMES[s], seed * 1000 + s);
            Profile p = Profile.defaults(SCHEMES[s], key.id(), tok.id(), tok.vocabSize(), tok.vocabularySha256());
            schemes[s] = Schemes.create(p, key);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int s = 0; s < SCHEMES.length; s++) {
                rows.add(runRow(pool, gen, schemes[s], schemes[s], promptIds, tokens, seed, label(schemes[s])));
                System.err.println("done: " + SCHEMES[s]);
            }
            for (int s = 0; s < SCHEMES.length; s++) {
                rows.add(runRow(pool, gen, null, schemes[s], promptIds, tokens, seed,
                        "no watermark, scored with the " + SCHEMES[s] + " key"));
            }
        } finally {
            pool.shutdown();
        }
        return new Table(rows, markdown(rows, tok, model, modelNote, promptIds.size(), promptTokens, tokens, temperature,
                seed, promptDocs, noToken.length, (System.nanoTime() - t0) / 1e9));
    }

    private static Row runRow(ExecutorService pool, Generator gen, WatermarkScheme embedWith, WatermarkScheme detectWith,
                              List<int[]> prompts, int tokens, long seed, String label) throws Exception {
        long t0 = System.nanoTime();
        List<Future<Evidence>> fs = new ArrayList<>();
        Detector det = new Detector(detectWith, true);
        for (int i = 0; i < prompts.size(); i++) {
            int[] prompt = prompts.get(i);
            long sampleSeed = seed * 1_000_003L + i; // the same sampling randomness for every row
            fs.add(pool.submit(() -> {
                int[] answer = gen.generate(embedWith == null ? null : embedWith.embedder(), prompt, tokens, sampleSeed);
                return det.detect(answer, prompt, false);
            }));
        }
        double[] lp = new double[fs.size()];
        int[] scored = new int[fs.size()];
        for (int i = 0; i < fs.size(); i++) {
            Evidence e = fs.get(i).get();
            lp[i] = e.log10PValue();
            scored[i] = e.numScored();
        }
        Profile p = detectWith.profile();
        String prof = p.scheme() + " h=" + p.contextWidth();
        return new Row(label, prof, lp, scored, System.nanoTime() - t0, prompts.size() * tokens);
    }

    private static String label(WatermarkScheme s) {
        Profile p = s.profile();
        return switch (p.scheme()) {
            case "red-green" -> "red-green γ=0.25 δ=2, left-hash h=" + p.contextWidth();
            case "gumbel" -> "Gumbel h=" + p.contextWidth();
            default -> "SynthID depth 30, weighted mean, h=" + p.contextWidth();
        };
    }

    static WatermarkKey seededKey(String id, long seed) {
        byte[] b = new byte[32];
        new SplittableRandom(seed).nextBytes(b);
        return new WatermarkKey(id, b, 0);
    }

    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static String markdown(List<Row> rows, TextTokenizer tok, KneserNeyModel model, String modelNote,
                                   int prompts, int promptTokens, int tokens, double temperature, long seed,
                                   List<String> promptDocs, int masked, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Generated %s UTC by `BrownGenerationTable` (%.0f s, %d threads of a"
                        + " loaded 2-core machine): Kneser-Ney order %d (%s; %,d training tokens), tokenizer %s"
                        + " (vocabulary SHA-256 `%s`), %d Brown test-split prompts of the first %d tokens (documents %s,"
                        + " %s, ..., %s), %d new tokens each, temperature %s, no top-k/top-p, %d ids without a token"
                        + " never sampled, seed %d.%n%n",
                LocalDate.now(ZoneOffset.UTC), seconds, Runtime.getRuntime().availableProcessors(), model.order(),
                modelNote, model.tokensTrained(), tok.id(), tok.vocabularySha256(), prompts, promptTokens,
                promptDocs.get(0), promptDocs.size() > 1 ? promptDocs.get(1) : "", promptDocs.get(promptDocs.size() - 1),
                tokens, fmtNum(temperature), masked, seed));
        sb.append("| generation | detected as | median log10 p | quartiles log10 p | largest p (log10) | p < 1e-6 |"
                + " median scored | tokens/s |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            double[] s = r.log10p.clone();
            Arrays.sort(s);
            int[] sc = r.scored.clone();
            Arrays.sort(sc);
            long below = Arrays.stream(r.log10p).filter(x -> x < -6).count();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f .. %.1f | %.1f | %d / %d | %d | %.0f |%n",
                    r.label, r.profile, quantile(s, 0.5), quantile(s, 0.25), quantile(s, 0.75), s[s.length - 1],
                    below, s.length, sc[sc.length / 2], r.tokens / (r.nanos / 1e9)));
        }
        return sb.toString();
    }

    private static String fmtNum(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
