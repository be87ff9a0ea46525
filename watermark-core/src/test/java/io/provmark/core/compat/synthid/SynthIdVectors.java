package io.provmark.core.compat.synthid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads the public SynthID vectors (copied from shared/vectors/reference/synthid) from the classpath. */
final class SynthIdVectors {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, JsonNode> CACHE = new HashMap<>();

    private SynthIdVectors() {
    }

    static synchronized JsonNode read(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            String res = "/vectors/reference/synthid/" + n;
            try (InputStream in = SynthIdVectors.class.getResourceAsStream(res)) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource " + res);
                }
                return MAPPER.readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).intValue();
        }
        return out;
    }

    static long[] longs(JsonNode arr) {
        long[] out = new long[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).isTextual() ? Long.parseLong(arr.get(i).asText()) : arr.get(i).longValue();
        }
        return out;
    }

    static boolean[] bools(JsonNode arr) {
        boolean[] out = new boolean[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).booleanValue();
        }
        return out;
    }

    static List<JsonNode> sequences(JsonNode file) {
        List<JsonNode> out = new ArrayList<>();
        file.get("sequences").forEach(out::add);
        return out;
    }

    /** A profile root as Jackson's generic map, as the CLI will pass it. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> profile(String json) {
        try {
            return MAPPER.readValue(json, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The default 30 keys of synthid_mixin.DEFAULT_WATERMARKING_CONFIG (public, used by the vectors). */
    static final String DEFAULT_KEYS = "[654, 400, 836, 123, 340, 443, 597, 160, 57, 29, 590, 639, 13, 715, 468, 990, 966,"
            + " 226, 324, 585, 118, 504, 421, 521, 129, 669, 732, 225, 90, 960]";

    static String hfProfile(int vocab, String detector) {
        return "{\"scheme\": \"hf-synthid\", \"vocab_size\": " + vocab + ", \"config\": {\"ngram_len\": 5, \"keys\": "
                + DEFAULT_KEYS + ", \"context_history_size\": 1024, \"sampling_table_seed\": 0,"
                + " \"sampling_table_size\": 65536}, \"detector\": " + detector + "}";
    }

    static String dmProfile(int vocab, String detector) {
        return "{\"scheme\": \"deepmind-synthid\", \"vocab_size\": " + vocab + ", \"config\": {\"ngram_len\": 5, \"keys\": "
                + DEFAULT_KEYS + ", \"context_history_size\": 1024}, \"detector\": " + detector + "}";
    }
}
