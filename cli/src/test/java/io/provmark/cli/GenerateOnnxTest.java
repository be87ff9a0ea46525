package io.provmark.cli;

import io.provmark.core.lm.TinyOnnx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * provmark generate --model x.onnx: a tiny causal LM written by {@link TinyOnnx} (V = 204 logits, a padded
 * output layer) with a Hugging Face WordLevel tokenizer given by path (201 ids), then provmark detect.
 *
 * <p>The model's logits lie within about +-1.3 (|E| <= 0.25, |W| <= 0.4, 4 dimensions, 8 tokens of context),
 * so every step has high entropy over ~200 ids: with red-green gamma 0.25, delta 2 a token is green with
 * probability >= 0.25e^2 e^-2.6 / (0.25e^2 e^-2.6 + 0.75) ~ 0.3 at worst and ~0.7 typically. Over 2 x 150
 * scored tokens (dedup on (previous, token) pairs of ~40,000 drops few) the null expects 25% green; p < 1e-6
 * needs about 40%. Sampling is seeded (--seed 5) but the key is fresh, so the outcome varies with the key;
 * a green fraction that low with per-step green probability >= 0.6 has probability below
 * exp(-2 * 150 * 0.2^2) = 6e-6 per answer (Azuma-Hoeffding).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateOnnxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int TOKENIZER_VOCAB = 201;
    static final int MODEL_VOCAB = 204;

    Path dir;
    Path keyset;
    Path profile;
    Path model;
    Path prompts;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        dir = tmp;
        keyset = dir.resolve("k.pmk");
        profile = dir.resolve("p.json");
        model = dir.resolve("tiny.onnx");
        prompts = dir.resolve("prompts.jsonl");
        Path tok = TinyTokenizerJson.write(dir.resolve("tok"), TOKENIZER_VOCAB - 1);
        Cli.Result r = Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "onnx-1");
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", keyset.toString(),
                "--tokenizer", "hf:" + tok, "--vocab-size", Integer.toString(MODEL_VOCAB), "--out", profile.toString());
        assertEquals(0, r.code(), r::toString);
        Files.write(model, new TinyOnnx(MODEL_VOCAB, 4).model());
        Files.writeString(prompts, "{\"id\":\"a\",\"text\":\"w1 w2 w3\"}\n{\"id\":\"b\",\"tokens\":[7,8]}\n");
    }

    private Cli.Result generate(Path modelFile, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("generate", "--profile", profile.toString(), "--keyset",
                keyset.toString(), "--model", modelFile.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--max-tokens", "150", "--seed", "5", "--onnx-max-context", "8"));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(new String[0]));
    }

    @Test
    void onnxAnswersCarryTheWatermarkAndNeverUseThePadding() throws IOException {
        Path out = dir.resolve("answers.jsonl");
        Cli.Result r = generate(model, out);
        assertEquals(0, r.code(), r::toString);
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        StringBuilder ids = new StringBuilder();
        for (String line : lines) {
            JsonNode a = JSON.readTree(line);
            assertEquals(150, a.get("tokens").size());
            for (JsonNode t : a.get("tokens")) {
                assertTrue(t.asInt() >= 0 && t.asInt() < TOKENIZER_VOCAB, "padding id sampled: " + t);
            }
            assertTrue(a.get("text").asText().startsWith("w") || a.get("text").asText().contains("w"), line);
            ids.append("{\"id\":").append(a.get("id")).append(",\"tokens\":").append(a.get("tokens"))
                    .append(",\"prompt_tokens\":").append(a.get("prompt_tokens")).append("}\n");
        }
        assertEquals("[2,3,4]", JSON.readTree(lines.get(0)).get("prompt_tokens").toString());
        Path sus = dir.resolve("sus.jsonl");
        Files.writeString(sus, ids);
        r = Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(), "--token-ids",
                sus.toString());
        assertEquals(0, r.code(), r::toString);
        for (String l : r.out().split("\n")) {
            JsonNode d = JSON.readTree(l);
            assertTrue(d.get("log10_p_value").asDouble() < -6, d::toString);
        }
        Path again = dir.resolve("again.jsonl");
        assertEquals(0, generate(model, again).code());
        assertEquals(Files.readString(out), Files.readString(again), "same seed, same answers");
    }

    @Test
    void tensorNamesAreOptions() throws IOException {
        TinyOnnx.Spec s = new TinyOnnx.Spec();
        s.inputName = "tokens";
        s.outputName = "scores";
        Path named = dir.resolve("named.onnx");
        Files.write(named, new TinyOnnx(MODEL_VOCAB, 4).model(s));
        Cli.Result r = generate(named, dir.resolve("n1.jsonl"));
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("has no input 'input_ids'") && r.err().contains("tokens"), r::toString);
        r = generate(named, dir.resolve("n2.jsonl"), "--onnx-input", "tokens", "--onnx-logits", "scores");
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void modelVocabularyMustEqualTheProfile() throws IOException {
        Path small = dir.resolve("small.onnx");
        Files.write(small, new TinyOnnx(MODEL_VOCAB - 1, 4).model());
        Cli.Result r = generate(small, dir.resolve("v.jsonl"));
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("203 logits") && r.err().contains("vocab_size is 204"), r::toString);
        assertTrue(Files.notExists(dir.resolve("v.jsonl")), "nothing written");
    }

    @Test
    void onnxOptionsNeedAnOnnxModel() throws IOException {
        Path kn = dir.resolve("model.bin");
        Files.write(kn, new byte[] {1});
        Cli.Result r = generate(kn, dir.resolve("o.jsonl"));
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("apply only to an .onnx --model"), r::toString);
    }
}
