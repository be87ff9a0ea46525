package io.provmark.core.compat.vllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helpers: the public vLLM vectors from the classpath, and profile builders. */
final class VllmVectors {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private VllmVectors() {
    }

    /** Reads {@code /vectors/vllm/<path>}. */
    static JsonNode read(String path) {
        String res = "/vectors/vllm/" + path;
        try (InputStream in = VllmVectors.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + res);
            }
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).intValue();
        }
        return out;
    }

    /** A decimal key string (up to 2^64 - 1) as its 64-bit pattern. */
    static long key64(String decimal) {
        return new BigInteger(decimal).longValue();
    }

    /** Parses a JSON profile text the way the CLI will (Jackson generic map). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) {
        try {
            return MAPPER.readValue(text, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A profile root with the given config fields (key given as decimal string → BigInteger/Long as Jackson would). */
    static Map<String, Object> profile(int vocab, Map<String, Object> config, Map<String, Object> detector) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", "vllm");
        root.put("config", config);
        root.put("vocab_size", vocab);
        if (detector != null) {
            root.put("detector", detector);
        }
        return root;
    }

    static Map<String, Object> cfg(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Jackson's representation of a decimal key. */
    static Object keyValue(String decimal) {
        BigInteger b = new BigInteger(decimal);
        return b.bitLength() < 32 ? (Object) b.intValue() : b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    static boolean relClose(double actual, double expected, double rtol) {
        if (expected == actual) {
            return true;
        }
        return Math.abs(actual - expected) <= rtol * Math.abs(expected) || Math.abs(actual - expected) <= 1e-300;
    }
}
