package io.provmark.corpora.human;

import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the document JSONL files of both corpora and both splits for one tokenizer, and optionally trains the
 * built-in Kneser-Ney model on the Brown train split:
 * <pre>
 *   java ... io.provmark.corpora.human.PrepareHumanData [--tokenizer cl100k_base] [--out test-corpora/data/human]
 *        [--kn-order 3] [--kn-out test-corpora/data/models/kn3-cl100k_base-brown.bin]
 * </pre>
 * Files: {@code OUT/TOKENIZER/{brown,kjv}-{train,test}.jsonl}. Prints counts and timings.
 */
public final class PrepareHumanData {
    private PrepareHumanData() {
    }

    public static void main(String[] args) throws Exception {
        String tokId = "cl100k_base";
        Path out = HumanCorpora.dataDir().resolve("human");
        int knOrder = 0;
        Path knOut = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tokenizer":
                    tokId = args[++i];
                    break;
                case "--out":
                    out = Path.of(args[++i]);
                    break;
                case "--kn-order":
                    knOrder = Integer.parseInt(args[++i]);
                    break;
                case "--kn-out":
                    knOut = Path.of(args[++i]);
                    break;
                default:
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
            }
        }
        if (knOut != null && knOrder == 0) {
            knOrder = 3;
        }
        if (knOrder > 0 && knOut == null) {
            knOut = HumanCorpora.dataDir().resolve("models").resolve("kn" + knOrder + "-" + tokId + "-brown.bin");
        }
        TextTokenizer tok = Tokenizers.byId(tokId);
        Path dir = out.resolve(tokId.replace(':', '_'));
        Files.createDirectories(dir);
        List<HumanDocument> brownTrain = null;
        for (String source : new String[] {BrownCorpus.SOURCE, KingJamesBible.SOURCE}) {
            List<SourceUnit> units = HumanCorpora.units(source);
            for (HumanCorpora.Split split : HumanCorpora.Split.values()) {
                long t0 = System.nanoTime();
                List<SourceUnit> sel = HumanCorpora.select(units, split);
                List<HumanDocument> docs = HumanCorpora.documents(sel, HumanCorpora.chunker(tok));
                long tokens = 0;
                for (HumanDocument d : docs) {
                    tokens += tok.count(d.text());
                }
                Path f = dir.resolve(source + "-" + split.label() + ".jsonl");
                HumanJsonl.write(f, docs);
                System.out.printf("%s %-5s units=%4d documents=%5d tokens=%8d (mean %.0f)  %s  %.1fs%n", source,
                        split.label(), sel.size(), docs.size(), tokens, tokens / (double) docs.size(), f,
                        (System.nanoTime() - t0) / 1e9);
                if (source.equals(BrownCorpus.SOURCE) && split == HumanCorpora.Split.TRAIN) {
                    brownTrain = docs;
                }
            }
        }
        if (knOrder > 0) {
            long t0 = System.nanoTime();
            List<int[]> ids = new ArrayList<>();
            for (HumanDocument d : brownTrain) {
                ids.add(tok.encode(d.text()));
            }
            long t1 = System.nanoTime();
            KneserNeyModel m = KneserNeyModel.train(ids, tok.vocabSize(), knOrder, tok.id(), tok.vocabularySha256());
            long t2 = System.nanoTime();
            m.save(knOut);
            System.out.printf("Kneser-Ney order %d on Brown train: %d tokens, tokenize %.1fs, train %.1fs, file %s (%d bytes)%n",
                    knOrder, m.tokensTrained(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, knOut, Files.size(knOut));
        }
    }
}
