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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code provmark attribute} end to end in-process. The statistics are tested in watermark-core
 * (CorpusAttributionTest); here watermarked generations stand in for a distilled student.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttributeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VOCAB = 1000;

    Path dir;
    Path keyset;
    Path profile;
    Path marked;
    Path clean;
    Path prompts;
    Path copier;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        dir = tmp;
        keyset = dir.resolve("keys.pmk");
        profile = dir.resolve("profile.json");
        Cli.Result r = Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "acme-1");
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", keyset.toString(),
                "--tokenizer", "none", "--vocab-size", Integer.toString(VOCAB), "--out", profile.toString());
        assertEquals(0, r.code(), r::toString);
        // a second cohort key, never used to watermark anything here
        r = Cli.run("keys", "rotate", "--keyset", keyset.toString(), "--id", "acme-2");
        assertEquals(0, r.code(), r::toString);
        Profile prof = ProfileJson.read(Files.readString(profile));
        assertEquals("acme-1", prof.keyId());
        Keyset ks = KeysetFile.read(keyset, Cli.PASS.toCharArray());
        var emb = Schemes.create(prof, ks.key("acme-1")).embedder();
        Generator gen = new Generator(new ZipfLogitsModel(VOCAB, 1.0, 1), 1.0);
        StringBuilder m = new StringBuilder();
        StringBuilder c = new StringBuilder();
        StringBuilder p = new StringBuilder();
        StringBuilder q = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            int[] prompt = {i, i + 1, i + 2};
            m.append(line("m" + i, gen.generate(emb, prompt, 60, 100 + i), prompt));
            c.append(line("c" + i, gen.generate(null, prompt, 60, 200 + i), prompt));
            int[] wmPrompt = gen.generate(emb, prompt, 60, 300 + i);
            p.append(line("p" + i, wmPrompt, new int[0]));
            // a clean "student" that answers by quoting the watermarked prompt verbatim
            q.append(line("q" + i, wmPrompt, new int[0]));
        }
        marked = write("marked.jsonl", m);
        clean = write("clean.jsonl", c);
        prompts = write("prompts.jsonl", p);
        copier = write("copier.jsonl", q);
    }

    private Path write(String name, StringBuilder content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content.toString(), StandardCharsets.UTF_8);
        return f;
    }

    private static String line(String id, int[] tokens, int[] prompt) {
        return "{\"id\": \"" + id + "\", \"tokens\": " + Arrays.toString(tokens) + ", \"prompt_tokens\": "
                + Arrays.toString(prompt) + "}\n";
    }

    private Cli.Result attribute(Path answers, String... extra) {
        String[] base = {"attribute", "--profile", profile.toString(), "--keyset", keyset.toString(), "--answers",
            answers.toString(), "--control-seed", "5"};
        String[] args = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.run(args);
    }

    @Test
    void watermarkedAnswersAreAttributedToTheRightKey() throws IOException {
        Cli.Result r = attribute(marked, "--all-keys", "--controls", "10");
        assertEquals(0, r.code(), r::toString);
        JsonNode o = JSON.readTree(r.out());
        assertEquals(30, o.get("num_answers").asInt());
        assertEquals(1800, o.get("num_tokens").asInt());
        assertTrue(o.get("num_scored").asInt() > 1000);
        // 1,800 delta = 2 tokens: green ~0.5 vs 0.25, z > 20; the 1e-6 bar has a huge margin
        assertTrue(o.get("log10_p_value").asDouble() < -6, r::toString);
        assertEquals("attributed", o.get("verdict").asText());
        assertEquals("[\"acme-1\"]", o.get("attributed_keys").toString());
        assertEquals(2, o.get("per_key").size());
        assertEquals(10, o.get("controls").get("random_keys").get("p_values").size());
        assertTrue(o.get("controls").get("random_keys").has("ks_p_value"));
        assertTrue(o.get("curve").size() >= 5);
        assertEquals("corpus", o.get("parameters").get("dedup_scope").asText());
        assertTrue(o.get("inputs").get("answers_file_sha256").asText().startsWith("sha256:"));
        assertFalse(r.all().contains("material"));
    }

    @Test
    void cleanAnswersAreNotAttributed() throws IOException {
        Cli.Result r = attribute(clean, "--controls", "0");
        assertEquals(0, r.code(), r::toString);
        JsonNode o = JSON.readTree(r.out());
        // null text: p <= alpha = 1e-3 has probability <= 1e-3 (fixed seeds here)
        assertEquals("not attributed", o.get("verdict").asText(), r::toString);
        assertTrue(o.get("controls").get("random_keys").isNull());
    }

    @Test
    void promptCopyTrapIsClosedByPromptExclusion() throws IOException {
        Cli.Result on = attribute(copier, "--prompts", prompts.toString(), "--controls", "0");
        assertEquals(0, on.code(), on::toString);
        JsonNode o = JSON.readTree(on.out());
        assertEquals(0, o.get("num_scored").asInt(), "every quoted tuple is in a prompt");
        assertEquals("not attributed", o.get("verdict").asText());
        Cli.Result off = attribute(copier, "--prompts", prompts.toString(), "--controls", "0",
                "--no-prompt-exclusion");
        assertEquals(0, off.code(), off::toString);
        // the false positive the exclusion prevents
        assertEquals("attributed", JSON.readTree(off.out()).get("verdict").asText());
    }

    @Test
    void tableOutFileReferenceAndTeacherFilter() throws IOException {
        Path out = dir.resolve("report.json");
        Cli.Result r = attribute(marked, "--format", "table", "--out", out.toString(), "--reference",
                clean.toString(), "--teacher-outputs", marked.toString(), "--min-context-count", "1",
                "--controls", "5");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("verdict: ATTRIBUTED (acme-1)"), r::toString);
        assertTrue(r.out().contains("controls: 5 random keys"), r::toString);
        assertTrue(r.out().contains("reference corpus under acme-1"), r::toString);
        JsonNode o = JSON.readTree(Files.readString(out));
        assertEquals(1, o.get("parameters").get("min_context_count").asInt());
        assertEquals(1, o.get("controls").get("reference").size());
        assertTrue(o.get("inputs").get("num_frequent_contexts").asInt() > 0);
        // --out never silently replaces a report
        Cli.Result again = attribute(marked, "--out", out.toString(), "--controls", "0");
        assertEquals(ExitCodes.BAD_INPUT, again.code(), again::toString);
    }

    @Test
    void badUsageAndInputAreNamed() throws IOException {
        Cli.Result r = attribute(marked, "--min-context-count", "3");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--teacher-outputs"), r::toString);
        Path bad = write("bad.jsonl", new StringBuilder("{\"id\": 1, \"tokens\": [1, 2, 5000]}\n"));
        r = attribute(bad);
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("bad.jsonl"), r::toString);
        r = attribute(marked, "--format", "xml");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
    }
}
