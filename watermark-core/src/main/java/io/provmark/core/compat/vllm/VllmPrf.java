package io.provmark.core.compat.vllm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * vLLM's watermark PRFs: (key, context of W token ids, candidate token) to a 32-bit word, and a
 * word to a float32 uniform in (0, 1). Contexts are oldest first; positions before the text start
 * hold -1. Instances are immutable and thread-safe; key material never appears in toString.
 */
public abstract class VllmPrf {
    /** Label of the current Philox PRF (unchanged when its token mapping changed; see {@link #philoxLegacy}). */
    public static final String PHILOX_VERSION = "philox4x32-10-v1";
    public static final String HMAC_VERSION = "hmac-sha256-v1";

    private VllmPrf() {
    }

    /** The PRF's version label as vLLM reports it. */
    public abstract String version();

    /** Absorbs the context {@code ctx[from, from + width)}; the result is reusable for any candidate. */
    public abstract Context absorb(int[] ctx, int from, int width);

    /** The word for one (context, token) pair; {@code ctx} is the whole context. */
    public final int word(int[] ctx, int token) {
        return absorb(ctx, 0, ctx.length).word(token);
    }

    /** A context absorbed once, queried for many candidates. */
    public abstract static class Context {
        Context() {
        }

        /** The PRF word of {@code token} (taken modulo 2^32, as vLLM does). */
        public abstract int word(int token);

        /** Words of tokens 0..vocab-1 into {@code out}. */
        public void words(int vocab, int[] out) {
            for (int t = 0; t < vocab; t++) {
                out[t] = word(t);
            }
        }
    }

    // ------------------------------------------------------------------ word -> uniform

    /** The top 24 bits of the word, m in [0, 2^24). */
    public static int mantissa(int word) {
        return word >>> 8;
    }

    /**
     * The float32 uniform of a word: the largest float32 strictly below (m+1)·2^-24, which is the
     * float32 nearest to (m+1)/(2^24+1) (checked exhaustively in the tests). Never 0 or 1.
     */
    public static float uniform(int word) {
        return Math.nextDown((float) (((word >>> 8) + 1) * 0x1p-24));
    }

    /**
     * The lower edge m·2^-24 of the word's 24-bit cell; at most {@link #uniform(int)} and equal to
     * it whenever u >= 1/2. Used for conservative evidence: -ln(1 - edge) is dominated by Exp(1).
     */
    public static double lowerEdge(int word) {
        return (word >>> 8) * 0x1p-24;
    }

    // ------------------------------------------------------------------ factories

    /** {@code philox4x32-10-v1} as in current vLLM main; key is the 64-bit unsigned key's bit pattern. */
    public static VllmPrf philox(long key) {
        return new Philox(key, false);
    }

    /**
     * The superseded mapping under the same label (commits ecc30aeb/3da8712b): counter
     * (t, S0, S1, S2), always output word 0, no stream. Kept to identify old outputs.
     */
    public static VllmPrf philoxLegacy(long key) {
        return new Philox(key, true);
    }

    /** The historical {@code hmac-sha256-v1} PRF; {@code key32} is the key as 32 little-endian bytes. */
    public static VllmPrf hmacSha256(byte[] key32) {
        return new Hmac(key32);
    }

    // ------------------------------------------------------------------ Philox

    /** {@code philox4x32-10-v1}: Philox as a keyed compression function, see spec §1.2. */
    public static final class Philox extends VllmPrf {
        static final int CONTEXT_DOMAIN = 0x574D4358; // "WMCX"
        static final int TOKEN_DOMAIN = 0x574D544B; // "WMTK"
        private final int k0;
        private final int k1;
        private final boolean legacy;

        Philox(long key, boolean legacy) {
            this.k0 = (int) key;
            this.k1 = (int) (key >>> 32);
            this.legacy = legacy;
        }

        @Override
        public String version() {
            return PHILOX_VERSION;
        }

        /** The absorbed state S0..S3 of a context. */
        int[] state(int[] ctx, int from, int width) {
            if (width < 1) {
                throw new IllegalArgumentException("context width must be >= 1, got " + width);
            }
            int[] s = {CONTEXT_DOMAIN, width, 0, 0};
            int[] out = new int[4];
            for (int o = 0; o < width; o += 4) {
                int b0 = ctx[from + o];
                // A missing entry at block index i becomes 0xFFFFFFFF - i, never confused with -1 padding.
                int b1 = o + 1 < width ? ctx[from + o + 1] : 0xFFFFFFFE;
                int b2 = o + 2 < width ? ctx[from + o + 2] : 0xFFFFFFFD;
                int b3 = o + 3 < width ? ctx[from + o + 3] : 0xFFFFFFFC;
                Philox4x32.block(s[0] ^ b0, s[1] ^ b1, s[2] ^ b2, s[3] ^ b3, k0 ^ o, k1, out);
                System.arraycopy(out, 0, s, 0, 4);
            }
            return s;
        }

        @Override
        public PhiloxContext absorb(int[] ctx, int from, int width) {
            return new PhiloxContext(state(ctx, from, width), k0, k1, legacy);
        }

        /** Raw word with vLLM's 64-bit stream selector (0 for every algorithm). */
        public int word(int[] ctx, int token, long stream) {
            return absorb(ctx, 0, ctx.length).word(token, stream);
        }

        @Override
        public String toString() {
            return "VllmPrf[" + PHILOX_VERSION + (legacy ? " (superseded mapping)" : "") + ", key=<redacted>]";
        }
    }

    /** An absorbed Philox context. */
    public static final class PhiloxContext extends Context {
        private final int s0;
        private final int s1;
        private final int s2;
        private final int keyLo;
        private final int keyHi;
        private final boolean legacy;

        PhiloxContext(int[] s, int k0, int k1, boolean legacy) {
            this.s0 = s[0];
            this.s1 = s[1];
            this.s2 = s[2];
            this.keyLo = k0 ^ s[3];
            this.keyHi = k1 ^ Philox.TOKEN_DOMAIN;
            this.legacy = legacy;
        }

        @Override
        public int word(int token) {
            if (legacy) {
                return Philox4x32.word(token, s0, s1, s2, keyLo, keyHi, 0);
            }
            return Philox4x32.word(token >>> 2, s0, s1, s2, keyLo, keyHi, token & 3);
        }

        /** The word under a stream selector: high half into k0, low half into k1. */
        public int word(int token, long stream) {
            if (legacy) {
                throw new UnsupportedOperationException("the superseded Philox mapping has no stream");
            }
            return Philox4x32.word(token >>> 2, s0, s1, s2, keyLo ^ (int) (stream >>> 32), keyHi ^ (int) stream,
                    token & 3);
        }

        @Override
        public void words(int vocab, int[] out) {
            if (legacy) {
                super.words(vocab, out);
                return;
            }
            // Tokens 4g..4g+3 share one block (the GPU kernel relies on the same grouping).
            int[] block = new int[4];
            int full = vocab & ~3;
            for (int t = 0; t < full; t += 4) {
                Philox4x32.block(t >>> 2, s0, s1, s2, keyLo, keyHi, block);
                out[t] = block[0];
                out[t + 1] = block[1];
                out[t + 2] = block[2];
                out[t + 3] = block[3];
            }
            if (full < vocab) {
                Philox4x32.block(full >>> 2, s0, s1, s2, keyLo, keyHi, block);
                for (int t = full; t < vocab; t++) {
                    out[t] = block[t & 3];
                }
            }
        }

        /** Words of the group 4g..4g+3 (one block). */
        void group(int g, int[] out) {
            Philox4x32.block(g, s0, s1, s2, keyLo, keyHi, out);
        }
    }

    // ------------------------------------------------------------------ HMAC-SHA256

    /** {@code hmac-sha256-v1} (historical, removed from vLLM main), spec §1.3. */
    public static final class Hmac extends VllmPrf {
        /** The context width cap of the historical code. */
        public static final int MAX_WIDTH = 16;
        private static final byte[] LABEL = "vllm-watermark-hmac-sha256-v1\0".getBytes(StandardCharsets.US_ASCII);
        private final ThreadLocal<Mac> mac;

        Hmac(byte[] key32) {
            if (key32.length != 32) {
                throw new IllegalArgumentException("hmac-sha256 key must be 32 bytes, got " + key32.length);
            }
            SecretKeySpec spec = new SecretKeySpec(key32.clone(), "HmacSHA256");
            this.mac = ThreadLocal.withInitial(() -> {
                try {
                    Mac m = Mac.getInstance("HmacSHA256");
                    m.init(spec);
                    return m;
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("HmacSHA256 unavailable", e);
                }
            });
        }

        @Override
        public String version() {
            return HMAC_VERSION;
        }

        @Override
        public Context absorb(int[] ctx, int from, int width) {
            if (width < 1 || width > MAX_WIDTH) {
                throw new IllegalArgumentException("hmac-sha256 context width must be in 1.." + MAX_WIDTH + ", got " + width);
            }
            ByteBuffer b = ByteBuffer.allocate(LABEL.length + 4 + 8 * width).order(ByteOrder.LITTLE_ENDIAN);
            b.put(LABEL).putInt(width);
            for (int i = 0; i < width; i++) {
                b.putLong(ctx[from + i]); // signed int64: padding -1 is eight 0xFF bytes
            }
            byte[] prefix = b.array();
            return new Context() {
                @Override
                public int word(int token) {
                    Mac m = mac.get();
                    m.update(prefix);
                    byte[] t = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(token).array();
                    byte[] d = m.doFinal(t);
                    Arrays.fill(t, (byte) 0);
                    return (d[0] & 0xFF) | (d[1] & 0xFF) << 8 | (d[2] & 0xFF) << 16 | (d[3] & 0xFF) << 24;
                }
            };
        }

        @Override
        public String toString() {
            return "VllmPrf[" + HMAC_VERSION + ", key=<redacted>]";
        }
    }
}
