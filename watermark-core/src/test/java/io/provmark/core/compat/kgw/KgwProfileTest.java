package io.provmark.core.compat.kgw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.profile.ProfileException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Compat profiles for both KGW upstreams: accepted forms and every rejection naming its field. */
class KgwProfileTest {
    static final ObjectMapper M = new ObjectMapper();

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String s) {
        try {
            return M.readValue(s.replace('\'', '"'), Map.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void hfRejects(String profile, String field) {
        ProfileException e = assertThrows(ProfileException.class, () -> HfKgwCompat.fromProfile(json(profile)));
        assertEquals(field, e.field(), e.getMessage());
        assertFalse(e.getMessage().contains("4294967291"), "key leaked: " + e.getMessage());
    }

    static void origRejects(String profile, String field) {
        ProfileException e = assertThrows(ProfileException.class, () -> LmWatermarkingKgwCompat.fromProfile(json(profile)));
        assertEquals(field, e.field(), e.getMessage());
        assertFalse(e.getMessage().contains("4294967291"), "key leaked: " + e.getMessage());
    }

    @Test
    void hfAcceptsUpstreamDefaultsAndBigKeys() {
        HfKgwCompat c = HfKgwCompat.fromProfile(json("{'scheme':'hf-kgw','vocab_size':50257,'config':{}}"));
        assertEquals(12564, c.greenlistSize());
        assertEquals(1, c.contextWidth());
        HfKgwCompat.fromProfile(json("{'scheme':'hf-kgw','vocab_size':50257,'config':{'hashing_key':18446744073709551557}}"));
        assertFalse(c.toString().contains("15485863"));
        assertFalse(c.embedder().toString().contains("15485863"));
    }

    @Test
    void hfRejections() {
        hfRejects("{'scheme':'hf-kgw','config':{}}", "vocab_size");
        hfRejects("{'scheme':'hf-kgw','vocab_size':'50257','config':{}}", "vocab_size");
        hfRejects("{'scheme':'hf-kgw','vocab_size':1,'config':{}}", "vocab_size");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257}", "config");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{},'extra':1}", "extra");
        hfRejects("{'scheme':'vllm','vocab_size':50257,'config':{}}", "scheme");
        hfRejects("{'vocab_size':50257,'config':{}}", "scheme");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'seeding_scheme':'minhash'}}", "config.seeding_scheme");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'greenlist_ratio':1.0}}", "config.greenlist_ratio");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'greenlist_ratio':'0.25'}}", "config.greenlist_ratio");
        hfRejects("{'scheme':'hf-kgw','vocab_size':3,'config':{'greenlist_ratio':0.2}}", "config.greenlist_ratio");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'hashing_key':-1}}", "config.hashing_key");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'hashing_key':4294967291.0}}", "config.hashing_key");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'hashing_key':'4294967291'}}", "config.hashing_key");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'hashing_key':18446744073709551616}}", "config.hashing_key");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'seeding_scheme':'selfhash','hashing_key':9223372036854775808}}",
                "config.hashing_key");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'context_width':0}}", "config.context_width");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{'gamma':0.25}}", "config.gamma");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{},'detector':{'ignore_repeated_ngrams':'yes'}}",
                "detector.ignore_repeated_ngrams");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{},'detector':{'z':3}}", "detector.z");
        hfRejects("{'scheme':'hf-kgw','vocab_size':50257,'config':{},'detector':[]}", "detector");
    }

    @Test
    void originalAcceptsNamedAndFreeFormSchemes() {
        for (String s : new String[] {"simple_1", "lefthash", "selfhash", "algorithm-3", "ff-additive_prf-3-True",
                "ff-anchored_minhash_prf-4-True-4294967291", "ff-additive_prf-1-False-123456789012345678901234567890"}) {
            LmWatermarkingKgwCompat.fromProfile(json("{'scheme':'lm-watermarking-kgw','vocab_size':32000,'config':{'seeding_scheme':'" + s + "'}}"));
        }
        LmWatermarkingKgwCompat d = LmWatermarkingKgwCompat.fromProfile(json(
                "{'scheme':'lm-watermarking-kgw','vocab_size':32000,'config':{},'detector':{'normalizers':['unicode','homoglyphs']}}"));
        assertTrue(d.selfSalt()); // upstream's default scheme is selfhash
        assertEquals(4, d.contextWidth());
    }

    @Test
    void originalRejections() {
        String pre = "{'scheme':'lm-watermarking-kgw','vocab_size':32000,'config':{";
        origRejects(pre + "'seeding_scheme':'minhash'}}", "config.seeding_scheme");
        origRejects(pre + "'seeding_scheme':'ff-minhash_prf-4-False'}}", "config.seeding_scheme");
        origRejects(pre + "'seeding_scheme':'ff-additive_prf-0-False'}}", "config.seeding_scheme");
        origRejects(pre + "'seeding_scheme':'ff-additive_prf-1-true'}}", "config.seeding_scheme");
        origRejects(pre + "'seeding_scheme':'ff-additive_prf-1-False-4294967291-7'}}", "config.seeding_scheme");
        origRejects(pre + "'seeding_scheme':'ff-additive_prf-1-False-0x10'}}", "config.seeding_scheme");
        origRejects(pre + "'seeding_scheme':'ff-anchored_minhash_prf-4-True-9223372036854775808'}}", "config.seeding_scheme");
        origRejects(pre + "'seeding_scheme':'fancy'}}", "config.seeding_scheme");
        origRejects(pre + "'seeding_scheme':5}}", "config.seeding_scheme");
        origRejects(pre + "'gamma':0}}", "config.gamma");
        origRejects(pre + "'select_green_tokens':1}}", "config.select_green_tokens");
        origRejects(pre + "'greenlist_ratio':0.25}}", "config.greenlist_ratio");
        origRejects(pre + "},'detector':{'normalizers':['lowercase']}}", "detector.normalizers");
        origRejects(pre + "},'detector':{'z_threshold':'4'}}", "detector.z_threshold");
        origRejects(pre + "},'detector':{'window_size':'max'}}", "detector.window_size");
        origRejects("{'scheme':'lm-watermarking-kgw','config':{}}", "vocab_size");
    }

    @Test
    void legacyRedListSelectionIsTheComplementOfThePermutationHead() {
        // select_green_tokens=false: greenlist = perm[V-k:].
        LmWatermarkingKgwCompat legacy = LmWatermarkingKgwCompat.fromProfile(json(
                "{'scheme':'lm-watermarking-kgw','vocab_size':1000,'config':{'seeding_scheme':'simple_1','select_green_tokens':false}}"));
        LmWatermarkingKgwCompat normal = LmWatermarkingKgwCompat.of(1000, 0.25, 2.0, "simple_1");
        int[] ctx = {17};
        int[] perm = io.provmark.core.compat.torch.TorchRandperm.randperm(
                new io.provmark.core.compat.torch.TorchMt19937(normal.manualSeed(ctx)), 1000);
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(perm, 750, 1000)),
                java.util.Arrays.toString(legacy.greenlist(ctx)));
        int[] tokens = new int[40];
        for (int i = 0; i < 40; i++) {
            tokens[i] = (i * 37 + 5) % 1000;
        }
        var r = legacy.detect(tokens, null, true);
        for (int j = 0; j < 39; j++) {
            int[] c = {tokens[j]};
            int[] p = io.provmark.core.compat.torch.TorchRandperm.randperm(
                    new io.provmark.core.compat.torch.TorchMt19937(normal.manualSeed(c)), 1000);
            boolean green = false;
            for (int i = 750; i < 1000; i++) {
                green |= p[i] == tokens[j + 1];
            }
            assertEquals(green, r.perToken().get(j).get("green"));
        }
    }

    @Test
    void detectRejectsBadInputClearly() {
        HfKgwCompat c = HfKgwCompat.fromProfile(json("{'scheme':'hf-kgw','vocab_size':100,'config':{'context_width':2}}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.detect(new int[] {1, 2, 100}, null, false));
        assertTrue(e.getMessage().contains("tokens[2] = 100"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.detect(new int[] {1, 2}, null, false));
        assertTrue(e.getMessage().contains("at least 3"), e.getMessage());
    }
}
