/**
 * Bit-exact reproductions of other stacks' watermarks (vLLM native, Hugging Face KGW and SynthID,
 * DeepMind SynthID, lm-watermarking, Three Bricks), verification first, kept apart from provmark's
 * own schemes. Facts come from {@code shared/spec}; no upstream code is copied.
 */
package io.provmark.core.compat;
