package io.provmark.core.attribution;

import java.util.Arrays;

/**
 * One-sample two-sided Kolmogorov-Smirnov test against Uniform(0, 1).
 *
 * <p>The p-value P(D_n &gt;= d) is exact (Marsaglia, Tsang and Wang 2003, "Evaluating Kolmogorov's
 * distribution", J. Stat. Softw. 8(18)) while its matrix is small (m = 2 ceil(n d) - 1 &lt;= 301);
 * otherwise, and only then, the Kolmogorov limit with Stephens' finite-n correction
 * {@code Q((sqrt n + 0.12 + 0.11 / sqrt n) d)} is used (error well under 1% of p for n &gt;= 5 in the
 * range where it is used; d that large gives tiny p anyway).
 */
public final class KolmogorovSmirnov {
    private static final int MAX_EXACT_MATRIX = 301;

    private KolmogorovSmirnov() {
    }

    /** Test result: the statistic D_n, its p-value and whether that p-value is exact. */
    public record Result(int n, double statistic, double pValue, boolean exact) {
    }

    /** Tests that {@code values} (each in [0, 1]) are a sample of Uniform(0, 1). */
    public static Result uniformTest(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("the KS test needs at least one value");
        }
        double[] x = values.clone();
        for (double v : x) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("KS uniformity test: value " + v + " is outside [0, 1]");
            }
        }
        Arrays.sort(x);
        int n = x.length;
        double d = 0;
        for (int i = 0; i < n; i++) {
            d = Math.max(d, Math.max((i + 1.0) / n - x[i], x[i] - (double) i / n));
        }
        int k = (int) Math.ceil(n * d - 1e-12);
        boolean exact = 2 * k - 1 <= MAX_EXACT_MATRIX;
        double p = exact ? 1.0 - cdfExact(n, d) : asymptoticSurvival(n, d);
        return new Result(n, d, Math.min(1.0, Math.max(0.0, p)), exact);
    }

    /** P(D_n &lt; d) by Marsaglia-Tsang-Wang: (H^n)_{k,k} n! / n^n with exponent tracking. */
    static double cdfExact(int n, double d) {
        if (d <= 0.5 / n) {
            return 0.0;
        }
        if (d >= 1.0) {
            return 1.0;
        }
        int k = (int) (n * d) + 1;
        int m = 2 * k - 1;
        double h = k - n * d;
        double[] hm = new double[m * m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                hm[i * m + j] = i - j + 1 < 0 ? 0 : 1;
            }
        }
        for (int i = 0; i < m; i++) {
            hm[i * m] -= Math.pow(h, i + 1);
            hm[(m - 1) * m + i] -= Math.pow(h, m - i);
        }
        hm[(m - 1) * m] += 2 * h - 1 > 0 ? Math.pow(2 * h - 1, m) : 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                if (i - j + 1 > 0) {
                    for (int g = 1; g <= i - j + 1; g++) {
                        hm[i * m + j] /= g;
                    }
                }
            }
        }
        int[] eq = new int[1];
        double[] q = matrixPower(hm, m, n, eq);
        double s = q[(k - 1) * m + k - 1];
        int e = eq[0];
        // multiply by n!/n^n step by step, rescaling to keep s in range
        for (int i = 1; i <= n; i++) {
            s = s * i / n;
            if (s < 1e-140) {
                s *= 1e140;
                e -= 140;
            }
        }
        return s * Math.pow(10, e);
    }

    private static double[] matrixPower(double[] a, int m, int n, int[] exp) {
        if (n == 1) {
            exp[0] = 0;
            return a.clone();
        }
        int[] half = new int[1];
        double[] v = matrixPower(a, m, n / 2, half);
        double[] b = multiply(v, v, m);
        int eb = 2 * half[0];
        if (n % 2 == 1) {
            b = multiply(a, b, m);
        }
        if (b[(m / 2) * m + m / 2] > 1e140) {
            for (int i = 0; i < m * m; i++) {
                b[i] *= 1e-140;
            }
            eb += 140;
        }
        exp[0] = eb;
        return b;
    }

    private static double[] multiply(double[] a, double[] b, int m) {
        double[] c = new double[m * m];
        for (int i = 0; i < m; i++) {
            for (int l = 0; l < m; l++) {
                double av = a[i * m + l];
                if (av == 0) {
                    continue;
                }
                for (int j = 0; j < m; j++) {
                    c[i * m + j] += av * b[l * m + j];
                }
            }
        }
        return c;
    }

    /** Kolmogorov survival Q(t) = 2 sum (-1)^(j-1) exp(-2 j^2 t^2) at Stephens' corrected t. */
    static double asymptoticSurvival(int n, double d) {
        double sn = Math.sqrt(n);
        double t = (sn + 0.12 + 0.11 / sn) * d;
        if (t < 0.2) {
            return 1.0;
        }
        double sum = 0;
        for (int j = 1; j <= 100; j++) {
            double term = Math.exp(-2.0 * j * j * t * t);
            sum += (j % 2 == 1 ? term : -term);
            if (term < 1e-300 || term < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return Math.min(1.0, 2 * sum);
    }
}
