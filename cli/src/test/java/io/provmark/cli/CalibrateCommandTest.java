package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.key.WatermarkKey;
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
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * provmark calibrate on a null corpus (uniformly random token ids, 300 documents) and a watermarked
 * one. The key comes from SecureRandom; for the null corpus each document is rejected at 1e-2 with
 * probability at most 1e-2 (exact, conservative p-values), so 16 or more rejections out of 300 has
 * probability P(Bin(300, 0.01) >= 16) < 1e-7.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CalibrateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VOCAB = 100_277;

    Path dir;
    Path keyset;
    Path profile;
    Path corpus;
    Profile prof;
    WatermarkKey key;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        dir = tmp;
        keyset = dir.resolve("k.pmk");
        profile = dir.resolve("p.json");
        corpus = dir.resolve("human.jsonl");
        Cli.Result r = Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "cal-1");
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", keyset.toString(),
                "--tokenizer", "cl100k_base", "--gamma", "0.25", "--delta", "2", "--context-width", "1",
                "--out", profile.toString());
        assertEquals(0, r.code(), r::toString);
        prof = ProfileJson.read(Files.readString(profile));
        key = KeysetFile.read(keyset, Cli.PASS.toCharArray()).key("cal-1");
        SplittableRandom rnd = new SplittableRandom(7);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            int len = 10 + rnd.nextInt(600);
            String toks = Arrays.stream(rnd.ints(len, 0, VOCAB).toArray()).mapToObj(Integer::toString)
                    .collect(Collectors.joining(","));
            sb.append("{\"id\":\"d").append(i).append("\",\"genre\":\"x\",\"tokens\":[").append(toks).append("]}\n");
        }
        sb.append("{\"id\":7,\"text\":\"The jury said it did find that many of Georgia's registration laws are"
                + " outmoded or inadequate and often ambiguous.\"}\n");
        Files.writeString(corpus, sb.toString());
    }

    @Test
    void jsonReportOnNullCorpus() throws IOException {
        Path out = dir.resolve("cal.json");
        Cli.Result r = Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--corpus", corpus.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode rep = JSON.readTree(r.out());
        assertEquals(rep, JSON.readTree(Files.readString(out)), "stdout and --out carry the same report");
        assertEquals("provmark-calibration-v1", rep.get("report").asText());
        assertEquals(key.fingerprint(), rep.get("key_fingerprint").asText());
        assertEquals("cal-1", rep.get("key_id").asText());
        assertEquals("red-green", rep.get("profile").get("scheme").asText());
        assertEquals(301, rep.get("corpus").get("documents").asInt());
        assertEquals(CalibrateCommand.sha256(Files.readAllBytes(corpus)), rep.get("corpus").get("sha256").asText());
        assertTrue(rep.get("date").asText().endsWith("Z"));
        assertEquals(0.99, rep.get("confidence").asDouble());
        JsonNode overall = rep.get("overall");
        assertEquals(301, overall.get("documents").asInt());
        assertEquals(3, overall.get("levels").size());
        assertEquals(0.01, overall.get("levels").get(0).get("alpha").asDouble());
        assertTrue(overall.get("levels").get(0).get("rejections").asInt() <= 15, overall::toString);
        assertEquals(5, rep.get("buckets").size());
        int sum = 0;
        for (JsonNode b : rep.get("buckets")) {
            sum += b.get("documents").asInt();
        }
        assertEquals(301, sum);
        String material = HexFormat.of().formatHex(key.material());
        assertFalse(r.all().contains(material), "key material must never be printed");
    }

    @Test
    void tableFormat() {
        Cli.Result r = Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--corpus", corpus.toString(), "--format", "table");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("BUCKET"), r::toString);
        assertTrue(r.out().contains(">=400"), r::toString);
        assertTrue(r.out().contains(key.fingerprint()), r::toString);
    }

    /** Every document watermarked (400 tokens each, p far below 1e-4; see CliRoundTripTest): FPR 1. */
    @Test
    void watermarkedCorpusIsFlaggedInconsistent() throws IOException {
        Generator gen = new Generator(new ZipfLogitsModel(VOCAB, 1.1, 2), 1.0);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            int[] t = gen.generate(Schemes.create(prof, key).embedder(), new int[] {1, 2}, 400, i);
            sb.append("{\"tokens\":").append(Arrays.toString(t).replace(" ", "")).append("}\n");
        }
        Path wm = dir.resolve("wm.jsonl");
        Files.writeString(wm, sb.toString());
        Cli.Result r = Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--corpus", wm.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode rep = JSON.readTree(r.out());
        assertFalse(rep.get("consistent").asBoolean());
        assertEquals(5, rep.get("overall").get("levels").get(2).get("rejections").asInt());
    }

    @Test
    void badCorporaGiveClearErrors() throws IOException {
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "\n\n");
        Cli.Result r = Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--corpus", empty.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("has no documents"), r::toString);

        Path both = dir.resolve("both.jsonl");
        Files.writeString(both, "{\"id\":1,\"text\":\"a\",\"tokens\":[1]}\n");
        r = Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--corpus", both.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("line 1") && r.err().contains("exactly one of"), r::toString);

        Path big = dir.resolve("big.jsonl");
        Files.writeString(big, "{\"id\":1,\"tokens\":[1,100277]}\n", StandardCharsets.UTF_8);
        r = Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--corpus", big.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("tokens[1]"), r::toString);

        Path exists = dir.resolve("exists.json");
        Files.writeString(exists, "{}");
        r = Cli.run("calibrate", "--profile", profile.toString(), "--keyset", keyset.toString(),
                "--corpus", corpus.toString(), "--out", exists.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("--force"), r::toString);
    }
}
