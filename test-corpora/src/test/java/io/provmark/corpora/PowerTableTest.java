package io.provmark.corpora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test of the power table at tiny sizes (the real run is documented in docs/statistics.md). */
class PowerTableTest {
    private static final PowerTable.Options TINY =
            new PowerTable.Options(3, 300, new int[] {40, 10}, new double[] {1.1, 3.0}, 1);

    @Test
    void tinyTableIsCompleteAndDeterministic() throws Exception {
        PowerTable.Result a = PowerTable.run(TINY);
        PowerTable.Result b = PowerTable.run(new PowerTable.Options(3, 300, new int[] {10, 40}, new double[] {1.1, 3.0}, 2));
        int rows = PowerTable.Row.values().length;
        assertEquals(2, a.cells().length);
        for (int x = 0; x < 2; x++) {
            assertEquals(rows, a.cells()[x].length);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < 2; j++) {
                    PowerTable.Cell c = a.cells()[x][r][j];
                    assertTrue(c.log10MedianP() <= 0 && c.detectedFraction() >= 0 && c.detectedFraction() <= 1);
                    // thread count does not change the result
                    assertEquals(c, b.cells()[x][r][j]);
                }
                // longer texts: more evidence (median over the same 3 texts, prefix of the same text)
                assertTrue(a.cells()[x][r][1].log10MedianP() <= a.cells()[x][r][0].log10MedianP() + 1.0);
            }
        }
        assertTrue(a.entropyNats()[0] > a.entropyNats()[1]);
        assertArrayEquals(new int[] {10, 40}, a.options().lengths());
        String md = PowerTable.markdown(a);
        for (PowerTable.Row row : PowerTable.Row.values()) {
            assertTrue(md.contains("| " + row.label + " |"), row.label);
        }
        assertTrue(md.contains("| 10 tokens | 40 tokens |"), md);
    }

    @Test
    void cellIsTheMedianOfLog10PAndTheDetectedFraction() {
        PowerTable.Cell c = PowerTable.cell(new double[] {-1, -10, -2, -5});
        assertEquals(-3.5, c.log10MedianP(), 0.0);
        assertEquals(0.5, c.detectedFraction(), 0.0); // -10 and -5 are below log10(1e-3)
        assertEquals(-2, PowerTable.cell(new double[] {-2, -3, 0}).log10MedianP(), 0.0);
    }

    @Test
    void mainWritesTheFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sub/power.md");
        PowerTable.main(new String[] {out.toString(), "--seeds", "2", "--vocab", "200", "--lengths", "8,16",
                "--exponents", "1.5", "--threads", "1"});
        String md = Files.readString(out);
        assertTrue(md.contains("Zipf exponent 1.5"), md);
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> PowerTable.main(new String[] {"--seeds", "0"}));
        assertTrue(x.getMessage().contains("--seeds"), x.getMessage());
        x = assertThrows(IllegalArgumentException.class, () -> PowerTable.main(new String[] {"--bogus"}));
        assertTrue(x.getMessage().contains("--bogus"), x.getMessage());
    }
}
