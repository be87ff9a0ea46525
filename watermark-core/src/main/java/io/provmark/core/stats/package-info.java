/**
 * Exact p-values for watermark detection, computed in natural-log space.
 *
 * <p>Detection p-values for long texts are routinely far below {@code Double.MIN_VALUE}, so every
 * tail function here returns {@code ln p} and never forms {@code p} itself. Convert with
 * {@link io.provmark.core.stats.LogP} only for display. Entry points:
 *
 * <ul>
 *   <li>{@link io.provmark.core.stats.LogTails}: binomial, gamma (sum of exponentials) and
 *       weighted-Bernoulli upper tails, plus a Chernoff bound for real weights;
 *   <li>{@link io.provmark.core.stats.Multiplicity}: Holm and Bonferroni corrections on ln p;
 *   <li>{@link io.provmark.core.stats.ExactBinomialTest}: plain-probability helpers and
 *       Clopper-Pearson intervals for false-positive-rate experiments.
 * </ul>
 */
package io.provmark.core.stats;
