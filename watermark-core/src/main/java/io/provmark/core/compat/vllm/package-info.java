/**
 * vLLM native output watermarking, bit-exact: the {@code philox4x32-10-v1} and historical
 * {@code hmac-sha256-v1} PRFs, generation ({@code gumbel}, {@code dual_key_gumbel}, {@code sbw},
 * and the branch algorithms {@code red_green}, {@code synthid}) with vLLM's generation-time
 * context deduplication, and vLLM's detectors with their exact outputs plus provmark's exact
 * evidence. Entry point: {@link io.provmark.core.compat.vllm.VllmCompat}. Facts from
 * {@code shared/spec/vllm-watermarking.md}; no upstream code is copied.
 */
package io.provmark.core.compat.vllm;
