package io.provmark.corpora.human;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Harness timings (not JMH; wall clock after warm-up, single thread) for docs/benchmarks.md: tokenization
 * throughput on the Brown test documents, Kneser-Ney training/size/load on the Brown train split, and
 * generation tokens/s with and without each watermark.
 * <pre>
 *   java ... io.provmark.corpora.human.TextTimings [--tokenizer cl100k_base] [--order 3] [--tokens 200] [--runs 10]
 * </pre>
 */
public final class TextTimings {
    private TextTimings() {
    }

    public static void main(String[] args) throws Exception {
        String tokId = "cl100k_base";
        int order = 3;
        int genTokens = 200;
        int runs = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tokenizer" -> tokId = args[++i];
                case "--order" -> order = Integer.parseInt(args[++i]);
                case "--tokens" -> genTokens = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.println("cores=" + Runtime.getRuntime().availableProcessors() + " java=" + System.getProperty("java.version"));
        List<HumanDocument> test = HumanCorpora.documents(BrownCorpus.SOURCE, HumanCorpora.Split.TEST,
                Tokenizers.byId("cl100k_base"));
        long bytes = 0;
        for (HumanDocument d : test) {
            bytes += d.text().getBytes(StandardCharsets.UTF_8).length;
        }
        System.out.printf("tokenization of the Brown test split (%d documents, %.2f MB UTF-8), one encode per document:%n",
                test.size(), bytes / 1e6);
        List<String> ids = new ArrayList<>(List.of("r50k_base", "p50k_base", "cl100k_base", "o200k_base"));
        if (Tokenizers.isAvailable("hf:qwen3")) {
            ids.add("hf:qwen3");
        }
        for (String id : ids) {
            long t0 = System.nanoTime();
            TextTokenizer tok = Tokenizers.byId(id);
            double loadS = (System.nanoTime() - t0) / 1e9;
            encodeAll(tok, test); // warm-up
            double best = Double.MAX_VALUE;
            long n = 0;
            for (int r = 0; r < 3; r++) {
                long s = System.nanoTime();
                n = encodeAll(tok, test);
                best = Math.min(best, (System.nanoTime() - s) / 1e9);
            }
            double bestOff = Double.MAX_VALUE;
            for (int r = 0; r < 2; r++) {
                long s = System.nanoTime();
                for (HumanDocument d : test) {
                    tok.encodeWithOffsets(d.text());
                }
                bestOff = Math.min(bestOff, (System.nanoTime() - s) / 1e9);
            }
            System.out.printf("  %-12s load %.2fs  encode %.2f MB/s (%.0fk tokens/s)  encodeWithOffsets %.2f MB/s%n", id,
                    loadS, bytes / 1e6 / best, n / best / 1e3, bytes / 1e6 / bestOff);
        }

        TextTokenizer tok = Tokenizers.byId(tokId);
        List<HumanDocument> train = HumanCorpora.documents(BrownCorpus.SOURCE, HumanCorpora.Split.TRAIN, tok);
        List<int[]> trainIds = new ArrayList<>();
        for (HumanDocument d : train) {
            trainIds.add(tok.encode(d.text()));
        }
        List<int[]> testIds = new ArrayList<>();
        for (HumanDocument d : HumanCorpora.documents(BrownCorpus.SOURCE, HumanCorpora.Split.TEST, tok)) {
            testIds.add(tok.encode(d.text()));
        }
        long t0 = System.nanoTime();
        KneserNeyModel m = KneserNeyModel.train(trainIds, tok.vocabSize(), order, tok.id(), tok.vocabularySha256());
        double trainS = (System.nanoTime() - t0) / 1e9;
        Path f = Files.createTempFile("kn", ".bin");
        m.save(f);
        t0 = System.nanoTime();
        KneserNeyModel loaded = KneserNeyModel.load(f, tok);
        double loadS = (System.nanoTime() - t0) / 1e9;
        long size = Files.size(f);
        Files.delete(f);
        double h = loaded.crossEntropy(testIds);
        System.out.printf("Kneser-Ney order %d, %s, Brown train %d tokens: train %.2fs, file %.2f MB, load %.2fs, "
                        + "n-grams %s; test perplexity %.1f (uniform %d)%n", order, tok.id(), m.tokensTrained(), trainS,
                size / 1e6, loadS, ngrams(m), Math.exp(h), tok.vocabSize());

        int v = tok.vocabSize();
        float[] logits = new float[v];
        int[] ctx = testIds.get(0);
        for (int i = 0; i < 2000; i++) {
            m.logits(ctx, 2 + i % 40, logits);
        }
        t0 = System.nanoTime();
        for (int i = 0; i < 2000; i++) {
            m.logits(ctx, 2 + i % 40, logits);
        }
        System.out.printf("logits() alone: %.0f calls/s at V=%d%n", 2000 / ((System.nanoTime() - t0) / 1e9), v);

        WatermarkKey key = WatermarkKey.generate("timing");
        String[] schemes = {"none", "red-green", "gumbel", "synthid"};
        System.out.printf("generation, %d tokens per run, %d runs, temperature 1, prompts = first 8 tokens of Brown test docs:%n",
                genTokens, runs);
        Generator gen = new Generator(loaded, 1.0);
        for (String s : schemes) {
            Embedder e = s.equals("none") ? null
                    : Schemes.create(Profile.defaults(s, "timing", tokId.startsWith("hf:") ? "none" : tokId, v), key).embedder();
            for (int r = 0; r < 2; r++) {
                gen.generate(e, prompt(testIds, r), genTokens, r); // warm-up
            }
            long s0 = System.nanoTime();
            for (int r = 0; r < runs; r++) {
                gen.generate(e, prompt(testIds, r), genTokens, 100 + r);
            }
            double secs = (System.nanoTime() - s0) / 1e9;
            System.out.printf("  %-10s %.0f tokens/s%n", s, runs * genTokens / secs);
        }
        int[] sample = gen.generate(null, prompt(testIds, 0), 60, 7);
        System.out.println("sample (no watermark): " + tok.decode(prompt(testIds, 0)) + " ▶ " + tok.decode(sample));
    }

    private static int[] prompt(List<int[]> docs, int r) {
        int[] d = docs.get((r * 37) % docs.size());
        return java.util.Arrays.copyOf(d, Math.min(8, d.length));
    }

    private static String ngrams(KneserNeyModel m) {
        StringBuilder sb = new StringBuilder();
        for (int k = 1; k <= m.order(); k++) {
            sb.append(k == 1 ? "" : "/").append(m.ngrams(k));
        }
        return sb.toString();
    }

    private static long encodeAll(TextTokenizer tok, List<HumanDocument> docs) {
        long n = 0;
        for (HumanDocument d : docs) {
            n += tok.encode(d.text()).length;
        }
        return n;
    }
}
