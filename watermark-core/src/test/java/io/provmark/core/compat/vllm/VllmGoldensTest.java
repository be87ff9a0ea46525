package io.provmark.core.compat.vllm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.compat.CompatResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * All 27 upstream goldens (tests/watermarking/watermarking_goldens.json at 01c268bc): generated
 * tokens and traces exactly, detection with vLLM's own tolerance (score and p_value to 1e-9
 * relative, the rest exactly). The goldens' fixture: logits ((37 v + 17 pos) mod modulus - 56
 * [+ bias on the dominant token]) / denominator in float32; a deterministic sampler that takes the
 * argmax for ordinary rows and routes a dual-key row to key B when P(key A) <= the next routing
 * uniform.
 */
class VllmGoldensTest {
    private static final JsonNode GOLDENS = VllmVectors.read("shipped/watermarking_goldens_01c268bc.compact.json");

    static Stream<JsonNode> candidates() {
        List<JsonNode> out = new ArrayList<>();
        GOLDENS.get("candidates").forEach(out::add);
        return out.stream();
    }

    @Test
    void all27GoldensArePresent() {
        assertEquals(27, GOLDENS.get("candidates").size());
    }

    /** The goldens' deterministic sampler. */
    static final class GoldenSampler implements VllmGenerator.Sampler {
        private final double[] uniforms;
        private int position;

        GoldenSampler(double[] uniforms) {
            this.uniforms = uniforms;
        }

        @Override
        public int sample(float[] logits, int n) {
            int best = 0;
            for (int i = 1; i < n; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }

        @Override
        public boolean routeToKeyB(float probabilityA) {
            double u = uniforms[position % uniforms.length];
            position++;
            return probabilityA <= (float) u;
        }
    }

    static float[] fixtureLogits(JsonNode fx, int position) {
        int v = fx.get("vocabulary_size").asInt();
        int modulus = fx.get("logit_modulus").asInt();
        float denom = fx.get("logit_denominator").asInt();
        JsonNode dom = fx.get("dominant_token");
        float[] out = new float[v];
        for (int t = 0; t < v; t++) {
            long value = ((long) t * 37 + (long) position * 17) % modulus - 56;
            if (!dom.isNull() && t == dom.asInt()) {
                value += fx.get("dominant_bias").asInt();
            }
            out[t] = (float) value / denom;
        }
        return out;
    }

    static Map<String, Object> generationProfile(JsonNode c, String keyField) {
        JsonNode sc = c.get("scheme_config");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("key", VllmVectors.keyValue(c.get(keyField).asText()));
        config.put("algorithm", c.get("scheme").asText());
        config.put("alpha", sc.get("generation_alpha").asDouble());
        config.put("context_width", sc.get("context_width").asInt());
        config.put("deduplicate_contexts", sc.get("generation_deduplicate_contexts").asText());
        JsonNode h = sc.get("generation_deduplicate_contexts_max_history");
        config.put("deduplicate_contexts_max_history", h.isNull() ? null : h.asInt());
        config.put("prf", c.get("prf").asText());
        Map<String, Object> detector = new LinkedHashMap<>();
        detector.put("deduplicate_contexts", sc.get("detection_deduplicate_contexts").asBoolean());
        detector.put("p_value_threshold", sc.get("p_value_threshold").asDouble());
        if (c.get("scheme").asText().equals("dual_key_gumbel")) {
            detector.put("alpha", sc.get("detection_alpha").asDouble());
        }
        return VllmVectors.profile(c.get("fixture").get("vocabulary_size").asInt(), config, detector);
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("candidates")
    void golden(JsonNode c) {
        String id = c.get("id").asText();
        JsonNode fx = c.get("fixture");
        VllmDetector gen = VllmCompat.fromProfile(generationProfile(c, "key"));
        VllmGenerator g = gen.embedder().generator();
        double[] uniforms = new double[GOLDENS.get("routing_uniforms").size()];
        for (int i = 0; i < uniforms.length; i++) {
            uniforms[i] = GOLDENS.get("routing_uniforms").get(i).asDouble();
        }
        assertEquals(64, uniforms.length);

        // derived keys
        JsonNode dk = c.get("derived_keys");
        if (!dk.get("key_a").isNull()) {
            long k = VllmVectors.key64(c.get("key").asText());
            assertEquals(VllmVectors.key64(dk.get("key_a").asText()), DualKeys.derive(k, DualKeys.KEY_A), id);
            assertEquals(VllmVectors.key64(dk.get("key_b").asText()), DualKeys.derive(k, DualKeys.KEY_B), id);
        }

        // generation and trace
        int[] prompt = VllmVectors.ints(fx.get("prompt"));
        int numTokens = fx.get("num_tokens").asInt();
        int[] ids = Arrays.copyOf(prompt, prompt.length + numTokens);
        int len = prompt.length;
        GoldenSampler sampler = new GoldenSampler(uniforms);
        VllmGenerator.Trace trace = new VllmGenerator.Trace();
        for (int pos = 0; pos < numTokens; pos++) {
            ids[len] = g.next(ids, prompt.length, len, fixtureLogits(fx, pos), sampler, trace);
            len++;
        }
        int[] generated = Arrays.copyOfRange(ids, prompt.length, len);
        int[] expected = VllmVectors.ints(c.get("generation"));
        assertArrayEquals(expected, generated, id + ": generated tokens");
        JsonNode t = c.get("trace");
        assertEquals(t.get("routing_draws").asInt(), trace.routingDraws, id + ": routing_draws");
        if (!t.get("key_b_routed").isNull()) {
            assertEquals(t.get("key_b_routed").asInt(), trace.keyBRouted, id + ": key_b_routed");
            assertEquals(t.get("key_b_effective").asInt(), trace.keyBEffective, id + ": key_b_effective");
        }
        assertEquals(t.get("dedup_skips").asInt(), trace.dedupSkips, id + ": dedup_skips");
        assertEquals(t.get("partial_context_skips").asInt(), trace.partialContextSkips, id + ": partial_context_skips");

        // detection over the stored tokens, with the detection key
        VllmDetector det = VllmCompat.fromProfile(generationProfile(c, "detection_key"));
        CompatResult r = det.detect(expected, new int[0], true);
        JsonNode d = c.get("detection");
        Map<String, Object> up = r.upstream();
        assertEquals(List.of("score", "p_value", "num_scored_tokens", "is_watermarked"), new ArrayList<>(up.keySet()));
        double score = (Double) up.get("score");
        double p = (Double) up.get("p_value");
        assertTrue(VllmVectors.relClose(score, d.get("score").asDouble(), 1e-9),
                id + ": score " + score + " vs " + d.get("score").asDouble());
        assertTrue(VllmVectors.relClose(p, d.get("p_value").asDouble(), 1e-9),
                id + ": p_value " + p + " vs " + d.get("p_value").asDouble());
        assertEquals(d.get("num_scored_tokens").asInt(), up.get("num_scored_tokens"), id);
        assertEquals(d.get("is_watermarked").asBoolean(), up.get("is_watermarked"), id);
        assertEquals(numTokens, r.perToken().size());

        // provmark evidence: vLLM's positions minus repeated PRF inputs. With context dedup on,
        // (context, token) never repeats, so Gumbel-family evidence keeps every position; SBW's
        // seed can repeat (oldest token ignored; the self-term K·h(v)^2 wins the min in any context).
        int upstreamScored = d.get("num_scored_tokens").asInt();
        boolean contextDedup = c.get("scheme_config").get("detection_deduplicate_contexts").asBoolean();
        if (!c.get("scheme").asText().equals("sbw") && contextDedup) {
            assertEquals(upstreamScored, r.evidence().numScored(), id);
        } else {
            assertTrue(r.evidence().numScored() <= upstreamScored, id);
        }
        assertEquals("compat", r.evidence().keyId());
        // the exact tail agrees with vLLM's where vLLM's formula is exact (integer-shape gamma,
        // SBW aside: normal approximation vs exact binomial), to well within a factor of 2
        String scheme = c.get("scheme").asText();
        double alpha = c.get("scheme_config").get("detection_alpha").asDouble();
        boolean upstreamExact = scheme.equals("gumbel") || scheme.equals("dual_key_gumbel") && (alpha == 0 || alpha == 0.5 || alpha == 1);
        if (upstreamExact && p > 0 && r.evidence().numScored() == upstreamScored) {
            assertEquals(Math.log(p), r.evidence().lnPValue(), 1e-5 * Math.max(1, -Math.log(p)), id + ": ln p");
        }
    }

    /** The generation also reproduces when driven through the public Embedder with the goldens' choices. */
    @Test
    void goldenGenerationIsDeterministicAcrossCalls() {
        JsonNode c = GOLDENS.get("candidates").get(1);
        VllmGenerator g = VllmCompat.fromProfile(generationProfile(c, "key")).embedder().generator();
        int[] expected = VllmVectors.ints(c.get("generation"));
        int[] ids = new int[expected.length];
        for (int pos = 0; pos < expected.length; pos++) {
            int a = g.next(ids, 0, pos, fixtureLogits(c.get("fixture"), pos), new GoldenSampler(new double[] {0.5}), null);
            int b = g.next(ids, 0, pos, fixtureLogits(c.get("fixture"), pos), new GoldenSampler(new double[] {0.5}), null);
            assertEquals(a, b);
            ids[pos] = a;
        }
        assertArrayEquals(expected, ids);
    }
}
