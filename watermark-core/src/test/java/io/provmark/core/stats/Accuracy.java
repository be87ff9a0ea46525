package io.provmark.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The accuracy contract, in one place: |error in ln p| <= 1e-9 where p > 1e-300 (tightened to
 * 1e-9 relative in ln p when |ln p| < 1, so values near p = 1 are checked too), and
 * |error in log10 p| <= 1e-9 below 1e-300. Also records the worst error seen, for the report.
 */
final class Accuracy {

    static final double TOL = 1e-9;
    private static final double LN_1E300 = Math.log(1e-300);
    private static final double LN_10 = Math.log(10.0);

    private double worstLnError;
    private double worstLog10Error;
    private double worstRelLnNearZero;
    private int checks;

    void check(double expectedLn, double actualLn, String context) {
        checks++;
        if (expectedLn == Double.NEGATIVE_INFINITY) {
            assertEquals(expectedLn, actualLn, context);
            return;
        }
        if (Math.abs(expectedLn) < 1e-85) {
            // A 100-digit reference cannot resolve ln(1 - 1e-100); only ask for a consistent sign.
            if (!(actualLn <= 0.0 && actualLn >= -1e-85)) {
                fail(context + ": expected ln p ~ 0, got " + actualLn);
            }
            return;
        }
        if (Double.isNaN(actualLn)) {
            fail(context + ": NaN, expected " + expectedLn);
        }
        double err = Math.abs(actualLn - expectedLn);
        if (expectedLn > LN_1E300) {
            double tol = TOL * Math.min(1.0, Math.abs(expectedLn)) + 1e-300;
            worstLnError = Math.max(worstLnError, err);
            if (Math.abs(expectedLn) < 1) {
                worstRelLnNearZero = Math.max(worstRelLnNearZero, err / Math.abs(expectedLn));
            }
            if (!(err <= tol)) {
                fail(context + ": ln p expected " + expectedLn + " got " + actualLn + " (err " + err + ")");
            }
        } else {
            double err10 = err / LN_10;
            worstLog10Error = Math.max(worstLog10Error, err10);
            if (!(err10 <= TOL)) {
                fail(context + ": log10 p expected " + expectedLn / LN_10 + " got " + actualLn / LN_10
                        + " (err " + err10 + ")");
            }
        }
    }

    String summary() {
        return String.format("%d checks; worst |d ln p| (p > 1e-300) = %.2e, worst relative d ln p"
                + " (|ln p| < 1) = %.2e, worst |d log10 p| (p < 1e-300) = %.2e",
                checks, worstLnError, worstRelLnNearZero, worstLog10Error);
    }
}
