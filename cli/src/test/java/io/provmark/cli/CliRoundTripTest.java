package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * keys create → profile create → watermarked token ids from core → detect, all through the CLI.
 *
 * <p>The key comes from {@code keys create}, i.e. from SecureRandom, so p-values of unwatermarked
 * text are uniform over the key: asserting p >= 1e-6 for them fails with probability at most 1e-6
 * per assertion. The watermarked sequence (400 tokens, red-green gamma 0.25 delta 2, Zipf exponent
 * 1.1) has a green fraction of about 0.70 (0.625..0.73 over 20 keys, log10 p -56..-90); p >= 1e-6
 * would need a fraction below about 0.36, and Azuma-Hoeffding bounds that by
 * exp(-2 * 400 * 0.3^2) < 1e-30.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliRoundTripTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VOCAB = 50_257;
    private static final int[] PROMPT = {10, 20, 30, 40};
    private static final double FLAG = 1e-6;

    Path dir;
    Path keyset;
    Path profile;
    Path jsonl;
    Profile prof;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        dir = tmp;
        keyset = dir.resolve("keys.pmk");
        profile = dir.resolve("profile.json");
        jsonl = dir.resolve("suspect.jsonl");
        Cli.Result r = Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "acme-1");
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", keyset.toString(),
                "--tokenizer", "r50k_base", "--out", profile.toString());
        assertEquals(0, r.code(), r::toString);
        prof = ProfileJson.read(Files.readString(profile));
        assertEquals("acme-1", prof.keyId());
        assertEquals(VOCAB, prof.vocabSize());

        Keyset ks = KeysetFile.read(keyset, Cli.PASS.toCharArray());
        WatermarkScheme scheme = Schemes.create(prof, ks.key(prof.keyId()));
        Generator gen = new Generator(new ZipfLogitsModel(VOCAB, 1.1, 2), 1.0);
        int[] marked = gen.generate(scheme.embedder(), PROMPT, 400, 11);
        int[] plain = gen.generate(null, PROMPT, 400, 12);
        Files.writeString(jsonl, line("\"wm\"", marked, PROMPT) + "\n" + line("2", plain, PROMPT) + "\n",
                StandardCharsets.UTF_8);
    }

    private static String line(String id, int[] tokens, int[] prompt) {
        return "{\"id\": " + id + ", \"tokens\": " + Arrays.toString(tokens) + ", \"prompt_tokens\": "
                + Arrays.toString(prompt) + "}";
    }

    private static List<JsonNode> parseLines(String out) throws IOException {
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (String l : out.split("\n")) {
            if (!l.isBlank()) {
                nodes.add(JSON.readTree(l));
            }
        }
        return nodes;
    }

    @Test
    void detectFindsTheWatermarkAndNotPlainText() throws IOException {
        Cli.Result r = Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--token-ids", jsonl.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        List<JsonNode> lines = parseLines(r.out());
        assertEquals(2, lines.size());
        JsonNode wm = lines.get(0);
        assertEquals("wm", wm.get("id").textValue());
        for (String f : List.of("id", "scheme", "num_scored", "statistic", "p_value", "log10_p_value", "z", "key_id",
                "num_tokens", "statistic_name", "exact", "dedup")) {
            assertTrue(wm.has(f), "missing field " + f + " in " + wm);
        }
        assertEquals("red-green", wm.get("scheme").textValue());
        assertEquals("acme-1", wm.get("key_id").textValue());
        assertEquals(400, wm.get("num_tokens").intValue());
        assertEquals("green_fraction", wm.get("statistic_name").textValue());
        assertTrue(wm.get("p_value").doubleValue() < FLAG, wm::toString);
        assertTrue(wm.get("log10_p_value").doubleValue() < -6, wm::toString);
        assertFalse(wm.has("positions"));

        JsonNode plain = lines.get(1);
        assertTrue(plain.get("id").isIntegralNumber());
        assertEquals(2, plain.get("id").intValue());
        assertTrue(plain.get("p_value").doubleValue() >= FLAG, plain::toString);
    }

    @Test
    void tableFormat() {
        Cli.Result r = Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--token-ids", jsonl.toString(), "--format", "table");
        assertEquals(0, r.code(), r::toString);
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("ID "), r::toString);
        assertTrue(lines[0].contains("P-VALUE") && lines[0].contains("LOG10 P") && lines[0].contains("VERDICT"));
        assertTrue(lines[1].startsWith("wm ") && lines[1].endsWith("WATERMARK"), lines[1]);
        assertTrue(lines[2].startsWith("2 ") && lines[2].endsWith("no evidence"), lines[2]);
        // aligned: every row's P-VALUE column ends where the header's does
        int end = lines[0].indexOf("P-VALUE") + "P-VALUE".length();
        assertEquals(' ', lines[1].charAt(end));
        assertTrue(lines[1].charAt(end - 1) != ' ' && lines[2].charAt(end - 1) != ' ');
    }

    @Test
    void perToken() throws IOException {
        Cli.Result r = Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--token-ids", jsonl.toString(), "--per-token");
        assertEquals(0, r.code(), r::toString);
        for (JsonNode n : parseLines(r.out())) {
            JsonNode pos = n.get("positions");
            assertEquals(400, pos.size());
            int scored = 0;
            for (int i = 0; i < pos.size(); i++) {
                JsonNode p = pos.get(i);
                assertEquals(i, p.get("index").intValue());
                String status = p.get("status").textValue();
                assertTrue(List.of("scored", "duplicate", "in-prompt", "partial-context", "eos", "after-eos")
                        .contains(status), status);
                if (status.equals("scored")) {
                    scored++;
                    double v = p.get("value").doubleValue();
                    assertTrue(v == 0.0 || v == 1.0, "red-green values are green indicators: " + v);
                } else {
                    assertTrue(p.get("value").isNull());
                }
            }
            assertEquals(n.get("num_scored").intValue(), scored);
        }
        Cli.Result t = Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--token-ids", jsonl.toString(), "--per-token", "--format", "table");
        assertEquals(0, t.code(), t::toString);
        assertTrue(t.out().contains("positions of wm (key acme-1):"), t::toString);
        assertTrue(t.out().contains("INDEX  TOKEN  STATUS"), t::toString);
    }

    @Test
    void textWithCl100k() throws IOException {
        Path clProfile = dir.resolve("cl100k.json");
        Cli.Result r = Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "acme-1", "--tokenizer",
                "cl100k_base", "--out", clProfile.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals(100_277, ProfileJson.read(Files.readString(clProfile)).vocabSize());
        String text = "The committee met on Tuesday to review the quarterly results. Revenue grew by four percent,"
                + " while costs stayed flat. The chair thanked the staff and closed the meeting at noon.\n";
        Path txt = dir.resolve("memo.txt");
        Files.writeString(txt, text, StandardCharsets.UTF_8);
        r = Cli.run("detect", "--profile", clProfile.toString(), "--keyset", keyset.toString(), "--text", txt.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode n = JSON.readTree(r.out());
        assertEquals(txt.toString(), n.get("id").textValue());
        assertEquals(Tokenizers.encode("cl100k_base", text).length, n.get("num_tokens").intValue());
        assertTrue(n.get("num_tokens").intValue() > 20);
        assertEquals("gumbel", n.get("scheme").textValue());
        assertTrue(n.get("p_value").doubleValue() >= FLAG, n::toString);

        // the same text from standard input
        Cli.Result s = Cli.runWith(Cli.env(), text.getBytes(StandardCharsets.UTF_8), null, "detect", "--profile",
                clProfile.toString(), "--keyset", keyset.toString(), "--text", "-");
        assertEquals(0, s.code(), s::toString);
        assertEquals(n.get("p_value"), JSON.readTree(s.out()).get("p_value"));
    }

    @Test
    void windowAndPromptExclusionOptions() throws IOException {
        Cli.Result r = Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--token-ids", jsonl.toString(), "--window", "50");
        assertEquals(0, r.code(), r::toString);
        JsonNode wm = parseLines(r.out()).get(0);
        JsonNode w = wm.get("window");
        assertTrue(w.get("windows_tried").longValue() >= 1);
        assertTrue(w.get("adjusted_p_value").doubleValue() < FLAG, wm::toString);
        assertTrue(w.get("end_token").intValue() > w.get("start_token").intValue());

        Cli.Result np = Cli.run("detect", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--token-ids", jsonl.toString(), "--no-prompt-exclusion");
        assertEquals(0, np.code(), np::toString);
    }

    @Test
    void allKeysAfterRotationNamesTheMatchingKey() throws IOException {
        Path copy = dir.resolve("rotated.pmk");
        Files.copy(keyset, copy);
        Cli.Result r = Cli.run("keys", "rotate", "--keyset", copy.toString(), "--id", "acme-2");
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("keys", "list", "--keyset", copy.toString());
        assertEquals(0, r.code(), r::toString);
        List<String> rows = Arrays.stream(r.out().split("\n")).collect(Collectors.toList());
        assertEquals(3, rows.size(), r::toString);
        assertTrue(rows.get(2).startsWith("*") && rows.get(2).contains("acme-2"), r::toString);

        r = Cli.run("detect", "--profile", profile.toString(), "--keyset", copy.toString(), "--token-ids",
                jsonl.toString(), "--all-keys");
        assertEquals(0, r.code(), r::toString);
        List<JsonNode> lines = parseLines(r.out());
        assertEquals("acme-1", lines.get(0).get("matched_key").textValue());
        assertEquals(2, lines.get(0).get("keys").size());
        assertTrue(lines.get(0).get("holm_p_value").doubleValue() < FLAG);
        assertTrue(lines.get(1).get("matched_key").isNull(), lines.get(1)::toString);
    }

    /**
     * Gumbel over 600 high-entropy tokens scores about log10 p = -1000 (the demo gives about -330
     * per 200 tokens), far below the double range (-323.3), so the p-value underflows: p_value is
     * then 0.0 and log10_p_value carries the evidence.
     */
    @Test
    void underflowingPValueIsReportedInLog10() throws IOException {
        Path gp = dir.resolve("gumbel.json");
        Cli.Result r = Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "acme-1", "--tokenizer",
                "none", "--vocab-size", Integer.toString(VOCAB), "--out", gp.toString());
        assertEquals(0, r.code(), r::toString);
        Profile g = ProfileJson.read(Files.readString(gp));
        Keyset ks = KeysetFile.read(keyset, Cli.PASS.toCharArray());
        int[] marked = new Generator(new ZipfLogitsModel(VOCAB, 1.1, 2), 1.0)
                .generate(Schemes.create(g, ks.key("acme-1")).embedder(), PROMPT, 600, 5);
        Path f = dir.resolve("gumbel.jsonl");
        Files.writeString(f, line("\"g\"", marked, PROMPT) + "\n");
        r = Cli.run("detect", "--profile", gp.toString(), "--keyset", keyset.toString(), "--token-ids", f.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode n = JSON.readTree(r.out());
        assertEquals(0.0, n.get("p_value").doubleValue(), r::toString);
        assertTrue(n.get("log10_p_value").doubleValue() < -330, r::toString);
        r = Cli.run("detect", "--profile", gp.toString(), "--keyset", keyset.toString(), "--token-ids", f.toString(),
                "--format", "table");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("10^-"), r::toString);
    }

    @Test
    void profileShow() {
        Cli.Result r = Cli.run("profile", "show", profile.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("red-green"));
        assertTrue(r.out().contains("gamma") && r.out().contains("0.25"));
        assertTrue(r.out().contains("acme-1"));
    }

    @Test
    void keysFingerprintMatchesCore() throws IOException {
        Cli.Result r = Cli.run("keys", "fingerprint", "--keyset", keyset.toString());
        assertEquals(0, r.code(), r::toString);
        Keyset ks = KeysetFile.read(keyset, Cli.PASS.toCharArray());
        assertEquals(ks.primary().fingerprint(), r.out().strip());
    }
}
