package io.provmark.corpora.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Metrics against hand-computed examples. */
class EvalMetricsTest {
    private static double[] ln(double... p) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Math.log(p[i]);
        }
        return out;
    }

    @Test
    void aucOfKnownScores() {
        // pos 2 beats 1 and ties 2: 1.5; pos 3 beats 1, 2 and ties 3: 2.5; pos 4 beats all three: 3 -> 7 / 9
        assertEquals(7.0 / 9.0, Metrics.auc(new double[] {1, 2, 3}, new double[] {2, 3, 4}), 1e-12);
        assertEquals(1.0, Metrics.auc(new double[] {1, 2}, new double[] {3, 4}), 0);
        assertEquals(0.0, Metrics.auc(new double[] {3, 4}, new double[] {1, 2}), 0);
        assertEquals(0.5, Metrics.auc(new double[] {5, 5, 5}, new double[] {5, 5}), 0);
        // order of the inputs does not matter
        assertEquals(7.0 / 9.0, Metrics.auc(new double[] {3, 1, 2}, new double[] {4, 2, 3}), 1e-12);
        // 2 negatives, 3 positives: pos 0.5 beats 0.1 only (1), pos 0.9 beats both (2), pos 0.2 beats 0.1 (1) -> 4/6
        assertEquals(4.0 / 6.0, Metrics.auc(new double[] {0.1, 0.7}, new double[] {0.5, 0.9, 0.2}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Metrics.auc(new double[0], new double[] {1}));
    }

    @Test
    void tprAtThresholdsFromExactPValues() {
        double[] lnP = ln(0.005, 0.01, 0.02, 0.0005, 1.0, 0.00005, 0.5, 0.3, 0.2, 0.0011);
        // p <= 1e-2: 0.005, 0.01, 0.0005, 0.00005, 0.0011 -> 5 of 10 (p = alpha counts)
        assertEquals(5, Metrics.countAtAlpha(lnP, 1e-2));
        assertEquals(0.5, Metrics.rateAtAlpha(lnP, 1e-2), 0);
        // p <= 1e-3: 0.0005, 0.00005 (0.0011 is above)
        assertEquals(0.2, Metrics.rateAtAlpha(lnP, 1e-3), 0);
        // p <= 1e-4: 0.00005
        assertEquals(0.1, Metrics.rateAtAlpha(lnP, 1e-4), 0);
        // underflowed p-values (ln p = -1000) still count
        assertEquals(1.0, Metrics.rateAtAlpha(new double[] {-1000, -5000}, 1e-4), 0);
        assertThrows(IllegalArgumentException.class, () -> Metrics.rateAtAlpha(lnP, 0));
        assertThrows(IllegalArgumentException.class, () -> Metrics.rateAtAlpha(new double[0], 0.01));
    }

    @Test
    void rocPoints() {
        double[][] roc = Metrics.roc(new double[] {1, 2}, new double[] {3, 4});
        assertArrayEquals(new double[] {0, 0, 0, 0.5, 1}, roc[0], 0);
        assertArrayEquals(new double[] {0, 0.5, 1, 1, 1}, roc[1], 0);
        // a tie between a negative and a positive moves both at once
        roc = Metrics.roc(new double[] {1, 2}, new double[] {2, 3});
        assertArrayEquals(new double[] {0, 0, 0.5, 1}, roc[0], 0);
        assertArrayEquals(new double[] {0, 0.5, 1, 1}, roc[1], 0);
    }

    @Test
    void rocAreaMatchesAuc() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        double[] neg = new double[300];
        double[] pos = new double[200];
        for (int i = 0; i < neg.length; i++) {
            neg[i] = Math.floor(r.nextGaussian() * 4) / 4; // ties on purpose
        }
        for (int i = 0; i < pos.length; i++) {
            pos[i] = Math.floor((r.nextGaussian() + 1) * 4) / 4;
        }
        double[][] roc = Metrics.roc(neg, pos);
        double area = 0;
        for (int i = 1; i < roc[0].length; i++) {
            area += (roc[0][i] - roc[0][i - 1]) * (roc[1][i] + roc[1][i - 1]) / 2; // trapezoids = ties count half
        }
        assertEquals(Metrics.auc(neg, pos), area, 1e-12);
        assertTrue(area > 0.6 && area < 0.9, "area " + area);
    }

    @Test
    void median() {
        assertEquals(2, Metrics.median(new double[] {3, 1, 2}), 0);
        assertEquals(2.5, Metrics.median(new double[] {4, 1, 3, 2}), 0);
        assertTrue(Double.isNaN(Metrics.median(new double[0])));
    }
}
