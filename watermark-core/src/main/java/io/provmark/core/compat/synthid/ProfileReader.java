package io.provmark.core.compat.synthid;

import io.provmark.core.profile.ProfileException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strict reading of a compat profile parsed by Jackson into generic maps (numbers arrive as
 * Integer, Long, BigInteger or Double). Every problem is a {@link ProfileException} naming the
 * field; values of secret fields (the keys) are never echoed.
 */
final class ProfileReader {
    private ProfileReader() {
    }

    static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    static final BigInteger UINT64_LIMIT = BigInteger.ONE.shiftLeft(64);

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v, String field) {
        if (v == null) {
            throw new ProfileException(field, "is required (an object)");
        }
        if (!(v instanceof Map)) {
            throw new ProfileException(field, "must be an object, got " + typeName(v));
        }
        for (Object k : ((Map<?, ?>) v).keySet()) {
            if (!(k instanceof String)) {
                throw new ProfileException(field, "has a non-string key");
            }
        }
        return (Map<String, Object>) v;
    }

    static void allowOnly(Map<String, Object> m, String prefix, Set<String> allowed, String hint) {
        for (String k : m.keySet()) {
            if (!allowed.contains(k)) {
                String extra = hint == null ? "" : " " + hint;
                throw new ProfileException(prefix + k, "is not a known field (allowed: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")" + extra);
            }
        }
    }

    static String typeName(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Number) {
            return "a number";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof Map) {
            return "an object";
        }
        return v.getClass().getSimpleName();
    }

    /** An integer (Integer, Long or BigInteger; a Double with a fraction or a boolean is rejected). */
    static BigInteger integer(Object v, String field, boolean secret) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return BigInteger.valueOf(((Number) v).longValue());
        }
        if (v instanceof BigInteger) {
            return (BigInteger) v;
        }
        if (v == null) {
            throw new ProfileException(field, "is required (an integer)");
        }
        throw new ProfileException(field, "must be an integer, got " + (secret ? typeName(v) : describe(v)));
    }

    static String describe(Object v) {
        if (v instanceof String) {
            return "\"" + v + "\"";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        return typeName(v);
    }

    static int intIn(Map<String, Object> m, String key, String field, long min, long max, Integer dflt) {
        Object v = m.get(key);
        if (v == null) {
            if (m.containsKey(key) || dflt == null) {
                throw new ProfileException(field, "is required (an integer in " + min + ".." + max + ")");
            }
            return dflt;
        }
        BigInteger b = integer(v, field, false);
        if (b.compareTo(BigInteger.valueOf(min)) < 0 || b.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ProfileException(field, "must be in " + min + ".." + max + ", got " + b);
        }
        return b.intValueExact();
    }

    static boolean bool(Map<String, Object> m, String key, String field, boolean dflt) {
        if (!m.containsKey(key)) {
            return dflt;
        }
        Object v = m.get(key);
        if (!(v instanceof Boolean)) {
            throw new ProfileException(field, "must be true or false, got " + describe(v));
        }
        return (Boolean) v;
    }

    static String string(Map<String, Object> m, String key, String field, String dflt, Set<String> allowed) {
        if (!m.containsKey(key)) {
            return dflt;
        }
        Object v = m.get(key);
        if (!(v instanceof String)) {
            throw new ProfileException(field, "must be a string, got " + describe(v));
        }
        String s = (String) v;
        if (allowed != null && !allowed.contains(s)) {
            throw new ProfileException(field, "must be one of " + String.join(", ", new TreeSet<>(allowed))
                    + ", got \"" + s + "\"");
        }
        return s;
    }

    /** A finite real number (Integer, Long, BigInteger or Double). */
    static double real(Object v, String field) {
        if (v instanceof Boolean || !(v instanceof Number)) {
            throw new ProfileException(field, "must be a number, got " + describe(v));
        }
        double d = ((Number) v).doubleValue();
        if (!Double.isFinite(d)) {
            throw new ProfileException(field, "must be finite, got " + v);
        }
        return d;
    }

    /** Watermarking keys: a non-empty array of int64 integers (torch.tensor(keys) is int64). */
    static long[] keys(Map<String, Object> config, String field) {
        Object v = config.get("keys");
        if (v == null) {
            throw new ProfileException(field, "is required (a non-empty array of int64 integers)");
        }
        if (!(v instanceof List)) {
            throw new ProfileException(field, "must be an array of integers, got " + typeName(v));
        }
        List<?> list = (List<?>) v;
        if (list.isEmpty()) {
            throw new ProfileException(field, "must not be empty (one key per watermarking layer)");
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            String f = field + "[" + i + "]";
            BigInteger b = integer(list.get(i), f, true);
            if (b.compareTo(INT64_MIN) < 0 || b.compareTo(INT64_MAX) > 0) {
                // torch.tensor(keys) overflows int64 for such a value
                throw new ProfileException(f, "is outside the int64 range torch.tensor accepts");
            }
            out[i] = b.longValueExact();
        }
        return out;
    }
}
