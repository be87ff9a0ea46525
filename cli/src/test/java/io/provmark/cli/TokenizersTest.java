package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import io.provmark.core.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CLI's tokenizers come from core: sizes, hashes in profiles, NFC and special-token text. */
class TokenizersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"r50k_base", "p50k_base", "cl100k_base", "o200k_base"})
    void coreVocabSizeIsLargestDecodableIdPlusOne(String name) {
        // checked against jtokkit directly, not through core, so a wrong core table cannot pass
        Encoding enc = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.fromName(name).orElseThrow());
        int v = io.provmark.core.text.Tokenizers.jtokkitVocabSize(name);
        assertDoesNotThrow(() -> enc.decodeBytes(list(v - 1)), name + ": id " + (v - 1) + " must exist");
        // jtokkit's special tokens lie at most a few dozen ids past the ordinary ranks; 1000 is ample
        for (int id = v; id < v + 1000; id++) {
            int t = id;
            assertThrows(RuntimeException.class, () -> enc.decodeBytes(list(t)), name + ": id " + t + " must not exist");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"r50k_base", "cl100k_base"})
    void profileCreateRecordsTheVocabularyHashAndSize(String name) throws IOException {
        Path p = dir.resolve(name + ".json");
        Cli.Result r = Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "t-1", "--tokenizer", name,
                "--out", p.toString());
        assertEquals(0, r.code(), r::toString);
        TextTokenizer tok = io.provmark.core.text.Tokenizers.byId(name);
        JsonNode j = JSON.readTree(Files.readString(p));
        assertEquals(tok.vocabularySha256(), j.get("tokenizer_sha256").asText());
        assertEquals(tok.vocabSize(), j.get("vocab_size").asInt());
        assertTrue(r.out().contains(tok.vocabularySha256()), r::toString);
    }

    @Test
    void qwen3ProfileRecordsTheIndependentlyComputedHash() throws IOException {
        boolean present = io.provmark.core.text.Tokenizers.isAvailable("hf:qwen3");
        if (!present) {
            System.err.println("SKIPPED: hf:qwen3 not fetched under " + io.provmark.core.text.Tokenizers.tokenizerDir()
                    + "; run scripts/fetch-corpora.sh");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present, "hf:qwen3 not fetched");
        Path p = dir.resolve("qwen3.json");
        // Qwen3's output layer has 151,936 logits over the tokenizer's 151,669 ids
        Cli.Result r = Cli.run("profile", "create", "--scheme", "synthid", "--key-id", "t-1", "--tokenizer", "hf:qwen3",
                "--vocab-size", "151936", "--out", p.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode j = JSON.readTree(Files.readString(p));
        assertEquals("hf:qwen3", j.get("tokenizer").asText());
        // docs/text.md: recomputed independently in Python from the JSON file
        assertEquals("04b3d8f3a14a710fdf894669a54f20d1977e67b15e6e2f3824bd5eda94715b3b", j.get("tokenizer_sha256").asText());
        assertEquals(151936, j.get("vocab_size").asInt());
    }

    @Test
    void huggingFaceTokenizerByPathIsPinnedAndItsSizeEnforced() throws IOException {
        Path tokFile = TinyTokenizerJson.write(dir.resolve("tiny"), 30);
        Path p = dir.resolve("hf.json");
        Cli.Result r = Cli.run("profile", "create", "--scheme", "red-green", "--key-id", "t-1", "--tokenizer",
                "hf:" + tokFile.getParent(), "--out", p.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode j = JSON.readTree(Files.readString(p));
        assertEquals(31, j.get("vocab_size").asInt());
        assertEquals(io.provmark.core.text.Tokenizers.byId("hf:" + tokFile.getParent()).vocabularySha256(),
                j.get("tokenizer_sha256").asText());
        r = Cli.run("profile", "create", "--scheme", "red-green", "--key-id", "t-1", "--tokenizer",
                "hf:" + tokFile, "--vocab-size", "30", "--out", dir.resolve("small.json").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--vocab-size 30 is smaller"), r::toString);
        assertFalse(Files.exists(dir.resolve("small.json")));

        // detect --text through the hf: tokenizer
        Path keyset = dir.resolve("k.pmk");
        assertEquals(0, Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "t-1").code());
        Path text = Files.writeString(dir.resolve("t.txt"), "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10");
        r = Cli.run("detect", "--profile", p.toString(), "--keyset", keyset.toString(), "--text", text.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals(10, JSON.readTree(r.out()).get("num_tokens").asInt());
    }

    @Test
    void profilesWithoutTheHashStillWorkWithANote() throws IOException {
        Path keyset = dir.resolve("k.pmk");
        assertEquals(0, Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "t-1").code());
        Path p = dir.resolve("pinned.json");
        assertEquals(0, Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "t-1", "--tokenizer",
                "cl100k_base", "--out", p.toString()).code());
        String pinned = Files.readString(p);
        // the profile as provmark wrote it before tokenizer_sha256 existed
        String old = pinned.replaceAll("\\s*\"tokenizer_sha256\" : \"[0-9a-f]{64}\",", "");
        assertFalse(old.contains("tokenizer_sha256"), old);
        Path oldFile = Files.writeString(dir.resolve("old.json"), old);
        Path text = Files.writeString(dir.resolve("t.txt"), "An old profile still verifies text.");
        Cli.Result a = Cli.run("detect", "--profile", oldFile.toString(), "--keyset", keyset.toString(), "--text",
                text.toString());
        assertEquals(0, a.code(), a::toString);
        assertTrue(a.err().contains("does not pin its tokenizer's vocabulary") && a.err().contains(
                io.provmark.core.text.Tokenizers.byId("cl100k_base").vocabularySha256()), a::toString);
        Cli.Result b = Cli.run("detect", "--profile", p.toString(), "--keyset", keyset.toString(), "--text",
                text.toString());
        assertEquals(0, b.code(), b::toString);
        assertEquals(a.out(), b.out(), "same result; only the note differs");
        assertFalse(b.err().contains("does not pin"), b::toString);
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
