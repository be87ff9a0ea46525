package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short {@code demo --schemes} tour and the demo's option checks (the distillation job itself:
 * {@link DemoIntegrationTest}).
 *
 * <p>The tour's key is fresh from SecureRandom on every run, so plain-text p-values are uniform:
 * each of the three "plain" verdicts fails (p < 1e-3) with probability 1e-3, 3e-3 in all. With
 * the default 200 tokens the watermarked p-values are around 1e-30 (red-green) and far smaller
 * for gumbel and synthid, so a missed watermark is negligible next to that.
 */
class DemoTest {
    @Test
    void schemesTourTellsThemApart() {
        Cli.Result r = Cli.run("demo", "--schemes");
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        for (String scheme : new String[] {"red-green", "gumbel", "synthid"}) {
            String row = r.out().lines().filter(l -> l.startsWith(scheme + " ")).findFirst().orElseThrow();
            assertTrue(row.endsWith("ok: told apart"), r::toString);
        }
        assertTrue(r.out().contains("alpha"));
    }

    @Test
    void tokenCountIsValidated() {
        assertEquals(ExitCodes.USAGE, Cli.run("demo", "--tokens", "0").code());
    }

    @Test
    void refusesANonEmptyOutputDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("precious.txt"), "keep me");
        Cli.Result r = Cli.run("demo", "--quick", "--out", dir.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("is not empty") && r.err().contains("--force"), r::toString);
        // --force deletes only an earlier demo's output, never someone else's directory
        Cli.Result f = Cli.run("demo", "--quick", "--force", "--out", dir.toString());
        assertEquals(ExitCodes.BAD_INPUT, f.code(), f::toString);
        assertTrue(f.err().contains("refusing to delete"), f::toString);
        assertEquals("keep me", Files.readString(dir.resolve("precious.txt")));
    }

    @Test
    void refusesAFileAsOutputDirectory(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        Cli.Result r = Cli.run("demo", "--quick", "--out", file.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("not a directory"), r::toString);
    }
}
