package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The hard-coded vocabulary sizes agree with the jtokkit library on the class path. */
class TokenizersTest {
    @ParameterizedTest
    @ValueSource(strings = {"r50k_base", "p50k_base", "cl100k_base", "o200k_base"})
    void vocabSizeIsLargestDecodableIdPlusOne(String name) {
        Encoding enc = Tokenizers.encoding(name);
        int v = Tokenizers.vocabSize(name);
        assertDoesNotThrow(() -> enc.decodeBytes(list(v - 1)), name + ": id " + (v - 1) + " must exist");
        // jtokkit's special tokens lie at most a few dozen ids past the ordinary ranks; 1000 is ample
        for (int id = v; id < v + 1000; id++) {
            int t = id;
            assertThrows(RuntimeException.class, () -> enc.decodeBytes(list(t)),
                    name + ": id " + t + " must not exist");
        }
    }

    @Test
    void nfcNormalisesBeforeEncoding() {
        // "e" + combining acute (NFD) and the precomposed U+00E9 must give the same tokens
        assertArrayEquals(Tokenizers.encode("cl100k_base", "caf\u00e9"), Tokenizers.encode("cl100k_base", "cafe\u0301"));
    }

    @Test
    void specialTokenTextIsOrdinary() {
        int[] ids = Tokenizers.encode("cl100k_base", "a <|endoftext|> b");
        for (int id : ids) {
            assertTrue(id < 100_257, "special token id " + id + " must not appear");
        }
    }

    private static IntArrayList list(int id) {
        IntArrayList l = new IntArrayList();
        l.add(id);
        return l;
    }
}
