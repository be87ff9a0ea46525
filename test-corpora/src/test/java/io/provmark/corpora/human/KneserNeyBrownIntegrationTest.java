package io.provmark.corpora.human;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.lm.KneserNeyFileException;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in model on real text: a slice of the Brown train split, evaluated on the test split. */
class KneserNeyBrownIntegrationTest {
    @Test
    void trigramOnBrownBeatsUniformByFarAndChecksItsTokenizer(@TempDir Path dir) throws Exception {
        CorpusFiles.assumeFetched();
        TextTokenizer tok = Tokenizers.byId("cl100k_base");
        List<SourceUnit> brown = HumanCorpora.units("brown");
        // a slice keeps the test fast: 60 train samples (155k tokens), 15 test samples
        List<SourceUnit> train = HumanCorpora.select(brown, HumanCorpora.Split.TRAIN).subList(0, 60);
        List<SourceUnit> test = HumanCorpora.select(brown, HumanCorpora.Split.TEST).subList(0, 15);
        // one document per sample file (the chunker's cuts do not matter for this check and cost time)
        List<int[]> trainIds = encode(tok, train);
        List<int[]> testIds = encode(tok, test);
        KneserNeyModel m3 = KneserNeyModel.train(trainIds, tok.vocabSize(), 3, tok.id(), tok.vocabularySha256());
        KneserNeyModel m1ish = KneserNeyModel.train(trainIds, tok.vocabSize(), 2, tok.id(), tok.vocabularySha256());
        double ppl3 = Math.exp(m3.crossEntropy(testIds));
        double ppl2 = Math.exp(m1ish.crossEntropy(testIds));
        // uniform is 100,277; measured (fixed data, deterministic): trigram 1,220, bigram 1,270
        assertTrue(ppl3 < tok.vocabSize() / 50.0, "trigram perplexity " + ppl3);
        assertTrue(ppl3 < ppl2, "trigram " + ppl3 + " vs bigram " + ppl2);

        Path f = dir.resolve("kn3.bin");
        m3.save(f);
        KneserNeyModel back = KneserNeyModel.load(f, tok);
        assertEquals(m3.crossEntropy(testIds.subList(0, 5)), back.crossEntropy(testIds.subList(0, 5)));
        KneserNeyFileException e = assertThrows(KneserNeyFileException.class,
                () -> KneserNeyModel.load(f, Tokenizers.byId("o200k_base")));
        assertTrue(e.getMessage().contains("tokenizer mismatch") && e.getMessage().contains("cl100k_base"), e.getMessage());
    }

    private static List<int[]> encode(TextTokenizer tok, List<SourceUnit> units) {
        List<int[]> out = new ArrayList<>();
        for (SourceUnit u : units) {
            StringBuilder sb = new StringBuilder();
            for (List<String> p : u.paragraphs()) {
                sb.append(sb.length() > 0 ? "\n\n" : "").append(String.join(" ", p));
            }
            out.add(tok.encode(sb.toString()));
        }
        return out;
    }
}
