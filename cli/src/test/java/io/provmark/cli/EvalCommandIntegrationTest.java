package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.corpora.eval.WordNet;
import io.provmark.corpora.human.HumanCorpora;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code provmark eval --quick} with the built-in config on the real corpora: every scheme × attack is in the
 * table and the JSON, every plot exists and is well-formed SVG, and the derived keys appear nowhere. Skips,
 * saying so, when scripts/fetch-corpora.sh has not been run.
 */
class EvalCommandIntegrationTest {
    private static final List<String> SCHEMES = List.of("red-green", "gumbel", "synthid");

    @Test
    void quickRunWritesEverySchemeTimesAttack(@TempDir Path dir) throws Exception {
        Path data = HumanCorpora.dataDir();
        boolean present = HumanCorpora.available() && WordNet.available(data.resolve("wordnet"));
        String why = "SKIPPED: corpora or WordNet not fetched under " + data + "; run scripts/fetch-corpora.sh";
        if (!present) {
            System.err.println(why);
        }
        assumeTrue(present, why);

        Path out = dir.resolve("eval");
        Cli.Result r = Cli.run("eval", "--out", out.toString(), "--quick");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("wrote 11 files to " + out), r::toString);
        assertTrue(r.err().contains("eval: red-green: attack 16/16"), "progress on stderr:\n" + r.err());

        JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("results.json")));
        assertEquals("provmark-eval-v1", json.get("report").asText());
        List<String> attacks = new ArrayList<>();
        JsonNode defaults = new ObjectMapper().readTree(EvalCommand.class.getResourceAsStream(EvalCommand.DEFAULT_CONFIG));
        for (JsonNode a : defaults.get("attacks")) {
            String type = a.get("attack").asText();
            String param = null;
            for (String p : List.of("rate", "keep", "ratio", "temperature")) {
                if (a.has(p)) {
                    param = a.get(p).asText().replaceAll("\\.?0+$", "");
                }
            }
            attacks.add(param == null ? type : type + "-" + param);
        }
        assertEquals(16, attacks.size());
        String readme = Files.readString(out.resolve("README.md"));
        assertEquals(SCHEMES.size(), json.get("schemes").size());
        for (int s = 0; s < SCHEMES.size(); s++) {
            JsonNode sj = json.get("schemes").get(s);
            assertEquals(SCHEMES.get(s), sj.get("name").asText());
            assertEquals(attacks.size(), sj.get("attacks").size());
            assertEquals(80, sj.get("human_null").get("documents").asInt());
            for (int a = 0; a < attacks.size(); a++) {
                JsonNode aj = sj.get("attacks").get(a);
                assertEquals(attacks.get(a), aj.get("attack").asText());
                assertEquals(6, aj.get("texts").asInt());
                assertEquals(3, aj.get("tpr").size());
                double auc = aj.get("auc_vs_human").asDouble();
                assertTrue(auc >= 0 && auc <= 1, "auc " + auc);
            }
            // the unattacked watermark is found: 60 tokens at these settings give p far below 1e-2
            JsonNode none = sj.get("attacks").get(0);
            assertTrue(none.get("tpr").get(0).get("tpr").asDouble() >= 0.5, sj.toString());
            // the table section of this scheme has one row per attack
            int from = readme.indexOf("(`" + SCHEMES.get(s) + "`)");
            assertTrue(from >= 0, readme);
            int to = readme.indexOf("\n## ", from);
            String section = readme.substring(from, to < 0 ? readme.length() : to);
            for (String a : attacks) {
                assertTrue(section.contains("\n| " + a + " |"), "row " + a + " missing for " + SCHEMES.get(s));
            }
            for (String kind : List.of("roc", "pvalue", "hist")) {
                Path svg = out.resolve(kind + "-" + SCHEMES.get(s) + ".svg");
                assertTrue(Files.size(svg) > 500, svg.toString());
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setNamespaceAware(true);
                assertEquals("svg", f.newDocumentBuilder().parse(svg.toFile()).getDocumentElement().getLocalName());
                assertTrue(readme.contains("(" + kind + "-" + SCHEMES.get(s) + ".svg)"), "README links " + svg);
            }
            // keys are derived from the seed (docs/eval.md); their bytes appear in no output
            byte[] key = MessageDigest.getInstance("SHA-256").digest(("provmark-eval-key-v1|"
                    + defaults.get("seed").asLong() + "|" + SCHEMES.get(s)).getBytes(StandardCharsets.UTF_8));
            for (Path p : listFiles(out)) {
                String content = Files.readString(p);
                assertFalse(content.contains(HexFormat.of().formatHex(key)), p.toString());
                assertFalse(content.contains(Base64.getEncoder().encodeToString(key)), p.toString());
            }
        }
        assertFalse(r.all().contains(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(("provmark-eval-key-v1|" + defaults.get("seed").asLong() + "|red-green")
                        .getBytes(StandardCharsets.UTF_8)))));
    }

    private static List<Path> listFiles(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.toList();
        }
    }
}
