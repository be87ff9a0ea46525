package io.provmark.core.compat.kgw;

import static io.provmark.core.compat.kgw.KgwVectorAsserts.assertClose;
import static io.provmark.core.compat.kgw.KgwVectorAsserts.assertGreenlist;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.torch.VectorFiles;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reproduces every public Hugging Face KGW vector (kgw_hf/*). */
class HfKgwVectorsTest {

    static HfKgwCompat compat(JsonNode h, boolean ignoreRepeated) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("greenlist_ratio", h.get("greenlist_ratio").doubleValue());
        config.put("bias", h.get("bias_for_generation").doubleValue());
        config.put("hashing_key", h.get("hashing_key").bigIntegerValue());
        config.put("seeding_scheme", h.get("seeding_scheme").asText());
        config.put("context_width", h.get("context_width").intValue());
        Map<String, Object> det = new LinkedHashMap<>();
        det.put("ignore_repeated_ngrams", ignoreRepeated);
        det.put("z_threshold", h.get("z_threshold").doubleValue());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", "hf-kgw");
        root.put("vocab_size", h.get("vocab_size").intValue());
        root.put("config", config);
        root.put("detector", det);
        return HfKgwCompat.fromProfile(root);
    }

    @ParameterizedTest
    @ValueSource(strings = {"kgw_hf_50257_g0.25_lefthash_cw1.json", "kgw_hf_50257_g0.25_selfhash_cw4.json"})
    void vectorFile(String file) {
        JsonNode v = VectorFiles.read("kgw_hf/" + file);
        HfKgwCompat off = compat(v, false);
        HfKgwCompat on = compat(v, true);
        boolean self = v.get("seeding_scheme").asText().equals("selfhash");
        int cw = v.get("context_width").intValue();
        assertEquals(v.get("greenlist_size").intValue(), off.greenlistSize());

        int[] table = KgwSeeding.fixedTable(v.get("hashing_key").longValue());
        JsonNode ft = v.get("fixed_table");
        assertArrayEquals(VectorFiles.ints(ft.get("first20")), Arrays.copyOf(table, 20));
        assertEquals(ft.get("sum").longValue(), VectorFiles.sum(table));
        assertEquals(ft.get("sha256_int32le").asText(), VectorFiles.sha256Int32Le(table));

        for (JsonNode s : v.get("greenlist_samples")) {
            int[] in = VectorFiles.ints(s.get("input_seq"));
            assertEquals(s.get("seed_initial_seed").asText(), Long.toUnsignedString(off.manualSeed(in)));
            int[] green = off.greenlist(in);
            assertEquals(s.get("greenlist_size").intValue(), green.length);
            assertGreenlist(s, "greenlist_", green, file + " " + Arrays.toString(in));
        }

        KgwEmbedder emb = off.embedder();
        for (JsonNode step : v.get("generation_step_logs_watermarked_0")) {
            int[] last = VectorFiles.ints(step.get("last_tokens"));
            float[] logits = new float[off.vocabSize()];
            if (step.has("candidate_order_top40")) {
                int[] order = VectorFiles.ints(step.get("candidate_order_top40"));
                for (int i = 0; i < order.length; i++) {
                    logits[order[i]] = 100f - i;
                }
            }
            int[] biased = emb.biasedIds(last, last.length, logits);
            String what = file + " step " + step.get("prefix_len");
            assertEquals(step.get("n_biased").intValue(), biased.length, what);
            assertArrayEquals(VectorFiles.ints(step.get("biased_sorted_first20")), Arrays.copyOf(biased, Math.min(20, biased.length)), what);
            assertEquals(step.get("biased_sha256_sorted_int32le").asText(), VectorFiles.sha256SortedInt32Le(biased), what);
        }

        for (JsonNode s : v.get("sequences")) {
            int[] tokens = VectorFiles.ints(s.get("tokens"));
            String name = file + " " + s.get("name").asText();
            JsonNode seeds = s.get("position_manual_seed_initial_seed");
            for (int j = 0; j < seeds.size(); j++) {
                int[] prefix = Arrays.copyOfRange(tokens, j, j + cw);
                assertEquals(seeds.get(j).asText(), Long.toUnsignedString(off.manualSeed(prefix)), name + " seed " + j);
            }
            CompatResult rOff = off.detect(tokens, new int[0], true);
            CompatResult rOn = on.detect(tokens, new int[0], false);
            JsonNode mask = s.get("green_token_mask");
            assertEquals(mask.size(), rOff.perToken().size(), name);
            for (int j = 0; j < mask.size(); j++) {
                assertEquals(mask.get(j).booleanValue(), rOff.perToken().get(j).get("green"), name + " mask " + j);
                assertEquals(j + cw - (self ? 1 : 0), rOff.perToken().get(j).get("index"), name);
            }
            assertUpstream(s.get("ignore_repeated_ngrams_false"), rOff, name + " irn=false");
            assertUpstream(s.get("ignore_repeated_ngrams_true"), rOn, name + " irn=true");
        }
    }

    static void assertUpstream(JsonNode want, CompatResult r, String what) {
        Map<String, Object> up = r.upstream();
        assertEquals(want.get("num_tokens_scored").doubleValue(), (Double) up.get("num_tokens_scored"), what);
        assertEquals(want.get("num_green_tokens").doubleValue(), (Double) up.get("num_green_tokens"), what);
        assertClose(want.get("green_fraction").doubleValue(), (Double) up.get("green_fraction"), what + " green_fraction");
        assertClose(want.get("z_score").doubleValue(), (Double) up.get("z_score"), what + " z");
        assertClose(want.get("p_value").doubleValue(), (Double) up.get("p_value"), what + " p");
        assertEquals(want.get("prediction").booleanValue(), up.get("prediction"), what);
        assertClose(want.get("confidence").doubleValue(), (Double) up.get("confidence"), what + " confidence");
        assertEquals(java.util.List.of("num_tokens_scored", "num_green_tokens", "green_fraction", "z_score", "p_value",
                "prediction", "confidence"), java.util.List.copyOf(up.keySet()));
        assertTrue(r.evidence().numScored() <= (int) (double) (Double) up.get("num_tokens_scored"));
    }
}
