package io.provmark.core.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Qwen3 tokenizer.json fetched by scripts/fetch-corpora.sh, run by DJL's bundled native library with
 * {@code ai.djl.offline=true}. Skipped, with the reason, only when the file has not been fetched.
 */
class TokenizerHuggingFaceTest {
    static final String ID = "hf:qwen3";
    private static TextTokenizer tok;

    @BeforeAll
    static void load() {
        TestFiles.assumeHfTokenizer("qwen3");
        tok = Tokenizers.byId(ID);
    }

    @Test
    void vocabularyFromTheFile() {
        assertEquals(ID, tok.id());
        assertEquals(151_669, tok.vocabSize());
        // computed independently (Python json over model.vocab and added_tokens) by VocabularyHash's rule
        assertEquals("04b3d8f3a14a710fdf894669a54f20d1977e67b15e6e2f3824bd5eda94715b3b", tok.vocabularySha256());
        assertEquals("aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4",
                ((HuggingFaceJsonTokenizer) tok).fileSha256());
        assertEquals("true", System.getProperty("ai.djl.offline"));
    }

    @Test
    void knownIdsNoSpecialTokensAdded() {
        // Qwen2/3 BPE: "Hello" = 9707, "," = 11, " world" = 1879; no BOS/EOS around them
        assertArrayEquals(new int[] {9707, 11, 1879}, tok.encode("Hello, world"));
    }

    @Test
    void roundTripOffsetsAndNfc() {
        String text = "Naïve café — 日本語のテキスト 😀 ok\n\nnew paragraph";
        int[] ids = tok.encode(text);
        assertEquals(text, tok.decode(ids));
        TokenSpans spans = tok.encodeWithOffsets(text);
        assertArrayEquals(ids, spans.ids());
        assertEquals(0, spans.start(0));
        assertEquals(text.length(), spans.end(spans.size() - 1));
        StringBuilder joined = new StringBuilder();
        int covered = 0;
        for (int i = 0; i < spans.size(); i++) {
            assertTrue(spans.start(i) <= spans.end(i));
            if (spans.start(i) >= covered) {
                joined.append(text, covered, spans.end(i));
                covered = spans.end(i);
            }
        }
        assertEquals(text, joined.toString());
        // the emoji is a surrogate pair in Java: its span must be 2 UTF-16 units wide
        int e = text.indexOf("😀");
        boolean found = false;
        for (int i = 0; i < spans.size(); i++) {
            if (spans.start(i) <= e && spans.end(i) >= e + 2) {
                found = true;
            }
        }
        assertTrue(found, "no token spans the whole emoji");
        assertArrayEquals(tok.encode("caf\u00e9"), tok.encode("cafe\u0301"));
    }

    @Test
    void addedTokensInTextAreMatchedAsHuggingFaceDoes() {
        int[] ids = tok.encode("a<|im_start|>b");
        assertArrayEquals(new int[] {64, 151644, 65}, ids);
    }

    @Test
    void unassignedIdsFailClearly() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> tok.decode(new int[] {151_669}));
        assertTrue(e.getMessage().contains("151669"), e.getMessage());
    }
}
