package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenSpans;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code provmark attribute --reading}: both record forms, the output shape and bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttributeReadingCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VOCAB = 1000;

    Path dir;
    Path keyset;
    Path profile;
    Path textProfile;
    Path memorizer;
    Path clean;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        dir = tmp;
        keyset = dir.resolve("keys.pmk");
        profile = dir.resolve("profile.json");
        textProfile = dir.resolve("text-profile.json");
        assertEquals(0, Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "acme-1").code());
        Cli.Result r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", keyset.toString(),
                "--tokenizer", "none", "--vocab-size", Integer.toString(VOCAB), "--out", profile.toString());
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", keyset.toString(),
                "--tokenizer", "cl100k_base", "--out", textProfile.toString());
        assertEquals(0, r.code(), r::toString);
        Profile prof = ProfileJson.read(Files.readString(profile));
        Keyset ks = KeysetFile.read(keyset, Cli.PASS.toCharArray());
        var emb = Schemes.create(prof, ks.key("acme-1")).embedder();
        Generator gen = new Generator(new ZipfLogitsModel(VOCAB, 1.0, 1), 1.0);
        StringBuilder m = new StringBuilder();
        StringBuilder c = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            int[] ours = gen.generate(emb, new int[] {i, i + 1}, 80, 100 + i);
            // a suspect that memorised our texts predicts each next token of them
            m.append(record("m" + i, ours, shiftedPredictions(ours, ours)));
            // a clean suspect predicts tokens of its own (unwatermarked) text
            int[] own = gen.generate(null, new int[] {i, i + 1}, 80, 200 + i);
            c.append(record("c" + i, ours, shiftedPredictions(ours, own)));
        }
        memorizer = write("memorizer.jsonl", m.toString());
        clean = write("clean.jsonl", c.toString());
    }

    private static int[] shiftedPredictions(int[] ours, int[] source) {
        int[] p = new int[ours.length];
        p[0] = -1;
        System.arraycopy(source, 1, p, 1, ours.length - 1);
        return p;
    }

    private static String record(String id, int[] tokens, int[] predicted) {
        String preds = Arrays.toString(Arrays.stream(predicted).mapToObj(v -> v < 0 ? "null" : Integer.toString(v))
                .toArray());
        return "{\"id\": \"" + id + "\", \"tokens\": " + Arrays.toString(tokens) + ", \"predicted_tokens\": " + preds
                + "}\n";
    }

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }

    private Cli.Result attribute(Path prof, Path reading, String... extra) {
        String[] base = {"attribute", "--profile", prof.toString(), "--keyset", keyset.toString(), "--reading",
            reading.toString(), "--control-seed", "5"};
        String[] args = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.run(args);
    }

    @Test
    void memorisingSuspectIsAttributedCleanOneIsNot() throws IOException {
        Cli.Result r = attribute(profile, memorizer, "--controls", "10");
        assertEquals(0, r.code(), r::toString);
        JsonNode o = JSON.readTree(r.out());
        assertEquals("reading", o.get("mode").asText());
        assertEquals("reading", o.get("parameters").get("mode").asText());
        assertEquals(30, o.get("num_answers").asInt());
        assertEquals(30, o.get("reading").get("num_texts").asInt());
        assertEquals(30 * 79, o.get("reading").get("num_positions_with_prediction").asInt());
        // 30 x 79 predictions equal to our delta = 2 tokens: green ~0.5 vs 0.25 over ~1,500 distinct tuples
        assertTrue(o.get("log10_p_value").asDouble() < -6, r::toString);
        assertEquals("attributed", o.get("verdict").asText());
        assertEquals(10, o.get("controls").get("random_keys").get("p_values").size());
        assertTrue(o.get("inputs").get("reading_file_sha256").asText().startsWith("sha256:"));
        assertTrue(o.get("curve").size() >= 5);

        Cli.Result c = attribute(profile, clean, "--controls", "0", "--format", "table");
        assertEquals(0, c.code(), c::toString);
        // null: p <= alpha = 1e-3 with probability <= 1e-3 (fixed seeds)
        assertTrue(c.out().contains("verdict: not attributed"), c::toString);
        assertTrue(c.out().contains("reading mode: texts 30"), c::toString);
    }

    @Test
    void openAiEchoRecordsAreAlignedByOffsets() throws IOException {
        TextTokenizer ours = Tokenizers.byId("cl100k_base");
        TextTokenizer theirs = Tokenizers.byId("r50k_base");
        String text = "The committee said that 12345 members voted, and the result was announced in Atlanta today.";
        TokenSpans sp = theirs.encodeWithOffsets(text);
        ObjectNode rec = JSON.createObjectNode();
        rec.put("id", "r-1");
        ArrayNode toks = rec.putArray("tokens");
        Arrays.stream(ours.encode(text)).forEach(toks::add);
        rec.put("prompt", text); // a probe record carries the text as "prompt"
        rec.put("request_sha256", "ignored"); // other probe fields are ignored
        ObjectNode lp = rec.putObject("logprobs");
        ArrayNode et = lp.putArray("tokens");
        ArrayNode off = lp.putArray("text_offset");
        ArrayNode top = lp.putArray("top_logprobs");
        for (int j = 0; j < sp.size(); j++) {
            et.add(sp.piece(j));
            off.add(sp.start(j));
            if (j == 0) {
                top.addNull();
            } else {
                top.addObject().put(sp.piece(j), -0.5).put(" zzz", -3.0); // top-1 is the highest log-probability
            }
        }
        Path f = write("echo.jsonl", JSON.writeValueAsString(rec) + "\n");
        Cli.Result r = attribute(textProfile, f, "--controls", "0");
        assertEquals(0, r.code(), r::toString);
        JsonNode al = JSON.readTree(r.out()).get("reading").get("alignment");
        assertEquals(sp.size() - 1, al.get("num_predictions").asInt());
        assertEquals(al.get("num_predictions").asInt(), al.get("num_aligned").asInt() + al.get("num_unaligned").asInt()
                + al.get("num_not_one_token").asInt());
        assertTrue(al.get("num_aligned").asInt() > 10, al::toString);
        // r50k splits "12345" differently from cl100k: something is dropped, and said so
        assertTrue(al.get("num_unaligned").asInt() + al.get("num_not_one_token").asInt() > 0, al::toString);

        // a probe record as it is (no "tokens"): our ids are the text's encoding under the profile's tokenizer
        rec.remove("tokens");
        rec.put("id", "r-2");
        Path g = write("probe.jsonl", JSON.writeValueAsString(rec) + "\n");
        Cli.Result r2 = attribute(textProfile, g, "--controls", "0");
        assertEquals(0, r2.code(), r2::toString);
        assertEquals(al, JSON.readTree(r2.out()).get("reading").get("alignment"));
    }

    @Test
    void badUsageAndInputAreNamed() throws IOException {
        Cli.Result r = Cli.run("attribute", "--profile", profile.toString(), "--keyset", keyset.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--reading"), r::toString);
        r = attribute(profile, memorizer, "--answers", memorizer.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        r = attribute(profile, memorizer, "--prompts", memorizer.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("closed"), r::toString);
        Path bad = write("short.jsonl", "{\"id\": \"x\", \"tokens\": [1, 2, 3], \"predicted_tokens\": [null, 2]}\n");
        r = attribute(profile, bad);
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("short.jsonl line 1") && r.err().contains("one entry per token"), r::toString);
        bad = write("both.jsonl", "{\"tokens\": [1, 2], \"predicted_tokens\": [null, 2], \"logprobs\": {}}\n");
        r = attribute(profile, bad);
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("exactly one of"), r::toString);
        bad = write("none-tok.jsonl", "{\"tokens\": [1, 2], \"text\": \"ab\", \"logprobs\": {\"text_offset\": [0, 1],"
                + " \"top_logprobs\": [null, {\"b\": -1}]}}\n");
        r = attribute(profile, bad);
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("tokenizer is 'none'"), r::toString);
        bad = write("garbage.jsonl", "{\"tokens\": [1, 2], \"predicted_tokens\": [null, 2]}\nnot json\n");
        r = attribute(profile, bad);
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("garbage.jsonl line 2"), r::toString);
    }
}
