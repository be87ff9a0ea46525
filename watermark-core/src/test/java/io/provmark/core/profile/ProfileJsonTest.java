package io.provmark.core.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.prf.ProvmarkPrf;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ProfileJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] SCHEMES = {"red-green", "gumbel", "synthid"};

    private static Profile defaults(String scheme) {
        return Profile.defaults(scheme, "k-0123456789ab", "cl100k_base", 100277);
    }

    private static List<Profile> variety() {
        List<Profile> out = new ArrayList<>();
        for (String s : SCHEMES) {
            out.add(defaults(s));
        }
        out.add(new Profile("red-green", new RedGreenParams(0.5, 0.0, RedGreenParams.Seeding.SELF_HASH), ProvmarkPrf.ID,
                4, "none", 32000, "k-a", DedupRule.CONTEXT, true, 2));
        out.add(new Profile("red-green", new RedGreenParams(0.1234567890123, 100.0, RedGreenParams.Seeding.LEFT_HASH),
                ProvmarkPrf.ID, 0, "o200k_base", 200019, "k.b_c-d", DedupRule.NONE, false, 199999));
        out.add(new Profile("gumbel", new GumbelParams(-1), ProvmarkPrf.ID, ProvmarkPrf.MAX_CONTEXT_WIDTH, "r50k_base",
                50257, "K9", DedupRule.PRF_INPUT, true, 50256));
        out.add(new Profile("synthid", new SynthIdParams(1, List.of(1), SynthIdParams.Score.MEAN, 17), ProvmarkPrf.ID, 1,
                "p50k_base", 50281, "k", DedupRule.CONTEXT, false, 0));
        out.add(new Profile("gumbel", new GumbelParams(0), ProvmarkPrf.ID, 2, "hf:qwen3", 151936, "k-q",
                DedupRule.PRF_INPUT, false, 151643, "04b3d8f3a14a710fdf894669a54f20d1977e67b15e6e2f3824bd5eda94715b3b"));
        out.add(defaults("red-green").withTokenizerSha256("c6a78fa1d4eb03ba5e58f23a1bde2d281615c457d29e2c1f50ea368a6ecbc666"));
        out.add(new Profile("synthid", new SynthIdParams(32, SynthIdParams.defaultWeights(32),
                SynthIdParams.Score.WEIGHTED_MEAN, -1), ProvmarkPrf.ID, 7, "none", Profile.MAX_VOCAB, "k-z", DedupRule.NONE,
                true, -1));
        return out;
    }

    private static ObjectNode tree(Profile p) throws JsonProcessingException {
        return (ObjectNode) JSON.readTree(ProfileJson.write(p));
    }

    /** Reads {@code json} expecting a ProfileException that names {@code field}. */
    private static ProfileException rejects(String json, String field) {
        ProfileException e = assertThrows(ProfileException.class, () -> ProfileJson.read(json), "accepted: " + json);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("'" + field + "'"), "message does not name " + field + ": " + e.getMessage());
        return e;
    }

    /** The default profile of {@code scheme}, changed by {@code edit}, must be rejected naming {@code field}. */
    private static ProfileException rejects(String scheme, Consumer<ObjectNode> edit, String field)
            throws JsonProcessingException {
        ObjectNode root = tree(defaults(scheme));
        edit.accept(root);
        return rejects(JSON.writeValueAsString(root), field);
    }

    private static ObjectNode params(ObjectNode root) {
        return (ObjectNode) root.get("params");
    }

    // ---- round trips and defaults ---------------------------------------------------------

    @Test
    void roundTripsEverySchemeAndOption() {
        for (Profile p : variety()) {
            String json = ProfileJson.write(p);
            Profile back = ProfileJson.read(json);
            assertEquals(p, back, json);
            assertEquals(json, ProfileJson.write(back), "writing is deterministic");
        }
    }

    @Test
    void writtenFormIsSelfDescribing() throws JsonProcessingException {
        ObjectNode root = tree(defaults("red-green"));
        assertEquals(Profile.FORMAT, root.get("format").asText());
        assertEquals(ProvmarkPrf.ID, root.get("prf").asText());
        assertTrue(root.get("eos_token_id").isNull(), "no EOS is written as null");
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("format", "scheme", "params", "prf", "context_width", "tokenizer", "vocab_size", "key_id",
                "dedup", "score_partial_context", "eos_token_id"), names);
    }

    @Test
    void defaultsAreValidForEverySchemeAndTokenizer() {
        for (String s : SCHEMES) {
            List<String> toks = new ArrayList<>(io.provmark.core.text.Tokenizers.jtokkitIds());
            toks.add("none");
            for (String tok : toks) {
                Profile p = Profile.defaults(s, "k-1", tok, 200019);
                assertEquals(s, p.scheme());
                assertEquals(s, p.params().scheme());
                assertEquals(ProvmarkPrf.ID, p.prf());
                assertEquals(DedupRule.PRF_INPUT, p.dedup(), "dedup is on by default");
                assertEquals(-1, p.eosTokenId());
                assertTrue(p.contextWidth() >= 1);
                assertEquals(p, ProfileJson.read(ProfileJson.write(p)));
            }
        }
        RedGreenParams rg = (RedGreenParams) defaults("red-green").params();
        assertEquals(0.25, rg.gamma());
        assertEquals(2.0, rg.delta());
        SynthIdParams sy = (SynthIdParams) defaults("synthid").params();
        assertEquals(30, sy.depth());
        assertEquals(30, sy.weights().size());
        ProfileException e = assertThrows(ProfileException.class, () -> Profile.defaults("kgw", "k-1", "none", 10));
        assertEquals("scheme", e.field());
    }

    // ---- unknown and missing fields -------------------------------------------------------

    @Test
    void unknownTopLevelFieldIsNamed() throws JsonProcessingException {
        for (String s : SCHEMES) {
            ProfileException e = rejects(s, r -> r.put("gama", 0.3), "gama");
            assertTrue(e.getMessage().contains("not a known field"), e.getMessage());
        }
    }

    @Test
    void unknownParamsFieldIsNamed() throws JsonProcessingException {
        for (String s : SCHEMES) {
            rejects(s, r -> params(r).put("salt", "x"), "params.salt");
        }
        // params of another scheme are unknown fields too
        rejects("gumbel", r -> params(r).put("gamma", 0.25), "params.gamma");
    }

    @Test
    void eachMissingFieldIsNamed() throws JsonProcessingException {
        for (String s : SCHEMES) {
            ObjectNode root = tree(defaults(s));
            List<String> top = new ArrayList<>();
            root.fieldNames().forEachRemaining(top::add);
            assertEquals(11, top.size());
            for (String f : top) {
                assertTrue(rejects(s, r -> r.remove(f), f).getMessage().contains("missing"));
            }
            List<String> ps = new ArrayList<>();
            params(root).fieldNames().forEachRemaining(ps::add);
            assertFalse(ps.isEmpty());
            for (String f : ps) {
                assertTrue(rejects(s, r -> params(r).remove(f), "params." + f).getMessage().contains("missing"));
            }
        }
    }

    // ---- wrong types ------------------------------------------------------------------------

    @Test
    void wrongTypesAreNamed() throws JsonProcessingException {
        String[][] top = {
            {"format", "1"}, {"scheme", "2"}, {"params", "\"gamma=0.25\""}, {"params", "[]"}, {"prf", "true"},
            {"context_width", "\"1\""}, {"context_width", "1.5"}, {"context_width", "null"}, {"tokenizer", "5"},
            {"vocab_size", "\"50257\""}, {"vocab_size", "1e5"}, {"vocab_size", "10000000000"}, {"key_id", "7"},
            {"dedup", "false"}, {"score_partial_context", "\"false\""}, {"score_partial_context", "0"},
            {"eos_token_id", "\"2\""}, {"eos_token_id", "2.0"}, {"eos_token_id", "{}"},
        };
        for (String[] c : top) {
            rejects("red-green", r -> r.set(c[0], parse(c[1])), c[0]);
        }
        rejects("red-green", r -> params(r).set("gamma", parse("\"0.25\"")), "params.gamma");
        rejects("red-green", r -> params(r).set("delta", parse("null")), "params.delta");
        rejects("red-green", r -> params(r).set("seeding", parse("1")), "params.seeding");
        rejects("gumbel", r -> params(r).set("repeated_context_window", parse("1.5")), "params.repeated_context_window");
        rejects("synthid", r -> params(r).set("depth", parse("\"30\"")), "params.depth");
        rejects("synthid", r -> params(r).set("weights", parse("\"30,29\"")), "params.weights");
        rejects("synthid", r -> params(r).set("weights", parse("{\"0\": 1}")), "params.weights");
        rejects("synthid", r -> ((com.fasterxml.jackson.databind.node.ArrayNode) params(r).get("weights")).set(3,
                parse("1.5")), "params.weights");
        rejects("synthid", r -> ((com.fasterxml.jackson.databind.node.ArrayNode) params(r).get("weights")).set(3,
                parse("\"4\"")), "params.weights");
        rejects("synthid", r -> params(r).set("score", parse("[\"mean\"]")), "params.score");
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    // ---- out of range -----------------------------------------------------------------------

    @Test
    void outOfRangeValuesAreNamed() throws JsonProcessingException {
        rejects("red-green", r -> params(r).put("gamma", 0), "params.gamma");
        rejects("red-green", r -> params(r).put("gamma", 1), "params.gamma");
        rejects("red-green", r -> params(r).put("gamma", 1.5), "params.gamma");
        rejects("red-green", r -> params(r).put("gamma", -0.25), "params.gamma");
        rejects("red-green", r -> params(r).put("delta", -1), "params.delta");
        rejects("red-green", r -> params(r).put("delta", 101), "params.delta");
        rejects("red-green", r -> params(r).put("seeding", "right-hash"), "params.seeding");
        rejects("synthid", r -> setDepth(r, 0), "params.depth");
        rejects("synthid", r -> setDepth(r, 33), "params.depth");
        rejects("synthid", r -> params(r).withArray("weights").remove(0), "params.weights"); // 29 weights, depth 30
        rejects("synthid", r -> params(r).withArray("weights").add(1), "params.weights");    // 31 weights
        rejects("synthid", r -> params(r).withArray("weights").set(0, F.numberNode(-1)), "params.weights");
        rejects("synthid", r -> params(r).withArray("weights").set(0, F.numberNode(1001)), "params.weights");
        rejects("synthid", r -> {
            for (int i = 0; i < 30; i++) {
                params(r).withArray("weights").set(i, F.numberNode(0));
            }
        }, "params.weights");
        rejects("synthid", r -> params(r).put("score", "median"), "params.score");
        rejects("synthid", r -> params(r).put("repeated_context_window", -2), "params.repeated_context_window");
        rejects("gumbel", r -> params(r).put("repeated_context_window", -2), "params.repeated_context_window");
        for (String s : SCHEMES) {
            rejects(s, r -> r.put("vocab_size", 1), "vocab_size");
            rejects(s, r -> r.put("vocab_size", 0), "vocab_size");
            rejects(s, r -> r.put("vocab_size", Profile.MAX_VOCAB + 1), "vocab_size");
            rejects(s, r -> r.put("context_width", -1), "context_width");
            rejects(s, r -> r.put("context_width", ProvmarkPrf.MAX_CONTEXT_WIDTH + 1), "context_width");
            rejects(s, r -> r.put("eos_token_id", 100277), "eos_token_id"); // == vocab_size
            rejects(s, r -> r.put("eos_token_id", 200000), "eos_token_id");
            rejects(s, r -> r.put("eos_token_id", -2), "eos_token_id");
        }
    }

    private static void setDepth(ObjectNode r, int depth) {
        params(r).put("depth", depth);
        params(r).withArray("weights").removeAll();
        for (int i = 0; i < depth; i++) {
            params(r).withArray("weights").add(1);
        }
    }

    @Test
    void badIdentifiersAreNamed() throws JsonProcessingException {
        for (String s : SCHEMES) {
            rejects(s, r -> r.put("key_id", "has space"), "key_id");
            rejects(s, r -> r.put("key_id", ""), "key_id");
            rejects(s, r -> r.put("key_id", "-starts-with-dash"), "key_id");
            rejects(s, r -> r.put("format", "provmark-profile-v2"), "format");
            rejects(s, r -> r.put("prf", "hmac-sha256"), "prf");
            rejects(s, r -> r.put("prf", "provmark-prf-v2"), "prf");
            rejects(s, r -> r.put("tokenizer", "gpt2"), "tokenizer");
            rejects(s, r -> r.put("dedup", "off"), "dedup");
        }
        rejects("red-green", r -> r.put("scheme", "kgw"), "scheme");
        rejects("red-green", r -> r.put("scheme", "Red-Green"), "scheme");
    }

    @Test
    void contextWidthZeroOnlyForRedGreen() throws JsonProcessingException {
        ProfileException e = rejects("gumbel", r -> r.put("context_width", 0), "context_width");
        assertTrue(e.getMessage().contains("gumbel"), e.getMessage());
        rejects("synthid", r -> r.put("context_width", 0), "context_width");
        ObjectNode unigram = tree(defaults("red-green"));
        unigram.put("context_width", 0);
        assertEquals(0, ProfileJson.read(JSON.writeValueAsString(unigram)).contextWidth());
    }

    @Test
    void eosNullMeansNone() throws JsonProcessingException {
        // null is the only way to say "no EOS" in JSON; -1 is the in-memory sentinel and is
        // accepted only because it round-trips to the same profile
        ObjectNode root = tree(defaults("gumbel"));
        root.put("eos_token_id", 7);
        assertEquals(7, ProfileJson.read(JSON.writeValueAsString(root)).eosTokenId());
        root.putNull("eos_token_id");
        assertEquals(-1, ProfileJson.read(JSON.writeValueAsString(root)).eosTokenId());
        root.put("eos_token_id", -1);
        assertEquals(-1, ProfileJson.read(JSON.writeValueAsString(root)).eosTokenId());
    }

    // ---- malformed documents ----------------------------------------------------------------

    @Test
    void malformedJsonIsAClearProfileException() {
        String good = ProfileJson.write(defaults("red-green"));
        for (String bad : new String[] {"", "   ", "{", "{\"format\": }", "not json", good.substring(0, good.length() / 2),
            good.replace(":", "="), "[1, 2, 3]", "\"profile\"", "42", "null", good.replace("0.25", "NaN"),
            good.replace("\"prf\"", "prf")}) {
            ProfileException e = assertThrows(ProfileException.class, () -> ProfileJson.read(bad), bad);
            assertEquals("(document)", e.field(), e.getMessage());
            assertTrue(e.getMessage().contains("JSON"), e.getMessage());
        }
    }

    @Test
    void deeplyNestedJsonIsRejectedWithoutStackOverflow() {
        for (int depth : new int[] {17, 1000, 100_000}) {
            String open = "{\"format\": " + "[".repeat(depth);
            String doc = open + "1" + "]".repeat(depth) + "}";
            ProfileException e = assertThrows(ProfileException.class, () -> ProfileJson.read(doc));
            assertEquals("(document)", e.field());
            assertTrue(e.getMessage().contains("nesting depth"), e.getMessage());
        }
    }

    @Test
    void duplicateFieldsAndTrailingContentAreRejected() {
        String good = ProfileJson.write(defaults("red-green"));
        // a second "gamma" would be read as 0.9 here but as 0.25 by a first-wins parser
        String dup = good.replace("\"gamma\" : 0.25,", "\"gamma\" : 0.25, \"gamma\" : 0.9,");
        assertTrue(dup.length() > good.length());
        ProfileException e = assertThrows(ProfileException.class, () -> ProfileJson.read(dup));
        assertTrue(e.getMessage().contains("Duplicate field 'gamma'"), e.getMessage());
        String dupTop = good.replace("\"dedup\" : \"prf-input\",", "\"dedup\" : \"none\", \"dedup\" : \"prf-input\",");
        assertThrows(ProfileException.class, () -> ProfileJson.read(dupTop));
        assertThrows(ProfileException.class, () -> ProfileJson.read(good + "{\"format\": 1}"));
        assertThrows(ProfileException.class, () -> ProfileJson.read(good + "]"));
        assertEquals(defaults("red-green"), ProfileJson.read(good + "\n\n  "), "trailing whitespace is fine");
    }
}
