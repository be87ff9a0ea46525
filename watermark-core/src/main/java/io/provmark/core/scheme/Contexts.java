package io.provmark.core.scheme;

/** Context helpers shared by the schemes: identities for dedup and the repeated-context check. */
public final class Contexts {
    private Contexts() {
    }

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** SplitMix64 finaliser: an unkeyed, public 64-bit mixer (dedup identities only). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Unkeyed identity of {@code ids[from, to)}, length included. */
    public static long identity(int[] ids, int from, int to) {
        long h = mix(0x70726F766D61726BL ^ (to - from));
        for (int i = from; i < to; i++) {
            h = mix(h + GOLDEN + (ids[i] & 0xFFFFFFFFL));
        }
        return h;
    }

    /** Identity of (context identity, token). */
    public static long withToken(long contextIdentity, int token) {
        return mix(contextIdentity ^ mix(GOLDEN * 3 + (token & 0xFFFFFFFFL)));
    }

    /**
     * Whether the last h tokens of {@code ids[0..len)} occurred as the context of an earlier
     * position within the last {@code window} positions (0: the whole sequence; -1: never).
     */
    public static boolean isRepeatedContext(int[] ids, int len, int h, int window) {
        if (window < 0 || h <= 0 || len <= h) {
            return false;
        }
        int lowest = window == 0 ? h : Math.max(h, len - window);
        outer:
        for (int j = len - 1; j >= lowest; j--) {
            for (int k = 1; k <= h; k++) {
                if (ids[j - k] != ids[len - k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
