package io.provmark.core.compat.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The vLLM PRFs against every public vector, plus the word→uniform rule exhaustively. */
class VllmPrfTest {

    private static int hex(String s) {
        return (int) Long.parseLong(s.substring(2), 16);
    }

    @Test
    void philoxBlockMatchesRandom123KnownAnswers() {
        JsonNode cases = VllmVectors.read("shipped/compat_vectors.json").get("random123_kat_philox4x32_10").get("cases");
        assertEquals(3, cases.size());
        for (JsonNode c : cases) {
            JsonNode ctr = c.get("counter");
            JsonNode key = c.get("key");
            int[] out = new int[4];
            Philox4x32.block(hex(ctr.get(0).asText()), hex(ctr.get(1).asText()), hex(ctr.get(2).asText()),
                    hex(ctr.get(3).asText()), hex(key.get(0).asText()), hex(key.get(1).asText()), out);
            for (int i = 0; i < 4; i++) {
                assertEquals(hex(c.get("out").get(i).asText()), out[i], "word " + i);
                assertEquals(out[i], Philox4x32.word(hex(ctr.get(0).asText()), hex(ctr.get(1).asText()),
                        hex(ctr.get(2).asText()), hex(ctr.get(3).asText()), hex(key.get(0).asText()),
                        hex(key.get(1).asText()), i));
            }
        }
    }

    @Test
    void shippedCompatibilityVectors() {
        JsonNode v = VllmVectors.read("shipped/compat_vectors.json");
        int[][] contexts = {{1, 2, 3, 4}, {4, 5, 6, 7}};
        int[] tokens = {7, 8};
        JsonNode cur = v.get("philox4x32-10-v1");
        JsonNode legacy = v.get("philox_legacy_mapping_same_label");
        JsonNode hmac = v.get("hmac-sha256-v1");
        VllmPrf philox = VllmPrf.philox(42);
        VllmPrf old = VllmPrf.philoxLegacy(42);
        byte[] k = new byte[32];
        k[0] = 42;
        VllmPrf mac = VllmPrf.hmacSha256(k);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                int w = philox.word(contexts[i], tokens[j]);
                assertEquals(cur.get("expected_uint32").get(i).get(j).asLong(), w & 0xFFFFFFFFL);
                assertEquals(cur.get("expected_mantissas").get(i).get(j).asInt(), VllmPrf.mantissa(w));
                assertEquals(legacy.get("expected_mantissas").get(i).get(j).asInt(),
                        VllmPrf.mantissa(old.word(contexts[i], tokens[j])));
                assertEquals(hmac.get("expected_mantissas").get(i).get(j).asInt(),
                        VllmPrf.mantissa(mac.word(contexts[i], tokens[j])));
            }
        }
    }

    /** The profile path builds the same PRFs (HMAC key as 32 little-endian bytes, Philox key bit pattern). */
    @Test
    void profileKeysReachThePrfUnchanged() {
        JsonNode v = VllmVectors.read("shipped/compat_vectors.json");
        int[][] contexts = {{1, 2, 3, 4}, {4, 5, 6, 7}};
        VllmConfig hmac = VllmConfig.parse(VllmVectors.json("{\"config\":{\"key\":42,\"prf\":\"hmac_sha256\"},\"vocab_size\":16}"));
        VllmConfig philox = VllmConfig.parse(VllmVectors.json("{\"config\":{\"key\":42},\"vocab_size\":16}"));
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(v.get("hmac-sha256-v1").get("expected_mantissas").get(i).get(j).asInt(),
                        VllmPrf.mantissa(hmac.prf64().word(contexts[i], 7 + j)));
                assertEquals(v.get("philox4x32-10-v1").get("expected_uint32").get(i).get(j).asLong(),
                        philox.prf64().word(contexts[i], 7 + j) & 0xFFFFFFFFL);
            }
        }
    }

    @Test
    void everyKey42VectorGroup() {
        JsonNode file = VllmVectors.read("prf_vectors_key42.json");
        int groups = 0;
        int vectors = 0;
        for (JsonNode g : file.get("groups")) {
            String prfName = g.get("prf").asText();
            long key = VllmVectors.key64(g.get("key").asText());
            long stream = new BigInteger(g.get("stream").asText()).longValue();
            int width = g.get("context_width").asInt();
            VllmPrf prf;
            if (prfName.equals("philox4x32-10-v1")) {
                prf = VllmPrf.philox(key);
            } else if (prfName.equals("hmac-sha256-v1")) {
                byte[] k = new byte[32];
                k[0] = (byte) key;
                prf = VllmPrf.hmacSha256(k);
            } else {
                assertTrue(prfName.startsWith("philox-legacy"), prfName);
                prf = VllmPrf.philoxLegacy(key);
            }
            for (JsonNode vec : g.get("vectors")) {
                int[] ctx = VllmVectors.ints(vec.get("context"));
                assertEquals(width, ctx.length);
                int token = vec.get("token").asInt();
                int w;
                if (stream != 0) {
                    w = ((VllmPrf.Philox) prf).word(ctx, token, stream);
                } else {
                    w = prf.word(ctx, token);
                }
                String where = prfName + " W=" + width + " stream=" + Long.toUnsignedString(stream) + " ctx="
                        + Arrays.toString(ctx) + " token=" + token;
                assertEquals(vec.get("uint32").asLong(), w & 0xFFFFFFFFL, where);
                if (vec.has("mantissa24")) {
                    assertEquals(vec.get("mantissa24").asInt(), VllmPrf.mantissa(w), where);
                    float u = VllmPrf.uniform(w);
                    // float32 exactly: bit pattern equality (0 ulp)
                    assertEquals(hex(vec.get("uniform_f32_bits").asText()), Float.floatToRawIntBits(u), where);
                    assertEquals(vec.get("uniform").asDouble(), (double) u, 0.0, where);
                }
                vectors++;
            }
            groups++;
        }
        assertEquals(14, groups);
        assertEquals(800, vectors, "vectors checked");
    }

    @Test
    void streamZeroEqualsPlainWordAndStreamsDiffer() {
        VllmPrf.Philox p = (VllmPrf.Philox) VllmPrf.philox(VllmVectors.key64("15726070495360670683"));
        for (int width : new int[] {1, 4, 16}) {
            int[] ctx = new int[width];
            Arrays.fill(ctx, -1);
            ctx[width - 1] = 12345;
            for (int t = 0; t < 64; t++) {
                int w0 = p.word(ctx, t, 0L);
                assertEquals(w0, p.word(ctx, t));
                assertNotEquals(w0, p.word(ctx, t, 1L));
                assertNotEquals(w0, p.word(ctx, t, 1L << 32));
            }
        }
    }

    /** The uniform rule: nextDown((m+1)·2^-24) equals float32((m+1)/(2^24+1)) for all 2^24 mantissas. */
    @Test
    void uniformRuleExhaustive() {
        float prev = 0f;
        for (int m = 0; m < (1 << 24); m++) {
            float u = VllmPrf.uniform(m << 8 | 0xAB);
            float viaDouble = (float) ((m + 1) / (double) ((1 << 24) + 1));
            if (u != viaDouble) {
                throw new AssertionError("m=" + m + ": " + u + " vs " + viaDouble);
            }
            if (!(u > prev)) {
                throw new AssertionError("uniform not strictly increasing at m=" + m);
            }
            if (!(VllmPrf.lowerEdge(m << 8) <= u) || (u >= 0.5f && VllmPrf.lowerEdge(m << 8) != u)) {
                throw new AssertionError("lower edge rule fails at m=" + m);
            }
            prev = u;
        }
        assertEquals(0x1p-24f - 0x1p-48f, VllmPrf.uniform(0), 0f);
        assertEquals(1f - 0x1p-24f, VllmPrf.uniform(-1), 0f);
        assertFalse(VllmPrf.uniform(-1) >= 1f);
    }

    /** Tokens 4g..4g+3 share one Philox block: the bulk path equals the per-token path for odd vocab sizes. */
    @Test
    void bulkWordsEqualSingleWords() {
        VllmPrf prf = VllmPrf.philox(VllmVectors.key64("18446744073709551615"));
        for (int vocab : new int[] {1, 5, 127, 130}) {
            int[] ctx = {-1, 3, 9, 27, 81};
            VllmPrf.Context c = prf.absorb(ctx, 0, ctx.length);
            int[] bulk = new int[vocab];
            c.words(vocab, bulk);
            for (int t = 0; t < vocab; t++) {
                assertEquals(c.word(t), bulk[t]);
            }
        }
    }

    @Test
    void toStringRedactsKey() {
        String s = VllmPrf.philox(987654321987L).toString();
        assertFalse(s.contains("987654321987"), s);
        assertTrue(s.contains("redacted"));
    }
}
