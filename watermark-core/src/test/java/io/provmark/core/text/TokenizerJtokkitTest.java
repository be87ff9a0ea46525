package io.provmark.core.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenizerJtokkitTest {
    private static final String SAMPLE = "The quick brown fox — naïve café, 日本語 and 😀 emoji.\n\n  Indented line\t<|endoftext|> end";

    @Test
    void vocabSizesMatchTiktoken() {
        assertEquals(50_257, Tokenizers.byId("r50k_base").vocabSize());
        assertEquals(50_281, Tokenizers.byId("p50k_base").vocabSize());
        assertEquals(100_277, Tokenizers.byId("cl100k_base").vocabSize());
        assertEquals(200_019, Tokenizers.byId("o200k_base").vocabSize());
    }

    @Test
    void specialTokensAreKnownAndNeverProducedFromText() {
        JtokkitTokenizer cl = (JtokkitTokenizer) Tokenizers.byId("cl100k_base");
        assertArrayEquals(new int[] {100257, 100258, 100259, 100260, 100276}, cl.specialIds());
        int[] ids = cl.encode("a <|endoftext|> b");
        for (int t : ids) {
            assertFalse(cl.isSpecial(t), "special token produced from text");
        }
        assertEquals("a <|endoftext|> b", cl.decode(ids));
        assertEquals("<|endoftext|>", cl.decode(new int[] {100257}));
    }

    @Test
    void roundTripAndOffsetsCoverTheText() {
        for (String id : new String[] {"r50k_base", "p50k_base", "cl100k_base", "o200k_base"}) {
            TextTokenizer tok = Tokenizers.byId(id);
            int[] ids = tok.encode(SAMPLE);
            assertEquals(SAMPLE, tok.decode(ids), id);
            TokenSpans spans = tok.encodeWithOffsets(SAMPLE);
            assertArrayEquals(ids, spans.ids(), id);
            assertEquals(0, spans.start(0));
            assertEquals(SAMPLE.length(), spans.end(spans.size() - 1));
            for (int i = 1; i < spans.size(); i++) {
                assertTrue(spans.start(i) >= spans.start(i - 1) && spans.end(i) >= spans.end(i - 1), id);
                // byte-level: a token either starts where the previous ended or shares its (split) character
                assertTrue(spans.start(i) == spans.end(i - 1) || spans.start(i) == spans.start(i - 1)
                        || spans.start(i) < spans.end(i - 1), id);
            }
            // tokens that hold whole characters decode to exactly their span
            for (int i = 0; i < spans.size(); i++) {
                String piece = tok.decode(new int[] {spans.id(i)});
                if (!piece.contains("\uFFFD")) {
                    assertEquals(piece, spans.piece(i), id + " token " + i);
                }
            }
        }
    }

    @Test
    void nfcIsAppliedBeforeEncoding() {
        TextTokenizer tok = Tokenizers.byId("cl100k_base");
        String composed = "caf\u00e9";
        String decomposed = "cafe\u0301";
        assertArrayEquals(tok.encode(composed), tok.encode(decomposed));
        assertEquals(composed, tok.encodeWithOffsets(decomposed).text());
    }

    @Test
    void noLeadingSpaceIsAdded() {
        TextTokenizer tok = Tokenizers.byId("cl100k_base");
        assertNotEquals(tok.encode("Hello")[0], tok.encode(" Hello")[0]);
        assertEquals("Hello", tok.decode(tok.encode("Hello")));
    }

    @Test
    void vocabularyHashesAreStableAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (String id : new String[] {"r50k_base", "p50k_base", "cl100k_base", "o200k_base"}) {
            String h = Tokenizers.byId(id).vocabularySha256();
            assertTrue(h.matches("[0-9a-f]{64}"), h);
            assertTrue(seen.add(h), "hash collision for " + id);
        }
        // pinned for jtokkit 1.1.0's cl100k_base; computed independently (Python, from the .tiktoken rank file
        // and tiktoken's special-token table) by the rule in VocabularyHash's javadoc
        assertEquals("c6a78fa1d4eb03ba5e58f23a1bde2d281615c457d29e2c1f50ea368a6ecbc666",
                Tokenizers.byId("cl100k_base").vocabularySha256());
    }

    @Test
    void registryCachesAndRejectsUnknownIds() {
        assertSame(Tokenizers.byId("cl100k_base"), Tokenizers.byId("cl100k_base"));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.byId("gpt5_base"));
        assertTrue(e.getMessage().contains("unknown tokenizer 'gpt5_base'") && e.getMessage().contains("cl100k_base"),
                e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizers.byId("none"));
        assertTrue(e.getMessage().contains("no text form"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizers.byId("hf:../etc"));
        assertTrue(e.getMessage().contains("hf:"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizers.byId("hf:no-such-tokenizer"));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("fetch-corpora.sh"), e.getMessage());
        assertThrows(TokenizerException.class, () -> Tokenizers.byId(""));
    }

    @Test
    void decodingAnUnassignedIdFailsClearly() {
        TextTokenizer tok = Tokenizers.byId("cl100k_base");
        TokenizerException e = assertThrows(TokenizerException.class, () -> tok.decode(new int[] {1, 100256}));
        assertTrue(e.getMessage().contains("100256") && e.getMessage().contains("unassigned"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> tok.decode(new int[] {100277}));
        assertTrue(e.getMessage().contains("100277"), e.getMessage());
    }

    @Test
    void emptyTextGivesNoTokens() {
        TextTokenizer tok = Tokenizers.byId("o200k_base");
        assertEquals(0, tok.encode("").length);
        assertEquals(0, tok.encodeWithOffsets("").size());
        assertEquals("", tok.decode(new int[0]));
    }
}
