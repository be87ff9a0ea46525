package io.provmark.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MultiplicityTest {

    private static double[] ln(double... p) {
        double[] r = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            r[i] = Math.log(p[i]);
        }
        return r;
    }

    @Test
    void holmHandWorkedExample() {
        // p = (0.01, 0.04, 0.03, 0.005), m = 4. Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03,
        // 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06. Back in input order:
        double[] adjusted = Multiplicity.holm(ln(0.01, 0.04, 0.03, 0.005));
        assertArrayEquals(ln(0.03, 0.06, 0.06, 0.02), adjusted, 1e-12);
    }

    @Test
    void holmCapsAtOneAndHandlesUnderflowedValues() {
        double[] adjusted = Multiplicity.holm(new double[] {Math.log(0.6), -5000.0, Math.log(0.5)});
        // Sorted: -5000 (x3), 0.5 (x2 = 1.0 -> capped), 0.6 (x1 -> max with 1.0).
        assertEquals(0.0, adjusted[0]);
        assertEquals(-5000.0 + Math.log(3), adjusted[1], 1e-9);
        assertEquals(0.0, adjusted[2]);
        assertArrayEquals(new double[0], Multiplicity.holm(new double[0]));
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY},
                Multiplicity.holm(new double[] {Double.NEGATIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> Multiplicity.holm(new double[] {Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> Multiplicity.holm(new double[] {0.1}));
    }

    @Test
    void bonferroni() {
        assertEquals(Math.log(0.05), Multiplicity.bonferroni(Math.log(0.001), 50), 1e-12);
        assertEquals(0.0, Multiplicity.bonferroni(Math.log(0.3), 10));
        assertEquals(-3000 + Math.log(1e6), Multiplicity.bonferroni(-3000, 1_000_000), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Multiplicity.bonferroni(-1, 0));
    }
}
