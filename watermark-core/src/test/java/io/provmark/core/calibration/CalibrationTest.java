package io.provmark.core.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.stats.ExactBinomialTest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CalibrationTest {

    private static Calibration.Sample s(int scored, double p) {
        return new Calibration.Sample(scored, Math.log(p));
    }

    @Test
    void countsRejectionsOverallAndByBucket() {
        List<Calibration.Sample> xs = List.of(
                s(10, 0.005), s(49, 0.5), s(50, 0.0005), s(99, 0.2), s(150, 0.00005),
                s(250, 0.9), s(1000, 1.0), new Calibration.Sample(500, -5000.0)); // p underflows a double
        Calibration.Result r = Calibration.compute(xs);
        assertEquals(8, r.overall().documents());
        // p <= 1e-2: 0.005, 0.0005, 0.00005, e^-5000
        assertEquals(4, r.overall().levels().get(0).rejections());
        assertEquals(3, r.overall().levels().get(1).rejections());
        assertEquals(2, r.overall().levels().get(2).rejections());
        assertEquals(List.of("0-49", "50-99", "100-199", "200-399", ">=400"),
                r.buckets().stream().map(Calibration.Row::bucket).toList());
        assertEquals(List.of(2L, 2L, 1L, 1L, 2L), r.buckets().stream().map(Calibration.Row::documents).toList());
        assertEquals(1, r.buckets().get(0).levels().get(0).rejections());
        assertEquals(0, r.buckets().get(0).levels().get(1).rejections());
        assertEquals(1, r.buckets().get(4).levels().get(2).rejections());
        // half the documents rejected at 1e-2: far above alpha
        Calibration.Level l = r.overall().levels().get(0);
        assertEquals(0.5, l.fpr(), 0);
        assertFalse(l.consistent());
        assertFalse(r.overallConsistent());
        double[] ci = ExactBinomialTest.clopperPearson(8, 4, 0.99);
        assertEquals(ci[0], l.ciLower(), 0);
        assertEquals(ci[1], l.ciUpper(), 0);
        assertTrue(l.pExceeds() < 1e-6, "4 of 8 at alpha 1e-2 is hopeless: " + l.pExceeds());
    }

    @Test
    void emptyBucketHasNoRate() {
        Calibration.Result r = Calibration.compute(List.of(s(60, 0.3)));
        Calibration.Row empty = r.buckets().get(0);
        assertEquals(0, empty.documents());
        assertTrue(Double.isNaN(empty.levels().get(0).fpr()));
        assertTrue(empty.levels().get(0).consistent());
        assertEquals(1.0, r.overall().levels().get(0).pExceeds(), 0);
    }

    /**
     * Uniform p-values (a calibrated detector): every level must be consistent. Under the null the
     * lower 99% Clopper-Pearson limit exceeds alpha with probability at most 0.5% per level, so at
     * most 1.5% over the three levels; the seed is fixed, so the outcome is deterministic.
     */
    @Test
    void uniformPValuesAreConsistent() {
        SplittableRandom rnd = new SplittableRandom(20261128L);
        List<Calibration.Sample> xs = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            xs.add(new Calibration.Sample(rnd.nextInt(600), Math.log(1.0 - rnd.nextDouble())));
        }
        Calibration.Result r = Calibration.compute(xs);
        assertTrue(r.overallConsistent(), () -> r.overall().toString());
        for (Calibration.Level l : r.overall().levels()) {
            assertTrue(l.pExceeds() > 0.005, l::toString); // the same one-sided 0.5% event per level
        }
    }

    @Test
    void badInputIsRejectedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Calibration.compute(List.of()));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s(10, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new Calibration.Sample(-1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> Calibration.compute(List.of(s(1, 0.5)), new double[] {0}, new int[] {0}, 0.99));
        assertThrows(IllegalArgumentException.class,
                () -> Calibration.compute(List.of(s(1, 0.5)), new double[] {0.1}, new int[] {0, 0}, 0.99));
        assertThrows(IllegalArgumentException.class,
                () -> Calibration.compute(List.of(s(1, 0.5)), new double[] {0.1}, new int[] {5}, 0.99));
    }
}
