package io.provmark.core.compat.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.profile.ProfileException;
import java.math.BigInteger;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Strict profile parsing: every bad field is named; defaults follow vLLM's WatermarkConfig. */
class VllmProfileTest {
    private static final String SECRET = "123456789123456789";

    private static ProfileException bad(String json) {
        return assertThrows(ProfileException.class, () -> VllmCompat.fromProfile(VllmVectors.json(json)));
    }

    private static void assertField(String field, String json) {
        ProfileException e = bad(json);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), "key leaked: " + e.getMessage());
    }

    @Test
    void badProfilesNameTheField() {
        String k = "\"key\": " + SECRET;
        assertField("config.algorithm", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"kgw\"},\"vocab_size\":32000}");
        assertField("config.key", "{\"scheme\":\"vllm\",\"config\":{\"key\":18446744073709551616},\"vocab_size\":32000}");
        assertField("config.key", "{\"scheme\":\"vllm\",\"config\":{\"key\":-1},\"vocab_size\":32000}");
        assertField("config.key", "{\"scheme\":\"vllm\",\"config\":{\"key\":4.2},\"vocab_size\":32000}");
        assertField("config.key", "{\"scheme\":\"vllm\",\"config\":{\"algorithm\":\"gumbel\"},\"vocab_size\":32000}");
        assertField("vocab_size", "{\"scheme\":\"vllm\",\"config\":{" + k + "}}");
        assertField("vocab_size", "{\"scheme\":\"vllm\",\"config\":{" + k + "},\"vocab_size\":0}");
        assertField("vocab_size", "{\"scheme\":\"vllm\",\"config\":{" + k + "},\"vocab_size\":\"32000\"}");
        assertField("config", "{\"scheme\":\"vllm\",\"vocab_size\":32000}");
        assertField("config.gama", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"gama\":0.5},\"vocab_size\":32000}");
        assertField("config.sbw_gamma", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"sbw_gamma\":0.5},\"vocab_size\":32000}");
        assertField("config.gamma", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"sbw\",\"gamma\":0.5},\"vocab_size\":32000}");
        assertField("config.context_width", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"context_width\":0},\"vocab_size\":32000}");
        assertField("config.context_width", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"context_width\":\"4\"},\"vocab_size\":32000}");
        assertField("config.deduplicate_contexts", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"deduplicate_contexts\":true},\"vocab_size\":32000}");
        assertField("config.deduplicate_contexts_max_history", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"deduplicate_contexts_max_history\":0},\"vocab_size\":32000}");
        assertField("config.alpha", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"alpha\":1.5},\"vocab_size\":32000}");
        assertField("config.prf", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"prf\":\"aes\"},\"vocab_size\":32000}");
        assertField("config.prf", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"sbw\",\"prf\":\"hmac_sha256\"},\"vocab_size\":32000}");
        assertField("config.sbw_scheme", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"sbw\",\"sbw_scheme\":\"minhash\"},\"vocab_size\":32000}");
        assertField("config.sbw_gamma", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"sbw\",\"sbw_gamma\":1.0},\"vocab_size\":32000}");
        assertField("config.sbw_delta", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"sbw\",\"sbw_delta\":-1},\"vocab_size\":32000}");
        assertField("config.delta", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"red_green\",\"delta\":0},\"vocab_size\":32000}");
        assertField("config.depth", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"synthid\",\"depth\":33},\"vocab_size\":32000}");
        assertField("config.allow_target_only_watermarking", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"allow_target_only_watermarking\":\"no\"},\"vocab_size\":32000}");
        assertField("detector.p_value_threshold", "{\"scheme\":\"vllm\",\"config\":{" + k + "},\"vocab_size\":32000,\"detector\":{\"p_value_threshold\":1}}");
        assertField("detector.deduplicate_contexts", "{\"scheme\":\"vllm\",\"config\":{" + k + "},\"vocab_size\":32000,\"detector\":{\"deduplicate_contexts\":\"yes\"}}");
        assertField("detector.alpha", "{\"scheme\":\"vllm\",\"config\":{" + k + "},\"vocab_size\":32000,\"detector\":{\"alpha\":0.2}}");
        assertField("detector.z_threshold", "{\"scheme\":\"vllm\",\"config\":{" + k + "},\"vocab_size\":32000,\"detector\":{\"z_threshold\":4}}");
        assertField("detector.evidence_lefthash_seeding", "{\"scheme\":\"vllm\",\"config\":{" + k + ",\"algorithm\":\"sbw\"},\"vocab_size\":32000,\"detector\":{\"evidence_lefthash_seeding\":\"generator\"}}");
        assertField("detector", "{\"scheme\":\"vllm\",\"config\":{" + k + "},\"vocab_size\":32000,\"detector\":[]}");
        assertField("tokenizer", "{\"scheme\":\"vllm\",\"config\":{" + k + "},\"vocab_size\":32000,\"tokenizer\":\"x\"}");
        assertField("scheme", "{\"scheme\":\"hf-kgw\",\"config\":{" + k + "},\"vocab_size\":32000}");
    }

    @Test
    void keyRangesFollowUpstream() {
        // 2^64 - 1 is vLLM's largest Philox key
        VllmCompat.fromProfile(VllmVectors.json("{\"config\":{\"key\":18446744073709551615},\"vocab_size\":8}"));
        VllmCompat.fromProfile(VllmVectors.json("{\"config\":{\"key\":\"18446744073709551615\"},\"vocab_size\":8}"));
        // SBW holds the key in int64 upstream: keys >= 2^63 fail there, so they are refused here
        ProfileException e = bad("{\"config\":{\"key\":9223372036854775808,\"algorithm\":\"sbw\"},\"vocab_size\":8}");
        assertEquals("config.key", e.field());
        assertTrue(e.getMessage().contains("2^63"));
        VllmCompat.fromProfile(VllmVectors.json("{\"config\":{\"key\":9223372036854775807,\"algorithm\":\"sbw\"},\"vocab_size\":8}"));
        // historical HMAC PRF: keys up to 2^256 - 1, context width up to 16
        String max256 = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE).toString();
        VllmCompat.fromProfile(VllmVectors.json("{\"config\":{\"key\":" + max256 + ",\"prf\":\"hmac_sha256\"},\"vocab_size\":8}"));
        assertEquals("config.key", bad("{\"config\":{\"key\":" + BigInteger.ONE.shiftLeft(256)
                + ",\"prf\":\"hmac_sha256\"},\"vocab_size\":8}").field());
        assertEquals("config.context_width", bad("{\"config\":{\"key\":1,\"prf\":\"hmac_sha256\",\"context_width\":17},\"vocab_size\":8}").field());
    }

    @Test
    void defaultsFollowWatermarkConfig() {
        VllmConfig c = VllmCompat.fromProfile(VllmVectors.json("{\"config\":{\"key\":7},\"vocab_size\":50257}")).config();
        assertEquals(VllmConfig.Algorithm.GUMBEL, c.algorithm());
        assertEquals(4, c.contextWidth());
        assertEquals(VllmConfig.Scope.SINGLE_TURN, c.deduplicateContexts());
        assertEquals(8192, c.maxHistory());
        assertEquals(0.1, c.alpha());
        assertTrue(c.detectorDeduplicateContexts());
        assertEquals(0.01, c.pValueThreshold());
        VllmConfig left = VllmCompat.fromProfile(VllmVectors.json(
                "{\"config\":{\"key\":7,\"algorithm\":\"sbw\",\"sbw_scheme\":\"lefthash\"},\"vocab_size\":50257}")).config();
        assertEquals(1, left.contextWidth());
        assertEquals(VllmConfig.LefthashEvidenceSeeding.GENERATOR, left.lefthashEvidenceSeeding());
        VllmConfig self = VllmCompat.fromProfile(VllmVectors.json(
                "{\"config\":{\"key\":7,\"algorithm\":\"sbw\",\"context_width\":null},\"vocab_size\":50257}")).config();
        assertEquals(4, self.contextWidth());
        assertEquals(0.5, self.sbwGamma());
        assertEquals(2.0, self.sbwDelta());
        VllmConfig dual = VllmCompat.fromProfile(VllmVectors.json(
                "{\"config\":{\"key\":7,\"algorithm\":\"dual_key_gumbel\",\"alpha\":0.3,"
                        + "\"deduplicate_contexts_max_history\":null},\"vocab_size\":50257}")).config();
        assertEquals(0.3, dual.detectorAlpha(), "detector alpha defaults to the generation alpha");
        assertEquals(0, dual.maxHistory());
        VllmConfig rg = VllmCompat.fromProfile(VllmVectors.json(
                "{\"config\":{\"key\":7,\"algorithm\":\"red_green\"},\"vocab_size\":50257}")).config();
        assertEquals(0.25, rg.gamma());
        assertEquals(2.0, rg.delta());
        VllmConfig sid = VllmCompat.fromProfile(VllmVectors.json(
                "{\"config\":{\"key\":7,\"algorithm\":\"synthid\"},\"vocab_size\":50257}")).config();
        assertEquals(32, sid.depth());
    }

    @Test
    void keyNeverPrinted() {
        Map<String, Object> root = VllmVectors.json("{\"scheme\":\"vllm\",\"config\":{\"key\":" + SECRET
                + ",\"algorithm\":\"dual_key_gumbel\"},\"vocab_size\":32000}");
        VllmDetector d = VllmCompat.fromProfile(root);
        for (String s : new String[] {d.toString(), d.config().toString(), d.embedder().toString(),
                d.config().describe().toString(), String.join("\n", d.notes()),
                d.detect(new int[] {1, 2, 3}, new int[0], true).toString()}) {
            assertFalse(s.contains(SECRET), s);
            assertFalse(s.contains(Long.toHexString(Long.parseLong(SECRET))), s);
        }
    }

    @Test
    void notesNameTheUpstreamBugs() {
        VllmDetector left = VllmCompat.fromProfile(VllmVectors.json(
                "{\"config\":{\"key\":7,\"algorithm\":\"sbw\",\"sbw_scheme\":\"lefthash\"},\"vocab_size\":8}"));
        assertTrue(left.notes().stream().anyMatch(n -> n.contains("lefthash") && n.contains("upstream bug")));
        VllmDetector dual = VllmCompat.fromProfile(VllmVectors.json(
                "{\"config\":{\"key\":7,\"algorithm\":\"dual_key_gumbel\"},\"vocab_size\":8}"));
        assertTrue(dual.notes().stream().anyMatch(n -> n.contains("moment-matched")));
    }
}
