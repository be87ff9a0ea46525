/**
 * False-positive-rate calibration on human text: realised FPR per significance level, overall and by
 * length, with exact Clopper-Pearson intervals and one-sided exact binomial tests (docs/calibration.md).
 */
package io.provmark.core.calibration;
