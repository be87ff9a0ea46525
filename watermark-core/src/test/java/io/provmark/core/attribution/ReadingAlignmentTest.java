package io.provmark.core.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenSpans;
import io.provmark.core.text.Tokenizers;
import org.junit.jupiter.api.Test;

/** Cross-tokenizer reading mode: a suspect's predictions (r50k_base) mapped onto our tokens (cl100k_base). */
class ReadingAlignmentTest {
    static final TextTokenizer OURS = Tokenizers.byId("cl100k_base");
    static final TextTokenizer THEIRS = Tokenizers.byId("r50k_base");
    static final String TEXT = "The committee said  12345 members voted, and the    result was announced in Atlanta.";

    @Test
    void perfectPredictorMapsOntoOurTokensWhereBoundariesAgree() {
        int[] ours = OURS.encode(TEXT);
        TokenSpans sp = THEIRS.encodeWithOffsets(TEXT);
        // a suspect that predicts exactly the next token of the text (its own tokenization)
        String[] pieces = new String[sp.size()];
        int[] offsets = new int[sp.size()];
        for (int j = 0; j < sp.size(); j++) {
            pieces[j] = j == 0 ? null : sp.piece(j);
            offsets[j] = sp.start(j);
        }
        ReadingAlignment.Result r = new ReadingAlignment(OURS).align(ours, TEXT, offsets, pieces);
        ReadingAlignment.Stats s = r.stats();
        assertEquals(ours.length, s.positions());
        assertEquals(sp.size() - 1, s.predictions());
        assertEquals(s.predictions(), s.aligned() + s.unaligned() + s.notOneToken());
        // the tokenizers differ on digits and runs of spaces: some predictions must be dropped, most kept
        assertTrue(s.unaligned() + s.notOneToken() > 0, s.toString());
        assertTrue(s.aligned() >= ours.length / 2, s.toString());
        TokenSpans ourSpans = OURS.encodeWithOffsets(TEXT);
        for (int i = 0; i < ours.length; i++) {
            if (r.predicted()[i] >= 0) {
                // an aligned prediction of a perfect predictor is our own token, when their piece equals ours
                String theirPiece = OURS.decode(new int[] {r.predicted()[i]});
                assertTrue(TEXT.startsWith(theirPiece, ourSpans.start(i)), "position " + i + ": " + theirPiece);
                if (theirPiece.equals(ourSpans.piece(i))) {
                    assertEquals(ours[i], r.predicted()[i]);
                }
            }
        }
    }

    @Test
    void oneTokenRule() {
        ReadingAlignment a = new ReadingAlignment(OURS);
        assertEquals(OURS.encode(" the")[0], a.oneToken(" the"));
        assertEquals(-1, a.oneToken(" antidisestablishmentarianism")); // several of our tokens
        assertEquals(-1, a.oneToken(""));
        assertEquals(-1, a.oneToken("\uFFFD")); // partial UTF-8 bytes
    }

    @Test
    void codePointOffsetsAndNonCanonicalTokens() {
        String text = "a 😀 b";
        assertArrayEquals(new int[] {0, 2, 4, 5}, ReadingAlignment.codePointToUtf16(text, new int[] {0, 2, 3, 4}));
        assertThrows(IllegalArgumentException.class, () -> ReadingAlignment.codePointToUtf16(text, new int[] {9}));
        // a non-canonical tokenization of " the" + "re" (what a model may generate): starts by decoding prefixes
        int[] ours = {OURS.encode("Hello")[0], OURS.encode(" the")[0], OURS.encode("re")[0]};
        String t = OURS.decode(ours);
        ReadingAlignment a = new ReadingAlignment(OURS);
        assertArrayEquals(new int[] {0, 5, 9}, a.tokenStarts(ours, t));
        ReadingAlignment.Result r = a.align(ours, t, new int[] {0, 5, 9}, new String[] {null, " the", "re"});
        assertArrayEquals(new int[] {-1, ours[1], ours[2]}, r.predicted());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.align(ours, t, new int[] {0, 9, 5}, new String[] {null, "x", "y"}));
        assertTrue(e.getMessage().contains("non-decreasing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.tokenStarts(ours, "something else"));
        assertTrue(e.getMessage().contains("do not decode"), e.getMessage());
    }
}
