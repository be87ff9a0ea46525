package io.provmark.core.compat.kgw;

import io.provmark.core.profile.ProfileException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strict reading of a compat profile parsed by Jackson into generic maps ({@code ObjectMapper.readValue(json,
 * Map.class)}): numbers arrive as Integer/Long/BigInteger/Double. Every failure is a
 * {@link ProfileException} naming the dotted field. Error messages never echo integer values of
 * fields that may hold a key (callers pass {@code secret = true}).
 */
public final class ProfileMaps {
    private ProfileMaps() {
    }

    /** The root of a compat profile: checks its fields and scheme name, returns the root. */
    public static Map<String, Object> root(Map<String, Object> root, String scheme) {
        if (root == null) {
            throw new ProfileException("(root)", "is missing: expected a JSON object");
        }
        allowOnly(root, "", Set.of("scheme", "config", "vocab_size", "detector"));
        Object s = root.get("scheme");
        if (!(s instanceof String)) {
            throw new ProfileException("scheme", s == null ? "is missing" : "must be a string");
        }
        if (!scheme.equals(s)) {
            throw new ProfileException("scheme", "must be \"" + scheme + "\" for this reader, got \"" + s + "\"");
        }
        return root;
    }

    /** A nested object; absent or null gives an empty map when {@code optional}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> m, String key, String field, boolean optional) {
        Object v = m.get(key);
        if (v == null) {
            if (optional) {
                return Map.of();
            }
            throw new ProfileException(field, "is missing");
        }
        if (!(v instanceof Map)) {
            throw new ProfileException(field, "must be a JSON object");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new ProfileException(field, "has a non-string key");
            }
            out.put((String) e.getKey(), e.getValue());
        }
        return out;
    }

    /** Rejects fields other than {@code allowed}. */
    public static void allowOnly(Map<String, Object> m, String prefix, Set<String> allowed) {
        for (String k : m.keySet()) {
            if (!allowed.contains(k)) {
                throw new ProfileException(prefix + k, "is not a known field (known: " + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
    }

    public static String string(Map<String, Object> m, String key, String field, String def) {
        Object v = m.get(key);
        if (v == null) {
            if (def == null) {
                throw new ProfileException(field, "is missing");
            }
            return def;
        }
        if (!(v instanceof String)) {
            throw new ProfileException(field, "must be a string");
        }
        return (String) v;
    }

    public static boolean bool(Map<String, Object> m, String key, String field, boolean def) {
        Object v = m.get(key);
        if (v == null) {
            return def;
        }
        if (!(v instanceof Boolean)) {
            throw new ProfileException(field, "must be true or false");
        }
        return (Boolean) v;
    }

    /** A finite number (integer or floating point in JSON). */
    public static double number(Map<String, Object> m, String key, String field, Double def) {
        Object v = m.get(key);
        if (v == null) {
            if (def == null) {
                throw new ProfileException(field, "is missing");
            }
            return def;
        }
        if (!(v instanceof Number) || v instanceof Byte) {
            throw new ProfileException(field, "must be a number");
        }
        double d = ((Number) v).doubleValue();
        if (!Double.isFinite(d)) {
            throw new ProfileException(field, "must be finite");
        }
        return d;
    }

    /**
     * A JSON integer (not a floating-point literal, nor a string). When {@code secret}, the value
     * never appears in error messages.
     */
    public static BigInteger integer(Map<String, Object> m, String key, String field, BigInteger def, boolean secret) {
        Object v = m.get(key);
        if (v == null) {
            if (def == null) {
                throw new ProfileException(field, "is missing");
            }
            return def;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            return BigInteger.valueOf(((Number) v).longValue());
        }
        if (v instanceof BigInteger) {
            return (BigInteger) v;
        }
        if (v instanceof BigDecimal || v instanceof Double || v instanceof Float) {
            throw new ProfileException(field, "must be an integer, not a floating-point number");
        }
        throw new ProfileException(field, "must be an integer" + (secret ? "" : ", got " + describe(v)));
    }

    /** An int in {@code [min, max]}. */
    public static int intIn(Map<String, Object> m, String key, String field, Integer def, long min, long max) {
        BigInteger b = integer(m, key, field, def == null ? null : BigInteger.valueOf(def), false);
        if (b.compareTo(BigInteger.valueOf(min)) < 0 || b.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ProfileException(field, "must be in [" + min + ", " + max + "], got " + b);
        }
        return b.intValue();
    }

    /** An optional int (absent or null gives {@code null}). */
    public static Integer optionalInt(Map<String, Object> m, String key, String field, long min, long max) {
        if (m.get(key) == null) {
            return null;
        }
        return intIn(m, key, field, null, min, max);
    }

    /** A list of strings (absent gives {@code def}). */
    public static List<String> strings(Map<String, Object> m, String key, String field, List<String> def) {
        Object v = m.get(key);
        if (v == null) {
            return def;
        }
        if (!(v instanceof List)) {
            throw new ProfileException(field, "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) v) {
            if (!(o instanceof String)) {
                throw new ProfileException(field, "must be a list of strings");
            }
            out.add((String) o);
        }
        return out;
    }

    /** vocab_size: required, at least {@code min}, below torch's 32-bit randperm limit. */
    public static int vocabSize(Map<String, Object> root, int min) {
        return intIn(root, "vocab_size", "vocab_size", null, min, io.provmark.core.compat.torch.TorchRandperm.MAX_N - 1L);
    }

    private static String describe(Object v) {
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Map) {
            return "an object";
        }
        return v.getClass().getSimpleName();
    }
}
