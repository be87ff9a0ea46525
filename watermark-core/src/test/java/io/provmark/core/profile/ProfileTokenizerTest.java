package io.provmark.core.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenizerException;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer ids and tokenizer_sha256 in profiles, and the check that binds a profile to its tokenizer. */
class ProfileTokenizerTest {
    /** cl100k_base's vocabulary SHA-256 (docs/text.md; recomputed independently in Python). */
    static final String CL100K_SHA = "c6a78fa1d4eb03ba5e58f23a1bde2d281615c457d29e2c1f50ea368a6ecbc666";
    static final String OTHER_SHA = "ab".repeat(32);

    /** A profile exactly as provmark wrote it before tokenizer_sha256 existed. */
    static final String OLD_PROFILE = "{\n"
            + "  \"format\" : \"provmark-profile-v1\",\n"
            + "  \"scheme\" : \"gumbel\",\n"
            + "  \"params\" : {\n"
            + "    \"repeated_context_window\" : 0\n"
            + "  },\n"
            + "  \"prf\" : \"" + ProvmarkPrf.ID + "\",\n"
            + "  \"context_width\" : 2,\n"
            + "  \"tokenizer\" : \"cl100k_base\",\n"
            + "  \"vocab_size\" : 100277,\n"
            + "  \"key_id\" : \"k-1\",\n"
            + "  \"dedup\" : \"prf-input\",\n"
            + "  \"score_partial_context\" : false,\n"
            + "  \"eos_token_id\" : null\n"
            + "}\n";

    @TempDir
    Path dir;

    /** A WordLevel tokenizer.json with the given words (ids 1..n; 0 is [UNK]). */
    private Path tinyTokenizer(String name, String... words) throws IOException {
        StringBuilder vocab = new StringBuilder("\"[UNK]\":0");
        for (int i = 0; i < words.length; i++) {
            vocab.append(",\"").append(words[i]).append("\":").append(i + 1);
        }
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},\"unk_token\":\"[UNK]\"}}";
        Path d = Files.createDirectories(dir.resolve(name));
        return Files.writeString(d.resolve("tokenizer.json"), json);
    }

    @Test
    void profilesWithoutTheFieldStillLoadAndWriteBackUnchanged() {
        Profile p = ProfileJson.read(OLD_PROFILE);
        assertNull(p.tokenizerSha256());
        assertEquals(OLD_PROFILE, ProfileJson.write(p), "an unpinned profile is written exactly as before");
    }

    @Test
    void theHashRoundTripsAndIsValidated() {
        Profile p = ProfileJson.read(OLD_PROFILE).withTokenizerSha256(CL100K_SHA);
        String json = ProfileJson.write(p);
        assertTrue(json.contains("\"tokenizer_sha256\" : \"" + CL100K_SHA + "\""), json);
        assertEquals(p, ProfileJson.read(json));
        for (String bad : new String[] {"", "abc", CL100K_SHA.toUpperCase(), CL100K_SHA + "0", "g".repeat(64)}) {
            ProfileException e = assertThrows(ProfileException.class, () -> ProfileJson.read(json.replace(CL100K_SHA, bad)));
            assertEquals("tokenizer_sha256", e.field(), e.getMessage());
        }
        ProfileException e = assertThrows(ProfileException.class,
                () -> ProfileJson.read(json.replace("\"" + CL100K_SHA + "\"", "42")));
        assertEquals("tokenizer_sha256", e.field());
        e = assertThrows(ProfileException.class, () -> Profile.defaults("gumbel", "k", "none", 10)
                .withTokenizerSha256(CL100K_SHA));
        assertTrue(e.getMessage().contains("must be absent for tokenizer none"), e.getMessage());
        e = assertThrows(ProfileException.class, () -> Profile.defaults("gumbel", "k", "hf:qwen3", 151669));
        assertEquals("tokenizer_sha256", e.field());
        assertTrue(e.getMessage().contains("required for Hugging Face tokenizer hf:qwen3"), e.getMessage());
    }

    @Test
    void tokenizerIdsAndVocabSizesAreValidated() {
        for (String ok : new String[] {"none", "r50k_base", "p50k_base", "cl100k_base", "o200k_base", "hf:qwen3",
            "hf:llama3-8b_v1.0", "hf:/opt/models/x/tokenizer.json", "hf:models/x", "hf:tok.json"}) {
            assertTrue(Tokenizers.isWellFormed(ok), ok);
        }
        for (String bad : new String[] {"", "gpt2", "cl100k", "hf:", "hf:.hidden", "hf:a b", "hf:a\nb", "HF:qwen3",
            "hf:" + "x".repeat(2000) + "/t.json"}) {
            assertFalse(Tokenizers.isWellFormed(bad), bad);
            ProfileException e = assertThrows(ProfileException.class, () -> Profile.defaults("gumbel", "k", bad, 1000));
            assertEquals("tokenizer", e.field());
            assertTrue(e.getMessage().contains("cl100k_base") && e.getMessage().contains("hf:NAME"), e.getMessage());
        }
        ProfileException e = assertThrows(ProfileException.class, () -> Profile.defaults("gumbel", "k", "o200k_base", 100277));
        assertEquals("vocab_size", e.field());
        assertTrue(e.getMessage().contains("200019"), e.getMessage());
        // padded output layers: more logits than tokenizer ids is allowed
        assertEquals(200064, Profile.defaults("gumbel", "k", "o200k_base", 200064).vocabSize());
        assertEquals(100277, Tokenizers.jtokkitVocabSize("cl100k_base"));
        TokenizerException te = assertThrows(TokenizerException.class, () -> Tokenizers.jtokkitVocabSize("gpt2"));
        assertTrue(te.getMessage().contains("known: cl100k_base, o200k_base, p50k_base, r50k_base"), te.getMessage());
    }

    @Test
    void pinnedJtokkitTokenizerResolvesAndAWrongPinFailsNamingBothHashes() {
        Profile pinned = ProfileJson.read(OLD_PROFILE).withTokenizerSha256(CL100K_SHA);
        TextTokenizer t = ProfileTokenizers.resolve(pinned);
        assertEquals("cl100k_base", t.id());
        assertEquals(CL100K_SHA, t.vocabularySha256());
        assertTrue(ProfileTokenizers.unpinnedNote(pinned, t).isEmpty());

        Profile wrong = pinned.withTokenizerSha256(OTHER_SHA);
        TokenizerException e = assertThrows(TokenizerException.class, () -> ProfileTokenizers.resolve(wrong));
        assertTrue(e.getMessage().contains("tokenizer mismatch for 'cl100k_base'") && e.getMessage().contains(OTHER_SHA)
                && e.getMessage().contains(CL100K_SHA), e.getMessage());

        Profile old = ProfileJson.read(OLD_PROFILE);
        TextTokenizer same = ProfileTokenizers.resolve(old);
        String note = ProfileTokenizers.unpinnedNote(old, same).orElseThrow();
        assertTrue(note.contains("does not pin") && note.contains(CL100K_SHA), note);

        e = assertThrows(TokenizerException.class,
                () -> ProfileTokenizers.check(pinned, Tokenizers.byId("r50k_base")));
        assertTrue(e.getMessage().contains("'cl100k_base'") && e.getMessage().contains("'r50k_base'"), e.getMessage());
        e = assertThrows(TokenizerException.class,
                () -> ProfileTokenizers.resolve(Profile.defaults("gumbel", "k", "none", 100)));
        assertTrue(e.getMessage().contains("'none'"), e.getMessage());
    }

    @Test
    void huggingFaceTokenizerByPathIsPinnedAndChecked() throws IOException {
        Path a = tinyTokenizer("a", "hello", "world");
        Path b = tinyTokenizer("b", "hello", "there");
        String idA = "hf:" + a;
        String idDirB = "hf:" + b.getParent();
        TextTokenizer ta = Tokenizers.byId(idA);
        TextTokenizer tb = Tokenizers.byId(idDirB); // a directory means its tokenizer.json
        assertEquals(3, ta.vocabSize());
        assertEquals(3, tb.vocabSize());
        assertFalse(ta.vocabularySha256().equals(tb.vocabularySha256()), "other words, other hash");
        assertTrue(Tokenizers.isAvailable(idA) && Tokenizers.isAvailable(idDirB));
        assertTrue(Tokenizers.isPathId(idA) && Tokenizers.isPathId(idDirB) && Tokenizers.isPathId("hf:t.json"));
        assertFalse(Tokenizers.isPathId("hf:qwen3") || Tokenizers.isPathId("cl100k_base") || Tokenizers.isPathId(null));

        Profile pa = Profile.defaults("red-green", "k", idA, 3, ta.vocabularySha256());
        assertEquals(pa, ProfileJson.read(ProfileJson.write(pa)));
        TextTokenizer resolved = ProfileTokenizers.resolve(pa);
        assertEquals(2, resolved.encode("hello world").length);

        // the same id pinned to another vocabulary (as if the file had been replaced)
        Profile swapped = pa.withTokenizerSha256(tb.vocabularySha256());
        TokenizerException e = assertThrows(TokenizerException.class, () -> ProfileTokenizers.resolve(swapped));
        assertTrue(e.getMessage().contains(idA) && e.getMessage().contains(ta.vocabularySha256())
                && e.getMessage().contains(tb.vocabularySha256()), e.getMessage());

        Profile tooSmall = Profile.defaults("red-green", "k", idA, 2, ta.vocabularySha256());
        e = assertThrows(TokenizerException.class, () -> ProfileTokenizers.resolve(tooSmall));
        assertTrue(e.getMessage().contains("3 token ids") && e.getMessage().contains("vocab_size is 2"), e.getMessage());

        Profile missing = Profile.defaults("red-green", "k", "hf:" + dir.resolve("nope/tokenizer.json"), 3,
                OTHER_SHA);
        e = assertThrows(TokenizerException.class, () -> ProfileTokenizers.resolve(missing));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void unknownIdsListTheKnownOnes() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.byId("gpt-5"));
        assertTrue(e.getMessage().contains("unknown tokenizer 'gpt-5'") && e.getMessage().contains("cl100k_base")
                && e.getMessage().contains("hf:NAME") && e.getMessage().contains("hf:PATH"), e.getMessage());
    }
}
