package io.provmark.core.compat.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.compat.CompatResult;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * detector_vectors_public.json (five sequences × every detector × context widths 1, 4 × dedup on/off,
 * 120 results) and the detector facts shipped in upstream's tests.
 */
class VllmDetectorVectorsTest {

    static Map<String, Object> profileFor(JsonNode r, int vocab) {
        String det = r.get("detector").asText();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("key", VllmVectors.keyValue(r.get("key").asText()));
        config.put("algorithm", det);
        config.put("context_width", r.get("context_width").asInt());
        Map<String, Object> detector = new LinkedHashMap<>();
        detector.put("deduplicate_contexts", r.get("deduplicate_contexts").asBoolean());
        detector.put("p_value_threshold", r.get("p_value_threshold").asDouble());
        switch (det) {
            case "dual_key_gumbel":
                config.put("alpha", r.get("alpha").asDouble());
                break;
            case "red_green":
                config.put("gamma", r.get("gamma").asDouble());
                break;
            case "sbw":
                config.put("sbw_scheme", r.get("scheme").asText());
                config.put("sbw_gamma", r.get("gamma").asDouble());
                break;
            case "synthid":
                config.put("depth", r.get("depth").asInt());
                break;
            default:
                break;
        }
        if (r.has("prf")) {
            config.put("prf", r.get("prf").asText());
        }
        return VllmVectors.profile(vocab, config, detector);
    }

    @Test
    void publicDetectorVectors() {
        JsonNode file = VllmVectors.read("detector_vectors_public.json");
        int checked = 0;
        for (JsonNode seq : file.get("sequences")) {
            int[] tokens = VllmVectors.ints(seq.get("token_ids"));
            assertEquals(seq.get("length").asInt(), tokens.length);
            int vocab = seq.get("vocab_size").asInt();
            for (JsonNode r : seq.get("results")) {
                String where = seq.get("name").asText() + " " + r;
                VllmDetector d = VllmCompat.fromProfile(profileFor(r, vocab));
                CompatResult res = d.detect(tokens, new int[0], false);
                Map<String, Object> up = res.upstream();
                double score = (Double) up.get("score");
                double p = (Double) up.get("p_value");
                assertTrue(VllmVectors.relClose(score, r.get("score").asDouble(), 1e-9), where + " score " + score);
                assertTrue(VllmVectors.relClose(p, r.get("p_value").asDouble(), 1e-9), where + " p " + p);
                assertEquals(r.get("num_scored_tokens").asInt(), up.get("num_scored_tokens"), where);
                assertEquals(r.get("is_watermarked").asBoolean(), up.get("is_watermarked"), where);
                // upstream view via the record API agrees
                VllmDetector.Detection det = d.detectUpstream(tokens);
                assertEquals(score, det.score(), 0.0);
                assertEquals(p, det.pValue(), 0.0);
                checked++;
            }
        }
        assertEquals(120, checked);
    }

    @Test
    void shippedDedupCountsAndKnownSequence() {
        JsonNode v = VllmVectors.read("shipped/compat_vectors.json");
        for (JsonNode c : v.get("detector_dedup_counts").get("cases")) {
            Map<String, Object> cfg = VllmVectors.cfg("key", 42, "context_width", 1);
            Map<String, Object> det = VllmVectors.cfg("deduplicate_contexts", c.get("deduplicate_contexts").asBoolean());
            VllmDetector d = VllmCompat.fromProfile(VllmVectors.profile(128, cfg, det));
            assertEquals(c.get("num_scored_tokens").asInt(), d.detectUpstream(VllmVectors.ints(c.get("tokens"))).numScoredTokens());
        }
        JsonNode known = v.get("known_watermarked_sequence");
        VllmDetector d = VllmCompat.fromProfile(VllmVectors.profile(128, VllmVectors.cfg("key", 42), null));
        assertTrue(d.detectUpstream(VllmVectors.ints(known.get("token_ids"))).isWatermarked());
        int[] control = new int[64];
        for (int i = 0; i < 64; i++) {
            control[i] = i;
        }
        assertFalse(d.detectUpstream(control).isWatermarked());

        JsonNode gs = v.get("gamma_survival_integer_shape").get("cases");
        assertEquals(1.0, VllmStats.upstreamGammaSurvival(gs.get(0).get("score").asDouble(), gs.get(0).get("shape").asInt()), 0.0);
        assertEquals(gs.get(1).get("expected_approx").asDouble(),
                VllmStats.upstreamGammaSurvival(gs.get(1).get("score").asDouble(), gs.get(1).get("shape").asInt()), 1e-10);
    }

    @Test
    void emptyInputIsUpstreamsDefault() {
        VllmDetector d = VllmCompat.fromProfile(VllmVectors.profile(128, VllmVectors.cfg("key", 42), null));
        CompatResult r = d.detect(new int[0], new int[0], true);
        assertEquals(0.0, r.upstream().get("score"));
        assertEquals(1.0, r.upstream().get("p_value"));
        assertEquals(0, r.upstream().get("num_scored_tokens"));
        assertEquals(false, r.upstream().get("is_watermarked"));
        assertEquals(0, r.evidence().numScored());
        assertEquals(0.0, r.evidence().lnPValue());
    }

    @Test
    void outOfVocabularyTokenNamesPosition() {
        VllmDetector d = VllmCompat.fromProfile(VllmVectors.profile(128, VllmVectors.cfg("key", 42), null));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> d.detect(new int[] {1, 2, 128}, new int[0], false));
        assertTrue(e.getMessage().contains("position 2"), e.getMessage());
    }

    /** Upstream's SynthID p-value matches the exact binomial (the branch test's closed form) for small cases. */
    @Test
    void synthIdUpstreamBinomialMatchesClosedForm() {
        assertEquals(1.0 / 16, VllmStats.upstreamSynthIdPValue(4, 4), 1e-15);
        assertEquals(5.0 / 16, VllmStats.upstreamSynthIdPValue(3, 4), 1e-15);
        assertEquals(1.0, VllmStats.upstreamSynthIdPValue(0, 4), 0.0);
        for (int trials = 1; trials <= 60; trials++) {
            for (int hits = 0; hits <= trials + 1; hits++) {
                double exact = Math.exp(io.provmark.core.stats.LogTails.binomialLogSurvival(trials, hits, 0.5));
                assertEquals(exact, VllmStats.upstreamSynthIdPValue(hits, trials), 1e-12 + 1e-9 * exact);
            }
        }
    }
}
