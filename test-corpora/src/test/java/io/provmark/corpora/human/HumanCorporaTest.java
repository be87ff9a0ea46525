package io.provmark.corpora.human;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corpus handling on synthetic input (no fetched data needed). */
class HumanCorporaTest {
    @Test
    void brownDetokenization() {
        assertEquals("The jury said \"no evidence\" (as usual), didn't it? Yes: 'fine' -- ok.",
                BrownCorpus.detokenize("\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' (/( as/cs usual/jj )/) ,/,"
                        + " didn't/dod* it/pps ?/. Yes/rb :/: `/` fine/jj '/' --/-- ok/uh ./."));
        assertEquals("1/2 inch", BrownCorpus.detokenize("1/2/cd inch/nn"));
    }

    @Test
    void brownParagraphsAndSentences() {
        String file = "\n\n\tThe/at jury/nn said/vbd ./.\nIt/pps ended/vbd ./.\n\n\n\tA/at new/jj paragraph/nn ./.\n";
        SourceUnit u = BrownCorpus.parse("ca01", "news", file);
        assertEquals(List.of(List.of("The jury said.", "It ended."), List.of("A new paragraph.")), u.paragraphs());
        assertEquals("brown", u.source());
        assertEquals(3, u.sentences());
    }

    @Test
    void kjvTsvAndErrors(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("kjv.tsv"), "Genesis\t1\t1\tIn the beginning.\nGenesis\t1\t2\tAnd the earth.\n"
                + "1 Samuel\t3\t1\tAnd the child Samuel.\n");
        List<SourceUnit> units = KingJamesBible.read(f);
        assertEquals(2, units.size());
        assertEquals("Genesis_1", units.get(0).unit());
        assertEquals("1_Samuel_3", units.get(1).unit());
        assertEquals("1 Samuel", units.get(1).genre());
        Files.writeString(f, "Genesis\t1\tIn the beginning.\n");
        IOException e = assertThrows(IOException.class, () -> KingJamesBible.read(f));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
        e = assertThrows(IOException.class, () -> KingJamesBible.read(dir.resolve("absent.tsv")));
        assertTrue(e.getMessage().contains("fetch-corpora.sh"), e.getMessage());
        e = assertThrows(IOException.class, () -> BrownCorpus.read(dir));
        assertTrue(e.getMessage().contains("cats.txt"), e.getMessage());
    }

    /** A unit of random English-like sentences, 5-30 words each. */
    static SourceUnit syntheticUnit(String name, String genre, int sentences, long seed) {
        String[] words = {"the", "jury", "said", "that", "a", "city", "election", "was", "held", "in", "Atlanta", "and",
            "nobody", "knew", "why", "it", "rained", "on", "Friday", "morning"};
        SplittableRandom r = new SplittableRandom(seed);
        List<List<String>> paras = new ArrayList<>();
        List<String> para = new ArrayList<>();
        for (int s = 0; s < sentences; s++) {
            StringBuilder sb = new StringBuilder("It");
            int n = 5 + r.nextInt(26);
            for (int i = 0; i < n; i++) {
                sb.append(' ').append(words[r.nextInt(words.length)]);
            }
            para.add(sb.append('.').toString());
            if (r.nextInt(6) == 0) {
                paras.add(para);
                para = new ArrayList<>();
            }
        }
        if (!para.isEmpty()) {
            paras.add(para);
        }
        return new SourceUnit("synthetic", name, genre, paras);
    }

    @Test
    void chunksHaveRealisticLengthsAndAreDeterministic() {
        TextTokenizer tok = Tokenizers.byId("cl100k_base");
        DocumentChunker ch = HumanCorpora.chunker(tok);
        SourceUnit u = syntheticUnit("u1", "g", 400, 1);
        List<HumanDocument> docs = ch.chunk(u);
        assertTrue(docs.size() >= 20, "only " + docs.size() + " documents");
        int total = 0;
        for (HumanDocument d : docs) {
            int n = tok.count(d.text());
            assertTrue(n >= HumanCorpora.MIN_TOKENS && n <= HumanCorpora.MAX_TOKENS, d.id() + " has " + n + " tokens");
            assertTrue(d.id().startsWith("synthetic/u1/"), d.id());
            total += n;
        }
        assertEquals(docs, ch.chunk(u), "chunking is deterministic");
        // the text is kept: documents concatenate to nearly the whole unit (only a too-short tail may be dropped)
        int unitTokens = 0;
        for (List<String> p : u.paragraphs()) {
            for (String s : p) {
                unitTokens += tok.count(" " + s);
            }
        }
        assertTrue(total > unitTokens - HumanCorpora.MIN_TOKENS - 5, total + " of " + unitTokens + " tokens kept");
    }

    @Test
    void targetLengthDistributionIsThePowerLaw() {
        DocumentChunker ch = new DocumentChunker(Tokenizers.byId("cl100k_base"), 50, 1000, 2.5);
        SplittableRandom r = new SplittableRandom(5);
        int n = 20000;
        int below80 = 0;
        for (int i = 0; i < n; i++) {
            double l = ch.drawLength(r);
            assertTrue(l >= 50 && l <= 1000);
            below80 += l < 80 ? 1 : 0;
        }
        // CDF at 80: (50^-1.5 - 80^-1.5) / (50^-1.5 - 1000^-1.5) = 0.5118; binomial sd = 0.0035, so +-0.02 is
        // 5.7 sd: false-failure probability < 1e-7 (and the seed is fixed)
        assertEquals(0.5118, below80 / (double) n, 0.02);
    }

    @Test
    void splitIsStratifiedAndFixed() {
        List<SourceUnit> units = new ArrayList<>();
        for (int g = 0; g < 3; g++) {
            for (int i = 0; i < 7 + g; i++) {
                units.add(new SourceUnit("synthetic", "g" + g + "u" + i, "genre" + g, List.of(List.of("x"))));
            }
        }
        Map<String, HumanCorpora.Split> s = HumanCorpora.assignSplits(units);
        for (int g = 0; g < 3; g++) {
            int n = 7 + g;
            long test = 0;
            for (int i = 0; i < n; i++) {
                test += s.get("g" + g + "u" + i) == HumanCorpora.Split.TEST ? 1 : 0;
            }
            assertEquals(Math.round(n * HumanCorpora.TEST_FRACTION), test, "genre " + g);
        }
        // the rule does not depend on input order
        List<SourceUnit> reversed = new ArrayList<>(units);
        java.util.Collections.reverse(reversed);
        assertEquals(s, HumanCorpora.assignSplits(reversed));
        assertEquals(units.size(), HumanCorpora.select(units, HumanCorpora.Split.TEST).size()
                + HumanCorpora.select(units, HumanCorpora.Split.TRAIN).size());
    }

    @Test
    void jsonlRoundTripAndErrors(@TempDir Path dir) throws IOException {
        List<HumanDocument> docs = List.of(new HumanDocument("a/1", "brown", "news", "Line one.\n\n\"Quoted\" — ünïcode 😀"),
                new HumanDocument("a/2", "kjv", "Genesis", "In the beginning."));
        Path f = dir.resolve("out/docs.jsonl");
        HumanJsonl.write(f, docs);
        assertEquals(docs, HumanJsonl.read(f));
        assertTrue(Files.readAllLines(f).get(0).startsWith("{\"id\":\"a/1\",\"source\":\"brown\",\"genre\":\"news\",\"text\":"));

        Files.writeString(f, "{\"id\": \"x\", \"text\": \"only text\", \"label\": 1}\n\n");
        assertEquals(List.of(new HumanDocument("x", "", "", "only text")), HumanJsonl.read(f));

        assertReadFails(f, "", "contains no documents");
        assertReadFails(f, "\n  \n", "contains no documents");
        assertReadFails(f, "{\"id\": \"x\"}\n", "line 1: missing \"text\"");
        assertReadFails(f, "{\"id\": \"x\", \"text\": \"t\"}\n{\"text\": \"t\"}\n", "line 2: missing \"id\"");
        assertReadFails(f, "{\"id\": 5, \"text\": \"t\"}\n", "\"id\" must be a string");
        assertReadFails(f, "{\"id\": \"x\", \"text\": \"t\"}\n{\"id\": \"x\", \"text\": \"u\"}\n", "duplicate id");
        assertReadFails(f, "{\"id\": \"x\", \"text\": \n", "line 1: not valid JSON");
        assertReadFails(f, "[1, 2]\n", "expected a JSON object");
        Files.write(f, new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, '"', '}'});
        IOException e = assertThrows(IOException.class, () -> HumanJsonl.read(f));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        e = assertThrows(IOException.class, () -> HumanJsonl.read(dir.resolve("absent.jsonl")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    private static void assertReadFails(Path f, String content, String expected) throws IOException {
        Files.writeString(f, content, StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> HumanJsonl.read(f));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
