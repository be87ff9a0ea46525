package io.provmark.core.compat.synthid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.compat.CompatResult;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.ProfileException;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Compat profiles: defaults, upstream field names, and a ProfileException naming the field for each bad input. */
class SynthIdProfileTest {
    static final String SECRET_KEY = "918273645546372819";

    static String hf(String config, String extraRoot) {
        return "{\"scheme\": \"hf-synthid\", \"vocab_size\": 32000, \"config\": " + config + extraRoot + "}";
    }

    static String dm(String config, String extraRoot) {
        return "{\"scheme\": \"deepmind-synthid\", \"vocab_size\": 32000, \"config\": " + config + extraRoot + "}";
    }

    static final String MIN = "{\"ngram_len\": 5, \"keys\": [" + SECRET_KEY + ", 2, 3]}";

    @Test
    void minimalProfilesTakeUpstreamDefaults() {
        HfSynthIdCompat hf = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(hf(MIN, "")));
        assertEquals("hf-synthid", hf.upstream());
        assertEquals(32000, hf.vocabSize());
        assertEquals(1024, hf.algorithm().contextHistorySize());
        assertEquals(3, hf.algorithm().depth());
        assertEquals(SynthIdAlgorithm.Variant.HF_TABLE, hf.algorithm().variant());
        assertFalse(hf.skipFirstNgramCalls());
        assertFalse(hf.debugMode());
        assertEquals(SynthIdCompat.DetectorOptions.defaults(), hf.options());
        assertEquals(SynthIdCompat.Score.MEAN, hf.options().score());
        assertEquals(DedupRule.PRF_INPUT, hf.options().dedup());
        // the default table is upstream's (seed 0, 2^16 entries)
        assertEquals(32743.0 / 65536, hf.samplingTableOnesFraction());

        DeepMindSynthIdCompat dm = DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile(dm(MIN, "")));
        assertEquals("deepmind-synthid", dm.upstream());
        assertEquals(SynthIdAlgorithm.Variant.DEEPMIND_HEAD, dm.algorithm().variant());
        assertEquals(2, dm.numLeaves());
        assertEquals(0.5, dm.nullProbability());
    }

    @Test
    void fullProfilesParse() {
        String cfg = "{\"ngram_len\": 3, \"keys\": [1, -2, 9223372036854775807], \"context_history_size\": 0,"
                + " \"sampling_table_seed\": 18446744073709551615, \"sampling_table_size\": 1000,"
                + " \"skip_first_ngram_calls\": true, \"debug_mode\": true}";
        String det = ", \"detector\": {\"eos_token_id\": 2, \"score\": \"weighted_mean\", \"weights\": [3, 2.5, 0],"
                + " \"jax_enable_x64\": true, \"dedup\": \"context\"}";
        HfSynthIdCompat hf = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(hf(cfg, det)));
        assertTrue(hf.skipFirstNgramCalls() && hf.debugMode());
        assertEquals(0, hf.algorithm().contextHistorySize());
        assertEquals(2, hf.options().eosTokenId());
        assertEquals(SynthIdCompat.Score.WEIGHTED_MEAN, hf.options().score());
        assertEquals(DedupRule.CONTEXT, hf.options().dedup());
        assertTrue(hf.options().jaxEnableX64());
        CompatResult r = hf.detect(new int[] {5, 6, 7, 8, 9, 10}, new int[0], false);
        assertFalse(r.evidence().exact(), "real-valued weights give a Chernoff bound");

        String dmCfg = "{\"ngram_len\": 4, \"keys\": [5, 6], \"context_history_size\": 16, \"temperature\": 0.7,"
                + " \"top_k\": 40, \"skip_first_ngram_calls\": false, \"apply_top_k\": true, \"num_leaves\": 3}";
        DeepMindSynthIdCompat dm = DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile(dm(dmCfg, "")));
        assertEquals(3, dm.numLeaves());
        dm.embedder(0);
    }

    static Stream<Arguments> badProfiles() {
        Function<String, String> hfCfg = c -> hf(c, "");
        return Stream.of(
                Arguments.of("no scheme match", "{\"scheme\": \"hf-kgw\", \"vocab_size\": 32000, \"config\": " + MIN + "}", "scheme"),
                Arguments.of("unknown root field", hf(MIN, ", \"notes\": 1"), "notes"),
                Arguments.of("missing vocab", "{\"scheme\": \"hf-synthid\", \"config\": " + MIN + "}", "vocab_size"),
                Arguments.of("vocab string", "{\"scheme\": \"hf-synthid\", \"vocab_size\": \"32000\", \"config\": " + MIN + "}", "vocab_size"),
                Arguments.of("vocab 1", "{\"scheme\": \"hf-synthid\", \"vocab_size\": 1, \"config\": " + MIN + "}", "vocab_size"),
                Arguments.of("missing config", "{\"scheme\": \"hf-synthid\", \"vocab_size\": 32000}", "config"),
                Arguments.of("config not object", "{\"scheme\": \"hf-synthid\", \"vocab_size\": 32000, \"config\": [1]}", "config"),
                Arguments.of("unknown config field", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1], \"seeding_scheme\": \"x\"}"), "config.seeding_scheme"),
                Arguments.of("missing ngram_len", hfCfg.apply("{\"keys\": [1]}"), "config.ngram_len"),
                Arguments.of("ngram_len 1", hfCfg.apply("{\"ngram_len\": 1, \"keys\": [1]}"), "config.ngram_len"),
                Arguments.of("ngram_len float", hfCfg.apply("{\"ngram_len\": 5.0, \"keys\": [1]}"), "config.ngram_len"),
                Arguments.of("missing keys", hfCfg.apply("{\"ngram_len\": 5}"), "config.keys"),
                Arguments.of("empty keys", hfCfg.apply("{\"ngram_len\": 5, \"keys\": []}"), "config.keys"),
                Arguments.of("keys not array", hfCfg.apply("{\"ngram_len\": 5, \"keys\": 7}"), "config.keys"),
                Arguments.of("key above int64", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1, 2, 9223372036854775808]}"), "config.keys[2]"),
                Arguments.of("key string", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [\"" + SECRET_KEY + "\"]}"), "config.keys[0]"),
                Arguments.of("key float", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1.5]}"), "config.keys[0]"),
                Arguments.of("history negative", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1], \"context_history_size\": -1}"), "config.context_history_size"),
                Arguments.of("table too big", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1], \"sampling_table_size\": 16777217}"), "config.sampling_table_size"),
                Arguments.of("table zero", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1], \"sampling_table_size\": 0}"), "config.sampling_table_size"),
                Arguments.of("seed negative", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1], \"sampling_table_seed\": -1}"), "config.sampling_table_seed"),
                Arguments.of("seed 2^64", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1], \"sampling_table_seed\": 18446744073709551616}"), "config.sampling_table_seed"),
                Arguments.of("skip not bool", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1], \"skip_first_ngram_calls\": \"yes\"}"), "config.skip_first_ngram_calls"),
                Arguments.of("debug not bool", hfCfg.apply("{\"ngram_len\": 5, \"keys\": [1], \"debug_mode\": 1}"), "config.debug_mode"),
                Arguments.of("detector not object", hf(MIN, ", \"detector\": 3"), "detector"),
                Arguments.of("unknown detector field", hf(MIN, ", \"detector\": {\"z_threshold\": 4}"), "detector.z_threshold"),
                Arguments.of("eos outside vocab", hf(MIN, ", \"detector\": {\"eos_token_id\": 32000}"), "detector.eos_token_id"),
                Arguments.of("eos string", hf(MIN, ", \"detector\": {\"eos_token_id\": \"1\"}"), "detector.eos_token_id"),
                Arguments.of("bad score", hf(MIN, ", \"detector\": {\"score\": \"median\"}"), "detector.score"),
                Arguments.of("weights length", hf(MIN, ", \"detector\": {\"weights\": [1, 2]}"), "detector.weights"),
                Arguments.of("weights negative", hf(MIN, ", \"detector\": {\"weights\": [1, -2, 3]}"), "detector.weights[1]"),
                Arguments.of("weights zero", hf(MIN, ", \"detector\": {\"weights\": [0, 0, 0]}"), "detector.weights"),
                Arguments.of("weights not numbers", hf(MIN, ", \"detector\": {\"weights\": [1, true, 3]}"), "detector.weights[1]"),
                Arguments.of("x64 not bool", hf(MIN, ", \"detector\": {\"jax_enable_x64\": \"no\"}"), "detector.jax_enable_x64"),
                Arguments.of("bad dedup", hf(MIN, ", \"detector\": {\"dedup\": \"ngram\"}"), "detector.dedup"),
                Arguments.of("dm table size", dm("{\"ngram_len\": 5, \"keys\": [1], \"sampling_table_size\": 65536}", ""), "config.sampling_table_size"),
                Arguments.of("dm table seed", dm("{\"ngram_len\": 5, \"keys\": [1], \"sampling_table_seed\": 0}", ""), "config.sampling_table_seed"),
                Arguments.of("dm temperature int", dm("{\"ngram_len\": 5, \"keys\": [1], \"temperature\": 1}", ""), "config.temperature"),
                Arguments.of("dm temperature zero", dm("{\"ngram_len\": 5, \"keys\": [1], \"temperature\": 0.0}", ""), "config.temperature"),
                Arguments.of("dm top_k 1", dm("{\"ngram_len\": 5, \"keys\": [1], \"top_k\": 1}", ""), "config.top_k"),
                Arguments.of("dm top_k above vocab", dm("{\"ngram_len\": 5, \"keys\": [1], \"top_k\": 32001}", ""), "config.top_k"),
                Arguments.of("dm num_leaves 1", dm("{\"ngram_len\": 5, \"keys\": [1], \"num_leaves\": 1}", ""), "config.num_leaves"),
                Arguments.of("dm debug_mode is HF only", dm("{\"ngram_len\": 5, \"keys\": [1], \"debug_mode\": false}", ""), "config.debug_mode"),
                Arguments.of("dm scheme for hf", "{\"scheme\": \"hf-synthid\", \"vocab_size\": 32000, \"config\": " + MIN + "}", "scheme")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProfiles")
    void badProfileNamesField(String what, String json, String field) {
        Map<String, Object> root = SynthIdVectors.profile(json);
        boolean deepMind = json.contains("deepmind-synthid") || what.equals("dm scheme for hf");
        ProfileException e = assertThrows(ProfileException.class, () -> {
            if (deepMind) {
                DeepMindSynthIdCompat.fromProfile(root);
            } else {
                HfSynthIdCompat.fromProfile(root);
            }
        });
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET_KEY), "key material in message: " + e.getMessage());
    }

    @Test
    void deepMindGenerationNeedsTemperatureAndTopK() {
        DeepMindSynthIdCompat dm = DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile(dm(MIN, "")));
        assertEquals("config.temperature", assertThrows(ProfileException.class, () -> dm.embedder(0)).field());
        DeepMindSynthIdCompat dm2 = DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile(
                dm("{\"ngram_len\": 5, \"keys\": [1], \"temperature\": 0.5}", "")));
        assertEquals("config.top_k", assertThrows(ProfileException.class, () -> dm2.embedder(0)).field());
    }

    @Test
    void keysNeverAppearInTextOutput() {
        HfSynthIdCompat hf = HfSynthIdCompat.fromProfile(SynthIdVectors.profile(hf(MIN, "")));
        DeepMindSynthIdCompat dm = DeepMindSynthIdCompat.fromProfile(SynthIdVectors.profile(
                dm("{\"ngram_len\": 5, \"keys\": [" + SECRET_KEY + "], \"temperature\": 0.5, \"top_k\": 4}", "")));
        String ivText = Long.toString(dm.algorithm().initialHash());
        int[] ids = {11, 12, 13, 14, 15, 16, 17, 18};
        for (SynthIdCompat c : new SynthIdCompat[] {hf, dm}) {
            CompatResult r = c.detect(ids, new int[] {1}, true);
            String all = c + " " + c.algorithm() + " " + c.embedder(1) + " " + r + " " + c.options();
            assertFalse(all.contains(SECRET_KEY), all);
            assertFalse(all.contains(ivText), "hash_iv derives from the keys: " + all);
            assertEquals(SynthIdCompat.KEY_LABEL, r.evidence().keyId());
        }
    }
}
