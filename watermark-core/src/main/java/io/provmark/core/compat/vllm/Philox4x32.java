package io.provmark.core.compat.vllm;

/**
 * The Random123 Philox4x32-10 block function (counter c0..c3, key k0,k1; all uint32 held in
 * {@code int}). vLLM uses it both as a keyed compression function ({@link VllmPrf}) and, for SBW,
 * directly with the token's group as counter and a per-token seed as key ({@link Sbw}).
 */
final class Philox4x32 {
    static final long M0 = 0xD2511F53L;
    static final long M1 = 0xCD9E8D57L;
    static final int W0 = 0x9E3779B9;
    static final int W1 = 0xBB67AE85;
    private static final long MASK = 0xFFFFFFFFL;

    private Philox4x32() {
    }

    /** Ten rounds; writes the four output words into {@code out[0..4)}. */
    static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            // The 32x32 products reach 2^64 - 1: only their bit patterns are used, so the signed
            // overflow of long is harmless and >>> yields the unsigned high half.
            long p0 = (c0 & MASK) * M0;
            long p2 = (c2 & MASK) * M1;
            int n0 = (int) (p2 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c1 = (int) p2;
            c3 = (int) p0;
            c0 = n0;
            c2 = n2;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** Output word {@code index} (0..3) of one block. */
    static int word(int c0, int c1, int c2, int c3, int k0, int k1, int index) {
        for (int round = 0; round < 10; round++) {
            long p0 = (c0 & MASK) * M0;
            long p2 = (c2 & MASK) * M1;
            int n0 = (int) (p2 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c1 = (int) p2;
            c3 = (int) p0;
            c0 = n0;
            c2 = n2;
            k0 += W0;
            k1 += W1;
        }
        switch (index) {
            case 0:
                return c0;
            case 1:
                return c1;
            case 2:
                return c2;
            default:
                return c3;
        }
    }
}
