package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.compat.kgw.HfKgwCompat;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `provmark detect` on compat profiles: upstream's own fields plus our exact evidence. */
class CompatDetectTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HF_KGW = "{\"scheme\":\"hf-kgw\",\"vocab_size\":50257,"
            + "\"config\":{\"greenlist_ratio\":0.25,\"bias\":2.0,\"hashing_key\":15485863,"
            + "\"seeding_scheme\":\"lefthash\",\"context_width\":1}}";

    @SuppressWarnings("unchecked")
    private static HfKgwCompat hfKgw() throws IOException {
        return HfKgwCompat.fromProfile(JSON.readValue(HF_KGW, Map.class));
    }

    private static String line(String id, int[] tokens) {
        return "{\"id\":\"" + id + "\",\"tokens\":[" + Arrays.stream(tokens).mapToObj(Integer::toString)
                .collect(Collectors.joining(",")) + "]}";
    }

    @Test
    void hfKgwReportsUpstreamFieldsAndExactEvidence(@TempDir Path tmp) throws IOException {
        Path profile = tmp.resolve("hf.json");
        Files.writeString(profile, HF_KGW);
        Generator g = new Generator(new ZipfLogitsModel(50257, 1.1, 2), 1.0);
        int[] prompt = {464, 2068, 7586};
        int[] marked = g.generate(hfKgw().embedder(), prompt, 200, 11);
        int[] plain = g.generate(null, prompt, 200, 12);
        Path ids = tmp.resolve("ids.jsonl");
        Files.writeString(ids, line("marked", marked) + "\n" + line("plain", plain) + "\n");

        Cli.Result r = Cli.run("detect", "--profile", profile.toString(), "--token-ids", ids.toString());
        assertEquals(0, r.code(), r.toString());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.toString());
        JsonNode m = JSON.readTree(lines[0]);
        assertEquals("hf-kgw", m.get("scheme").asText());
        for (String f : new String[] {"num_tokens_scored", "num_green_tokens", "green_fraction", "z_score", "p_value",
            "prediction"}) {
            assertTrue(m.get("upstream").has(f), "upstream lacks " + f + ": " + lines[0]);
        }
        // seeded generation with delta 2 on a high-entropy model: log10 p near -20 or below; 1e-6 leaves a wide margin
        assertTrue(m.get("evidence").get("log10_p_value").asDouble() < -6, lines[0]);
        assertTrue(m.get("upstream").get("prediction").asBoolean(), lines[0]);
        assertTrue(m.get("notes").isArray() && m.get("notes").size() > 0, lines[0]);
        JsonNode p = JSON.readTree(lines[1]);
        // plain text: p < 1e-3 by chance has probability 1e-3 for this fixed seed's draw
        assertTrue(p.get("evidence").get("log10_p_value").asDouble() > -3, lines[1]);
        assertFalse(r.all().contains("15485863"), "compat key leaked");

        Cli.Result table = Cli.run("detect", "--profile", profile.toString(), "--token-ids", ids.toString(),
                "--format", "table");
        assertEquals(0, table.code(), table.toString());
        assertTrue(table.out().contains("marked") && table.out().contains("hf-kgw"), table.toString());
    }

    @Test
    void badCompatProfileNamesTheField(@TempDir Path tmp) throws IOException {
        Path profile = tmp.resolve("bad.json");
        Files.writeString(profile, "{\"scheme\":\"vllm\",\"config\":{\"algorithm\":\"nope\"},\"vocab_size\":32000}");
        Path ids = tmp.resolve("ids.jsonl");
        Files.writeString(ids, "{\"tokens\":[1,2,3]}\n");
        Cli.Result r = Cli.run("detect", "--profile", profile.toString(), "--token-ids", ids.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r.toString());
        assertTrue(r.err().contains("config.algorithm"), r.toString());
    }

    @Test
    void compatNeedsTokenIds(@TempDir Path tmp) throws IOException {
        Path profile = tmp.resolve("hf.json");
        Files.writeString(profile, HF_KGW);
        Path text = tmp.resolve("a.txt");
        Files.writeString(text, "hello world");
        Cli.Result r = Cli.run("detect", "--profile", profile.toString(), "--text", text.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r.toString());
        assertTrue(r.err().contains("--token-ids"), r.toString());
    }

    @Test
    void provmarkProfileStillNeedsKeyset(@TempDir Path tmp) throws IOException {
        Cli.Result created = Cli.run("profile", "create", "--scheme", "red-green", "--key-id", "k-1",
                "--tokenizer", "none", "--vocab-size", "1000", "--out", tmp.resolve("p.json").toString());
        assertEquals(0, created.code(), created.toString());
        Path ids = tmp.resolve("ids.jsonl");
        Files.writeString(ids, "{\"tokens\":[1,2,3]}\n");
        Cli.Result r = Cli.run("detect", "--profile", tmp.resolve("p.json").toString(), "--token-ids", ids.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("--keyset"), r.toString());
    }
}
