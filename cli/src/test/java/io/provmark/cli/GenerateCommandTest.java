package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * provmark generate with a tiny Kneser-Ney model trained here (r50k_base ids; 40 documents of 500
 * ids drawn uniformly from 3,000 ids, so each context was seen a few times and the next-token
 * distribution stays close to uniform over ~3,000 ids: high entropy), then provmark detect.
 *
 * <p>Red-green gamma 0.25 delta 2 at that entropy makes a token green with probability about
 * 0.25e^2 / (0.25e^2 + 0.75) = 0.71. The key is fresh (SecureRandom); p >= 1e-6 over ~150 scored
 * tokens needs a green fraction below about 0.42. Observed over 3 keys x 6 answers: fractions
 * 0.62..0.74 (mean 0.69), log10 p -21..-35. Taking the per-step green probability as at least 0.65,
 * Azuma-Hoeffding bounds a fraction below 0.42 by exp(-2 * 150 * 0.23^2) < 2e-7 per answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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
        model = dir.resolve("kn3.bin");
        prompts = dir.resolve("prompts.jsonl");
        Cli.Result r = Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "gen-1");
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", keyset.toString(),
                "--tokenizer", "r50k_base", "--gamma", "0.25", "--delta", "2", "--context-width", "1",
                "--out", profile.toString());
        assertEquals(0, r.code(), r::toString);
        TextTokenizer tok = Tokenizers.byId("r50k_base");
        SplittableRandom rnd = new SplittableRandom(3);
        List<int[]> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            docs.add(rnd.ints(500, 1000, 4000).toArray());
        }
        KneserNeyModel.train(docs, tok.vocabSize(), 3, tok.id(), tok.vocabularySha256()).save(model);
        Files.writeString(prompts, "{\"id\":\"p1\",\"text\":\"The jury said\"}\n"
                + "{\"id\":2,\"tokens\":[1500,1501,1502]}\n"
                + "{\"id\":\"p3\",\"text\":\"In the beginning\"}\n");
    }

    private Cli.Result generate(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("generate", "--profile", profile.toString(), "--keyset",
                keyset.toString(), "--model", model.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--max-tokens", "150", "--seed", "5"));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(new String[0]));
    }

    /** Turns answers into detect's token-id JSONL and returns detect's JSON lines. */
    private List<JsonNode> detect(Path answers) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(answers)) {
            JsonNode a = JSON.readTree(line);
            sb.append("{\"id\":").append(a.get("id")).append(",\"tokens\":").append(a.get("tokens"))
                    .append(",\"prompt_tokens\":").append(a.get("prompt_tokens")).append("}\n");
        }
        Path sus = dir.resolve(answers.getFileName() + ".ids.jsonl");
        Files.writeString(sus, sb.toString());
        Cli.Result r = Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--token-ids", sus.toString());
        assertEquals(0, r.code(), r::toString);
        List<JsonNode> out = new ArrayList<>();
        for (String l : r.out().split("\n")) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    @Test
    void generatedAnswersCarryTheWatermark() throws IOException {
        Path out = dir.resolve("answers.jsonl");
        Cli.Result r = generate(out);
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().contains("3/3 prompts"), "progress line on stderr: " + r);
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals("p1", first.get("id").asText());
        assertEquals(150, first.get("tokens").size());
        assertTrue(first.get("prompt_tokens").size() > 0);
        assertTrue(first.get("text").asText().length() > 0);
        assertEquals(2, JSON.readTree(lines.get(1)).get("id").asInt());
        for (JsonNode d : detect(out)) {
            assertTrue(d.get("log10_p_value").asDouble() < -6, d::toString);
        }
    }

    @Test
    void truncatedSamplingStillCarriesTheWatermarkAndIsDeterministic() throws IOException {
        Path a = dir.resolve("a-topk.jsonl");
        Path b = dir.resolve("b-topk.jsonl");
        assertEquals(0, generate(a, "--top-k", "200", "--top-p", "0.95", "--temperature", "0.9").code());
        assertEquals(0, generate(b, "--top-k", "200", "--top-p", "0.95", "--temperature", "0.9").code());
        assertEquals(Files.readString(a), Files.readString(b), "same seed, same answers");
        for (JsonNode d : detect(a)) {
            assertTrue(d.get("log10_p_value").asDouble() < -6, d::toString);
        }
    }

    @Test
    void truncationKeepsTopKThenNucleus() {
        GenerateCommand g = new GenerateCommand(null);
        float[] logits = {0f, 3f, 1f, 2f, -1f};
        long[] order = new long[5];
        int[] cand = new int[5];
        float[] cl = new float[5];
        g.topK = 3;
        g.topP = 1.0;
        assertEquals(3, g.truncate(logits, order, cand, cl));
        assertArrayEquals(new int[] {1, 3, 2}, java.util.Arrays.copyOf(cand, 3));
        assertArrayEquals(new float[] {3f, 2f, 1f}, java.util.Arrays.copyOf(cl, 3));
        // softmax over {3,2,1,0,-1}: 0.636, 0.234, 0.086, ...; p = 0.8 needs the first two
        g.topK = 0;
        g.topP = 0.8;
        assertEquals(2, g.truncate(logits, order, cand, cl));
        g.topP = 0.5;
        assertEquals(1, g.truncate(logits, order, cand, cl));
    }

    @Test
    void mismatchedOrBrokenModelAndBadOptionsGiveClearErrors() throws IOException {
        Path cl = dir.resolve("cl.json");
        Cli.Result r = Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "gen-1", "--tokenizer",
                "cl100k_base", "--out", cl.toString());
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("generate", "--profile", cl.toString(), "--keyset", keyset.toString(), "--model",
                model.toString(), "--prompts", prompts.toString(), "--out", dir.resolve("x.jsonl").toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("tokenizer mismatch"), r::toString);

        Path bad = dir.resolve("bad.bin");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        r = Cli.run("generate", "--profile", profile.toString(), "--keyset", keyset.toString(), "--model",
                bad.toString(), "--prompts", prompts.toString(), "--out", dir.resolve("y.jsonl").toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("bad.bin"), r::toString);

        r = generate(dir.resolve("z.jsonl"), "--top-p", "0");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--top-p"), r::toString);

        Path exists = dir.resolve("exists.jsonl");
        Files.writeString(exists, "");
        r = generate(exists);
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("--force"), r::toString);
    }
}
