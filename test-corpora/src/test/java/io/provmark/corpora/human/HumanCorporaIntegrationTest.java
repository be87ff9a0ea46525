package io.provmark.corpora.human;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real corpora fetched by scripts/fetch-corpora.sh (CI runs it before mvn verify). Skipped, saying why,
 * only when they have not been fetched. The counts pin the split rule and the chunker (docs/corpora.md).
 */
class HumanCorporaIntegrationTest {
    @BeforeAll
    static void requireData() {
        CorpusFiles.assumeFetched();
    }

    @Test
    void brownHas500SamplesIn15CategoriesSplitByCategory() throws Exception {
        List<SourceUnit> brown = HumanCorpora.units("brown");
        assertEquals(500, brown.size());
        Set<String> genres = new HashSet<>();
        long words = 0;
        for (SourceUnit u : brown) {
            genres.add(u.genre());
            for (List<String> p : u.paragraphs()) {
                for (String s : p) {
                    words += s.split("\\s+").length;
                }
            }
        }
        assertEquals(15, genres.size());
        // ~1.0M whitespace-separated words after punctuation is attached (1.16M tagged tokens in the source)
        assertTrue(words > 950_000 && words < 1_050_000, words + " words");
        assertEquals(254, HumanCorpora.select(brown, HumanCorpora.Split.TEST).size());
        assertEquals(246, HumanCorpora.select(brown, HumanCorpora.Split.TRAIN).size());
        assertEquals("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election "
                + "produced \"no evidence\" that any irregularities took place.", brown.get(0).paragraphs().get(0).get(0));
    }

    @Test
    void kjvHas1189ChaptersAnd31102Verses() throws Exception {
        List<SourceUnit> kjv = HumanCorpora.units("kjv");
        assertEquals(1189, kjv.size());
        assertEquals(31102, kjv.stream().mapToInt(SourceUnit::sentences).sum());
        assertEquals("Genesis_1", kjv.get(0).unit());
        assertEquals("In the beginning God created the heaven and the earth.", kjv.get(0).paragraphs().get(0).get(0));
        assertEquals(609, HumanCorpora.select(kjv, HumanCorpora.Split.TEST).size());
    }

    @Test
    void brownTestSplitHasOver5000DocumentsUnderCl100k() throws Exception {
        TextTokenizer tok = Tokenizers.byId("cl100k_base");
        List<HumanDocument> test = HumanCorpora.documents("brown", HumanCorpora.Split.TEST, tok);
        // pinned (docs/corpora.md): a change means the split rule, chunker or tokenizer changed
        assertEquals(5914, test.size());
        Set<String> ids = new HashSet<>();
        for (HumanDocument d : test) {
            assertTrue(ids.add(d.id()), "duplicate id " + d.id());
        }
        HumanDocument first = test.get(0);
        assertEquals("brown", first.source());
        int n = tok.count(first.text());
        assertTrue(n >= HumanCorpora.MIN_TOKENS && n <= HumanCorpora.MAX_TOKENS);
    }
}
