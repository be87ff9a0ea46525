package io.provmark.cli;

import io.provmark.core.lm.TinyOnnx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, acceptance 5: tokenizer mismatch, unknown tokenizer, corrupted model file (Kneser-Ney and ONNX)
 * and empty corpus each give a clear message and a non-zero exit, and write nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenizerAndModelErrorsTest {
    static final String CL100K_SHA = "c6a78fa1d4eb03ba5e58f23a1bde2d281615c457d29e2c1f50ea368a6ecbc666";

    Path dir;
    Path keyset;
    Path profile;
    Path model;
    Path prompts;
    Path text;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        dir = tmp;
        keyset = dir.resolve("k.pmk");
        profile = dir.resolve("p.json");
        model = dir.resolve("kn3.bin");
        prompts = dir.resolve("prompts.jsonl");
        text = dir.resolve("suspect.txt");
        ok(Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "err-1"));
        ok(Cli.run("profile", "create", "--scheme", "gumbel", "--keyset", keyset.toString(), "--tokenizer",
                "cl100k_base", "--out", profile.toString()));
        TextTokenizer tok = Tokenizers.byId("cl100k_base");
        SplittableRandom rnd = new SplittableRandom(4);
        List<int[]> docs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            docs.add(rnd.ints(300, 1000, 3000).toArray());
        }
        KneserNeyModel.train(docs, tok.vocabSize(), 3, tok.id(), tok.vocabularySha256()).save(model);
        Files.writeString(prompts, "{\"id\":\"p1\",\"text\":\"The jury said\"}\n");
        Files.writeString(text, "The Fulton County Grand Jury said Friday an investigation produced no evidence.");
    }

    private static void ok(Cli.Result r) {
        assertEquals(0, r.code(), r::toString);
    }

    private static void fails(Cli.Result r, int code, String... fragments) {
        assertEquals(code, r.code(), r::toString);
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "missing '" + f + "' in\n" + r);
        }
        assertTrue(r.err().startsWith("provmark: error: ") || r.err().contains("\nprovmark: error: "), r::toString);
    }

    private Cli.Result generate(Path profileFile, Path modelFile, Path promptsFile, Path out) {
        return Cli.run("generate", "--profile", profileFile.toString(), "--keyset", keyset.toString(), "--model",
                modelFile.toString(), "--prompts", promptsFile.toString(), "--out", out.toString(), "--max-tokens", "5");
    }

    private Cli.Result detectText(Path profileFile) {
        return Cli.run("detect", "--profile", profileFile.toString(), "--keyset", keyset.toString(), "--text",
                text.toString());
    }

    /** The profile file with one JSON text replaced. */
    private Path edited(String name, String from, String to) throws IOException {
        String json = Files.readString(profile);
        assertTrue(json.contains(from), json);
        Path p = dir.resolve(name);
        Files.writeString(p, json.replace(from, to));
        return p;
    }

    @Test
    void tokenizerMismatchIsRefused() throws IOException {
        assertTrue(Files.readString(profile).contains("\"tokenizer_sha256\" : \"" + CL100K_SHA + "\""));
        ok(detectText(profile));
        // a profile pinned to another vocabulary: as if cl100k_base had changed under it
        String other = "0123456789abcdef".repeat(4);
        Path pinnedElsewhere = edited("other-vocab.json", CL100K_SHA, other);
        fails(detectText(pinnedElsewhere), ExitCodes.BAD_INPUT, "tokenizer mismatch for 'cl100k_base'", other,
                CL100K_SHA);
        Path out = dir.resolve("mismatch.jsonl");
        fails(generate(pinnedElsewhere, model, prompts, out), ExitCodes.BAD_INPUT, "tokenizer mismatch", other,
                CL100K_SHA);
        assertTrue(Files.notExists(out));
        // a model trained with another tokenizer than the profile's
        Path r50k = dir.resolve("r50k.json");
        ok(Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "err-1", "--tokenizer", "r50k_base",
                "--out", r50k.toString()));
        fails(generate(r50k, model, prompts, out), ExitCodes.BAD_INPUT, "tokenizer mismatch", "cl100k_base",
                "r50k_base");
        assertTrue(Files.notExists(out));
    }

    @Test
    void unknownTokenizerIsRefused() throws IOException {
        Path p = dir.resolve("unknown.json");
        fails(Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "err-1", "--tokenizer", "gpt-5",
                "--out", p.toString()), ExitCodes.USAGE, "unknown tokenizer 'gpt-5'", "cl100k_base", "o200k_base",
                "hf:NAME", "hf:PATH");
        fails(Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "err-1", "--tokenizer",
                "hf:no-such-tokenizer", "--out", p.toString()), ExitCodes.USAGE,
                "tokenizer 'hf:no-such-tokenizer' not found");
        assertTrue(Files.notExists(p), "nothing written");
        // a profile file naming a tokenizer this build does not know
        Path edited = edited("gpt5.json", "\"cl100k_base\"", "\"gpt-5\"");
        fails(detectText(edited), ExitCodes.BAD_INPUT, "invalid profile", "tokenizer", "gpt-5", "cl100k_base");
        // a well-formed hf: id whose file is not there
        String json = Files.readString(profile).replace("\"cl100k_base\"", "\"hf:gone\"")
                .replace("\"vocab_size\" : 100277", "\"vocab_size\" : 5");
        Path gone = Files.writeString(dir.resolve("gone.json"), json);
        fails(detectText(gone), ExitCodes.BAD_INPUT, "tokenizer 'hf:gone' not found");
        fails(generate(gone, model, prompts, dir.resolve("g.jsonl")), ExitCodes.BAD_INPUT, "tokenizer 'hf:gone' not found");
    }

    @Test
    void corruptedKneserNeyModelIsRefused() throws IOException {
        byte[] good = Files.readAllBytes(model);
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        Path f = Files.write(dir.resolve("flipped.bin"), flipped);
        Path out = dir.resolve("kn-out.jsonl");
        fails(generate(profile, f, prompts, out), ExitCodes.BAD_INPUT, "flipped.bin", "corrupted");
        Path t = Files.write(dir.resolve("truncated.bin"), java.util.Arrays.copyOf(good, good.length - 100));
        fails(generate(profile, t, prompts, out), ExitCodes.BAD_INPUT, "truncated.bin", "corrupted or truncated");
        fails(generate(profile, dir.resolve("missing.bin"), prompts, out), ExitCodes.BAD_INPUT, "missing.bin",
                "does not exist");
        assertTrue(Files.notExists(out));
    }

    @Test
    void corruptedOnnxModelIsRefused() throws IOException {
        byte[] good = new TinyOnnx(100277, 2).model();
        Path out = dir.resolve("onnx-out.jsonl");
        Path t = Files.write(dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(good, good.length / 3));
        fails(generate(profile, t, prompts, out), ExitCodes.BAD_INPUT, "truncated.onnx", "is not a valid ONNX model");
        byte[] garbage = new byte[4096];
        new SplittableRandom(9).nextBytes(garbage);
        Path g = Files.write(dir.resolve("garbage.onnx"), garbage);
        fails(generate(profile, g, prompts, out), ExitCodes.BAD_INPUT, "garbage.onnx", "is not a valid ONNX model");
        // a Kneser-Ney file renamed .onnx is not an ONNX model
        Path kn = Files.copy(model, dir.resolve("kn.onnx"));
        fails(generate(profile, kn, prompts, out), ExitCodes.BAD_INPUT, "kn.onnx", "is not a valid ONNX model");
        assertTrue(Files.notExists(out));
        // the intact model works with this profile (cl100k_base, 100,277 ids)
        Path intact = Files.write(dir.resolve("intact.onnx"), good);
        ok(generate(profile, intact, prompts, out));
    }

    @Test
    void emptyCorpusIsRefused() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "\n  \n");
        Path out = dir.resolve("empty-out.jsonl");
        fails(generate(profile, model, empty, out), ExitCodes.BAD_INPUT, "empty.jsonl", "has no documents");
        assertTrue(Files.notExists(out));
        fails(Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(), "--corpus",
                empty.toString()), ExitCodes.BAD_INPUT, "empty.jsonl", "has no documents");
        Path zero = Files.write(dir.resolve("zero.jsonl"), new byte[0]);
        fails(Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(), "--corpus",
                zero.toString()), ExitCodes.BAD_INPUT, "zero.jsonl");
        Path blank = Files.writeString(dir.resolve("blank.txt"), "   \n");
        fails(Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(), "--text",
                blank.toString()), ExitCodes.BAD_INPUT, "blank.txt", "empty");
    }
}
