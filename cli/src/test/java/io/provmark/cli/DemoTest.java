package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The demo runs with no files and tells watermarked from plain text for every scheme.
 *
 * <p>The demo key is fresh from SecureRandom on every run, so plain-text p-values are uniform:
 * each of the three "plain" verdicts fails (p < 1e-3) with probability 1e-3, 3e-3 in all. With
 * the default 200 tokens the watermarked p-values are around 1e-30 (red-green) and far smaller
 * for gumbel and synthid, so a missed watermark is negligible next to that.
 */
class DemoTest {
    @Test
    void demoTellsThemApart() {
        Cli.Result r = Cli.run("demo");
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
}
