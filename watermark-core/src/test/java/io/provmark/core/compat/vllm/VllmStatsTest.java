package io.provmark.core.compat.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.stats.LogTails;
import org.apache.commons.numbers.gamma.LogGamma;
import org.apache.commons.numbers.gamma.RegularizedGamma;
import org.junit.jupiter.api.Test;

/** The exact dual-key tail and the reproductions of upstream's formulas. */
class VllmStatsTest {

    /** n = 1: P(aX + bY >= s) = (a e^{-s/a} - b e^{-s/b}) / (a - b). */
    @Test
    void dualTailMatchesClosedFormForOneToken() {
        double[][] cases = {{0.9, 0.1, 0.5}, {0.9, 0.1, 5}, {0.7, 0.3, 12}, {0.6, 0.4, 30}, {0.99, 0.01, 3}};
        for (double[] c : cases) {
            double a = c[0];
            double b = c[1];
            double s = c[2];
            double expected = (a * Math.exp(-s / a) - b * Math.exp(-s / b)) / (a - b);
            VllmStats.LogTail t = VllmStats.dualGammaLogSurvival(1, a, b, s);
            assertTrue(t.exact());
            assertEquals(Math.log(expected), t.lnP(), 1e-11, "a=" + a + " s=" + s);
        }
    }

    /** n = 3 against numerical integration over G2: P = ∫ f(y) Q(n, (s - b y)/a) dy + Q(n, s/b). */
    @Test
    void dualTailMatchesNumericalIntegration() {
        int n = 3;
        double[][] cases = {{0.8, 0.2, 4}, {0.8, 0.2, 9}, {0.65, 0.35, 6}};
        for (double[] c : cases) {
            double a = c[0];
            double b = c[1];
            double s = c[2];
            double top = s / b;
            int steps = 20_000; // Simpson, smooth integrand: error far below 1e-10
            double h = top / steps;
            double sum = 0;
            for (int i = 0; i <= steps; i++) {
                double y = i * h;
                double f = Math.exp((n - 1) * Math.log(y) - y - LogGamma.value(n));
                if (y == 0) {
                    f = 0;
                }
                double g = f * RegularizedGamma.Q.value(n, Math.max(0, (s - b * y) / a));
                sum += g * (i == 0 || i == steps ? 1 : (i % 2 == 1 ? 4 : 2));
            }
            double p = sum * h / 3 + RegularizedGamma.Q.value(n, top);
            assertEquals(p, Math.exp(VllmStats.dualGammaLogSurvival(n, a, b, s).lnP()), 1e-10 * Math.max(1, p),
                    "a=" + a + " s=" + s);
        }
    }

    @Test
    void dualTailSpecialWeightsAndContinuity() {
        for (long n : new long[] {1, 10, 200}) {
            for (double s : new double[] {0.5 * n, n, 2.0 * n, 5.0 * n}) {
                double half = VllmStats.dualGammaLogSurvival(n, 0.5, 0.5, s).lnP();
                assertEquals(LogTails.gammaLogSurvival(2 * n, 2 * s), half, 1e-12);
                double near = VllmStats.dualGammaLogSurvival(n, 0.5 + 1e-7, 0.5 - 1e-7, s).lnP();
                assertEquals(half, near, 1e-5 * Math.max(1, -half), "n=" + n + " s=" + s);
                assertEquals(LogTails.gammaLogSurvival(n, s), VllmStats.dualGammaLogSurvival(n, 1, 0, s).lnP(), 0.0);
            }
        }
        // deep tail stays finite where vLLM's p_value underflows
        VllmStats.LogTail deep = VllmStats.dualGammaLogSurvival(2000, 0.9, 0.1, 9000);
        assertTrue(deep.exact());
        assertTrue(deep.lnP() < -1000 && Double.isFinite(deep.lnP()), String.valueOf(deep.lnP()));
        // monotone in s (up to the ~1e-13 absolute rounding of a sum of ~1e4 positive terms near p = 1)
        double prev = 0;
        for (double s = 10; s < 400; s += 10) {
            double l = VllmStats.dualGammaLogSurvival(100, 0.9, 0.1, s).lnP();
            assertTrue(l <= prev + 1e-12, "not monotone at s=" + s);
            prev = l;
        }
    }

    /** Alpha within ~1e-7 of 0 with many tokens: too many mixture terms, a rigorous Chernoff bound instead. */
    @Test
    void dualTailFallsBackToBoundWhenMixtureTooLong() {
        VllmStats.LogTail t = VllmStats.dualGammaLogSurvival(1000, 1 - 1e-7, 1e-7, 1500);
        assertFalse(t.exact());
        double nearlyExact = LogTails.gammaLogSurvival(1000, 1500 / (1 - 1e-7));
        assertTrue(t.lnP() >= nearlyExact - 1e-6, "bound below the tail");
        assertTrue(t.lnP() < nearlyExact + 10, "bound uselessly loose: " + t.lnP() + " vs " + nearlyExact);
    }

    /** vLLM's moment-matched p-value approximates the exact tail in the centre but drifts in the tail. */
    @Test
    void upstreamMomentMatchingIsOnlyApproximate() {
        long n = 200;
        double alpha = 0.1;
        double central = VllmStats.upstreamDualKeyPValue(n + 10, n, alpha);
        double exactCentral = Math.exp(VllmStats.dualGammaLogSurvival(n, 1 - alpha, alpha, n + 10).lnP());
        assertEquals(exactCentral, central, 0.01);
        double tail = VllmStats.upstreamDualKeyPValue(2.5 * n, n, alpha);
        double exactTail = Math.exp(VllmStats.dualGammaLogSurvival(n, 1 - alpha, alpha, 2.5 * n).lnP());
        assertTrue(Math.abs(Math.log(tail / exactTail)) > 0.01, "expected a visible approximation error in the tail");
    }

    @Test
    void upstreamGammaSurvivalMatchesExactTail() {
        for (long n : new long[] {1, 2, 17, 64, 400}) {
            for (double f : new double[] {0.5, 1, 1.3, 3}) {
                double s = f * n;
                double up = VllmStats.upstreamGammaSurvival(s, n);
                double exact = Math.exp(LogTails.gammaLogSurvival(n, s));
                assertEquals(exact, up, 1e-12 + 1e-10 * exact, "n=" + n + " s=" + s);
            }
        }
        assertEquals(0.0, VllmStats.upstreamGammaSurvival(2000, 200), "vLLM underflows to 0.0");
    }

    @Test
    void torchGammainccDiffersFromAccurateOnlyInTemmeRegime() {
        // continued-fraction regime: accurate
        assertEquals(RegularizedGamma.Q.value(10.0, 30.0), VllmStats.torchGammaincc(10.0, 30.0), 0.0);
        // Temme regime: relative shift of order 1e-9
        double q = RegularizedGamma.Q.value(60.0, 70.0);
        double t = VllmStats.torchGammaincc(60.0, 70.0);
        assertTrue(t != q && Math.abs(t - q) < 1e-8 * q, q + " vs " + t);
    }

    @Test
    void redGreenNullProbabilityIsNearGamma() {
        for (double g : new double[] {0.1, 0.25, 0.5, 0.75}) {
            double p0 = VllmDetector.redGreenNullProbability((float) g);
            assertEquals(g, p0, 0x1p-23);
        }
        // upstream's red-green binomial formula against the exact tail
        for (long n : new long[] {5, 50, 400}) {
            for (long k = 0; k <= n; k += Math.max(1, n / 7)) {
                double up = VllmStats.upstreamRedGreenPValue(k, n, 0.25);
                double exact = Math.exp(LogTails.binomialLogSurvival(n, k, 0.25));
                assertEquals(exact, up, 1e-13 + 1e-9 * exact, "n=" + n + " k=" + k);
            }
        }
        assertEquals(0.0, VllmStats.upstreamRedGreenPValue(6, 5, 0.25));
    }

    @Test
    void pythonRoundIsHalfToEven() {
        assertEquals(2, VllmStats.pythonRound(2.5));
        assertEquals(4, VllmStats.pythonRound(3.5));
        assertEquals(78, VllmStats.pythonRound(78.04));
    }
}
