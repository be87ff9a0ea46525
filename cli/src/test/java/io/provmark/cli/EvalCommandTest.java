package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** provmark eval: bad configs and missing corpora stop before any work, with a message naming the problem. */
class EvalCommandTest {
    private static final String OK_SCHEMES = "\"schemes\": [{\"scheme\": \"red-green\"}]";
    private static final String OK_ATTACKS = "\"attacks\": [{\"attack\": \"none\"}]";

    private static Cli.Result eval(Path config, Path out, String... extra) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("eval"));
        if (config != null) {
            args.addAll(java.util.List.of("--config", config.toString()));
        }
        args.addAll(java.util.List.of("--out", out.toString(), "--threads", "1"));
        args.addAll(java.util.List.of(extra));
        return Cli.run(args.toArray(new String[0]));
    }

    private static Cli.Result evalJson(Path dir, String json) throws IOException {
        Path cfg = dir.resolve("eval.json");
        Files.writeString(cfg, json);
        return eval(cfg, dir.resolve("out"));
    }

    private static void assertBadInput(Cli.Result r, String expected, Path dir) {
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("provmark: error: "), r::toString);
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in\n" + r);
        assertFalse(Files.exists(dir.resolve("out").resolve("README.md")), "nothing written");
    }

    @Test
    void unknownSchemeIsNamed(@TempDir Path dir) throws IOException {
        assertBadInput(evalJson(dir, "{\"schemes\": [{\"scheme\": \"purple\"}], " + OK_ATTACKS + "}"),
                "schemes[0]: unknown scheme 'purple'; known: red-green, gumbel, synthid", dir);
    }

    @Test
    void unknownAttackIsNamed(@TempDir Path dir) throws IOException {
        assertBadInput(evalJson(dir, "{" + OK_SCHEMES + ", \"attacks\": [{\"attack\": \"translate\"}]}"),
                "attacks[0]: unknown attack 'translate'", dir);
    }

    @Test
    void badParameterAndUnknownKey(@TempDir Path dir) throws IOException {
        assertBadInput(evalJson(dir, "{" + OK_SCHEMES + ", \"attacks\": [{\"attack\": \"crop\", \"keep\": 0}]}"),
                "keep must be in (0, 1]", dir);
        assertBadInput(evalJson(dir, "{" + OK_SCHEMES + ", " + OK_ATTACKS + ", \"seeed\": 1}"),
                "unknown key \"seeed\"", dir);
        assertBadInput(evalJson(dir, "{" + OK_SCHEMES + ", "), "is not valid JSON", dir);
    }

    @Test
    void missingCorpusIsNamed(@TempDir Path dir) throws IOException {
        Path empty = Files.createDirectories(dir.resolve("no-corpora"));
        String json = "{" + OK_SCHEMES + ", " + OK_ATTACKS + ", \"data_dir\": \""
                + empty.toString().replace("\\", "\\\\") + "\"}";
        Cli.Result r = evalJson(dir, json);
        assertBadInput(r, "Brown corpus not found", dir);
        assertTrue(r.err().contains("scripts/fetch-corpora.sh"), r::toString);
    }

    @Test
    void missingConfigFileAndBadOptions(@TempDir Path dir) {
        Cli.Result r = eval(dir.resolve("nope.json"), dir.resolve("out"));
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("config not found"), r::toString);
        r = Cli.run("eval", "--out", dir.resolve("out").toString(), "--threads", "0");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--threads must be in 1..1024"), r::toString);
        r = Cli.run("eval");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--out"), r::toString);
    }

    @Test
    void outMustBeADirectory(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        Cli.Result r = eval(null, file);
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("is not a directory"), r::toString);
    }
}
