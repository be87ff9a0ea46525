package io.provmark.core.compat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.profile.ProfileException;
import java.util.Map;
import java.util.Set;

/**
 * Reads a compat profile: {@code {"scheme": "vllm" | "hf-kgw" | "lm-watermarking-kgw" |
 * "hf-synthid" | "deepmind-synthid" | "three-bricks", "config": {...upstream's own config...},
 * "vocab_size": V, "detector": {...upstream detector options...}}}. Compat profiles hold
 * upstream's integer keys, so they are secrets.
 */
public final class CompatProfiles {
    public static final Set<String> SCHEMES = Set.of("vllm", "hf-kgw", "lm-watermarking-kgw", "hf-synthid",
            "deepmind-synthid", "three-bricks");
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build()).build());

    private CompatProfiles() {
    }

    /** Whether a JSON profile document names a compat scheme (vs. one of provmark's own). */
    public static boolean isCompat(String json) {
        try {
            Object scheme = JSON.readValue(json, Map.class).get("scheme");
            return scheme instanceof String s && SCHEMES.contains(s);
        } catch (JsonProcessingException | RuntimeException e) {
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    public static CompatDetector read(String json) {
        Map<String, Object> root;
        try {
            root = JSON.readValue(json, Map.class);
        } catch (JsonProcessingException e) {
            throw new ProfileException("(document)", "is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null) {
            throw new ProfileException("(document)", "must be a JSON object");
        }
        Object scheme = root.get("scheme");
        if (!(scheme instanceof String s) || !SCHEMES.contains(s)) {
            throw new ProfileException("scheme", "must be one of " + new java.util.TreeSet<>(SCHEMES) + ", got " + scheme);
        }
        return switch (s) {
            case "vllm" -> io.provmark.core.compat.vllm.VllmCompat.fromProfile(root);
            case "hf-kgw" -> io.provmark.core.compat.kgw.HfKgwCompat.fromProfile(root);
            case "lm-watermarking-kgw" -> io.provmark.core.compat.kgw.LmWatermarkingKgwCompat.fromProfile(root);
            case "hf-synthid" -> io.provmark.core.compat.synthid.HfSynthIdCompat.fromProfile(root);
            case "deepmind-synthid" -> io.provmark.core.compat.synthid.DeepMindSynthIdCompat.fromProfile(root);
            case "three-bricks" -> io.provmark.core.compat.threebricks.ThreeBricksCompat.fromProfile(root);
            default -> throw new ProfileException("scheme", "is not supported: " + s);
        };
    }
}
