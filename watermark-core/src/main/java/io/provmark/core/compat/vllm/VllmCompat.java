package io.provmark.core.compat.vllm;

import java.util.Map;

/**
 * Entry points for vLLM native watermarking (vllm-project/vllm {@code vllm/v1/watermarking},
 * main at 01c268bc plus the red_green/synthid branches and the historical HMAC PRF).
 *
 * <p>Profile: {@code {"scheme": "vllm", "config": {vLLM WatermarkConfig fields}, "vocab_size": V,
 * "detector": {"deduplicate_contexts", "p_value_threshold", "alpha", "evidence_lefthash_seeding"}}}.
 */
public final class VllmCompat {
    private VllmCompat() {
    }

    /** The detector for a compat profile root (Jackson generic map); also gives the embedder via {@link VllmDetector#embedder()}. */
    public static VllmDetector fromProfile(Map<String, Object> root) {
        return new VllmDetector(VllmConfig.parse(root));
    }

    /** The embed hook for a compat profile root. */
    public static VllmEmbedder embedder(Map<String, Object> root) {
        return new VllmEmbedder(VllmConfig.parse(root));
    }
}
