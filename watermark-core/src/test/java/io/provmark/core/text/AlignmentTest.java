package io.provmark.core.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class AlignmentTest {
    private static final String TEXT = "Tokenizers disagree: antidisestablishmentarianism, naïve 日本語 😀 and  spaces.\n"
            + "The second line has numbers 1234567 and URLs https://example.org/x?y=1.";

    private static TokenSpans spans(String text, int[]... se) {
        int[] ids = new int[se.length];
        int[] s = new int[se.length];
        int[] e = new int[se.length];
        for (int i = 0; i < se.length; i++) {
            ids[i] = i;
            s[i] = se[i][0];
            e[i] = se[i][1];
        }
        return new TokenSpans(text, ids, s, e);
    }

    @Test
    void handBuiltSpans() {
        String text = "abcdefgh";
        TokenSpans a = spans(text, new int[] {0, 3}, new int[] {3, 4}, new int[] {4, 8});
        TokenSpans b = spans(text, new int[] {0, 2}, new int[] {2, 5}, new int[] {5, 5}, new int[] {5, 8}, new int[] {8, 8});
        TokenAlignment al = TokenAlignment.of(a, b);
        assertArrayEquals(new int[] {0}, al.aTokensOf(0));
        assertArrayEquals(new int[] {0, 1, 2}, al.aTokensOf(1));
        assertArrayEquals(new int[] {2}, al.aTokensOf(2), "an empty B span inside an A token maps to it");
        assertArrayEquals(new int[] {2}, al.aTokensOf(3));
        assertArrayEquals(new int[] {}, al.aTokensOf(4), "an empty span at the very end overlaps nothing");
        assertArrayEquals(new int[] {1, 2, 3}, al.bTokensOf(2));
        assertArrayEquals(new int[] {}, al.aTokensOnSharedBoundaries());
    }

    @Test
    void byteSplitCharactersShareSpans() {
        String text = "x日y";
        // A splits 日 (3 UTF-8 bytes) into two byte-level tokens that both cover char 1
        TokenSpans a = spans(text, new int[] {0, 1}, new int[] {1, 2}, new int[] {1, 2}, new int[] {2, 3});
        TokenSpans b = spans(text, new int[] {0, 2}, new int[] {2, 3});
        TokenAlignment al = TokenAlignment.of(a, b);
        assertArrayEquals(new int[] {0, 1, 2}, al.aTokensOf(0));
        assertArrayEquals(new int[] {3}, al.aTokensOf(1));
    }

    @Test
    void identicalTokenizersAlignOneToOne() {
        TextTokenizer cl = Tokenizers.byId("cl100k_base");
        TokenAlignment al = TokenAlignment.of(cl, cl, TEXT);
        int[][] m = al.toArray();
        for (int j = 0; j < m.length; j++) {
            int s = al.b().start(j);
            boolean sharesSplitChar = (j > 0 && al.b().end(j - 1) > s)
                    || (j + 1 < m.length && al.b().start(j + 1) < al.b().end(j));
            if (!sharesSplitChar) {
                assertArrayEquals(new int[] {j}, m[j], "token " + j);
            }
        }
    }

    @Test
    void realTokenizersCoverEveryCharacterAndAgreeOnMostBoundaries() {
        checkPair(Tokenizers.byId("cl100k_base"), Tokenizers.byId("r50k_base"));
        checkPair(Tokenizers.byId("o200k_base"), Tokenizers.byId("cl100k_base"));
        if (Files.isRegularFile(Tokenizers.tokenizerDir().resolve("qwen3/tokenizer.json"))) {
            checkPair(Tokenizers.byId("cl100k_base"), Tokenizers.byId("hf:qwen3"));
        }
    }

    private static void checkPair(TextTokenizer ta, TextTokenizer tb) {
        TokenAlignment al = TokenAlignment.of(ta, tb, TEXT);
        TokenSpans a = al.a();
        TokenSpans b = al.b();
        for (int j = 0; j < b.size(); j++) {
            int[] as = al.aTokensOf(j);
            assertTrue(as.length > 0, tb.id() + " token " + j + " maps to no " + ta.id() + " token");
            for (int i : as) {
                assertTrue(a.start(i) < b.end(j) && b.start(j) < a.end(i), "non-overlapping pair");
            }
            // every A token overlapping B token j is listed (brute force)
            int n = 0;
            for (int i = 0; i < a.size(); i++) {
                if (a.start(i) < b.end(j) && b.start(j) < a.end(i)) {
                    n++;
                }
            }
            assertEquals(n, as.length);
        }
        int shared = al.aTokensOnSharedBoundaries().length;
        assertTrue(shared > a.size() / 2, ta.id() + " vs " + tb.id() + ": only " + shared + " of " + a.size()
                + " tokens on shared boundaries");
    }

    @Test
    void differentTextsAreRejected() {
        TextTokenizer cl = Tokenizers.byId("cl100k_base");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenAlignment.of(cl.encodeWithOffsets("abc"), cl.encodeWithOffsets("abd")));
        assertTrue(e.getMessage().contains("different texts"), e.getMessage());
    }
}
