package io.provmark.core.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer.json handling that needs no fetched file: a tiny model written by the test, and broken files. */
class TokenizerHuggingFaceFileTest {
    @Test
    void brokenFilesFailClearly(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.json");
        TokenizerException e = assertThrows(TokenizerException.class, () -> HuggingFaceJsonTokenizer.load("hf:x", missing));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
        e = assertThrows(TokenizerException.class, () -> HuggingFaceJsonTokenizer.load("hf:x", bad));
        assertTrue(e.getMessage().contains("hf:x") && e.getMessage().contains("bad.json"), e.getMessage());
        Path noVocab = Files.writeString(dir.resolve("novocab.json"), "{\"model\": {\"type\": \"BPE\"}}");
        e = assertThrows(TokenizerException.class, () -> HuggingFaceJsonTokenizer.load("hf:x", noVocab));
        assertTrue(e.getMessage().contains("model.vocab"), e.getMessage());
    }

    @Test
    void aTinyWordLevelFileLoadsThroughTheNativeLibrary(@TempDir Path dir) throws Exception {
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":"
                + "[{\"id\":0,\"content\":\"[UNK]\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":false,\"special\":true}],\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,\"decoder\":null,"
                + "\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"hello\":1,\"world\":2},"
                + "\"unk_token\":\"[UNK]\"}}";
        Path f = Files.writeString(dir.resolve("tokenizer.json"), json);
        try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load("hf:tiny", f)) {
            assertEquals(3, t.vocabSize());
            assertArrayEquals(new int[] {1, 2, 0}, t.encode("hello world other"));
            TokenSpans s = t.encodeWithOffsets("hello world");
            assertEquals(6, s.start(1));
            assertEquals(11, s.end(1));
        }
    }
}
