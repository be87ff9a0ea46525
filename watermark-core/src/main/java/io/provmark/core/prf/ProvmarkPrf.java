package io.provmark.core.prf;

import io.provmark.core.key.WatermarkKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code provmark-prf-v1}: the keyed cryptographic function behind our own schemes.
 *
 * <p>Byte layout (normative text: {@code docs/spec/prf.md}):
 * <ul>
 *   <li>{@code K_ctx = HMAC-SHA256(K, "provmark-prf-v1:ctx:" + domain)},
 *       {@code K_tok = HMAC-SHA256(K, "provmark-prf-v1:tok:" + domain)}; both AES-256 keys.</li>
 *   <li>Left-hash context seed: AES-256-CBC-MAC under {@code K_ctx} (zero IV) of
 *       {@code LE32(h) || LE32(c_1) || … || LE32(c_h)} zero-padded to a multiple of 16 bytes;
 *       the seed is the first 12 bytes of the last block. The length prefix makes the message
 *       set prefix-free, which is what CBC-MAC needs to be a PRF.</li>
 *   <li>Self-hash: {@code H(x)} = LE64 of the first 8 bytes of
 *       {@code AES(K_ctx, LE32(0xFFFFFFFE) || LE32(x) || 0^8)} (unsigned); seed for min-hash value
 *       {@code s} = first 12 bytes of {@code AES(K_ctx, LE32(0xFFFFFFFD) || LE64(s) || 0^4)}.</li>
 *   <li>Token words: the AES-256-CTR keystream under {@code K_tok} with the 12-byte seed as nonce
 *       and a 32-bit big-endian block counter from 0; token {@code t}'s word is LE32 of keystream
 *       bytes {@code [4t, 4t+4)}. So a full-vocabulary step is one CTR pass and any single token
 *       is one AES block.</li>
 *   <li>Uniform: {@code u = (w + 0.5) / 2^32}, w unsigned: never 0 or 1, exact in a double.</li>
 * </ul>
 *
 * <p>Thread-safe: each thread gets its own cipher instances and scratch buffers. AES runs through
 * the JDK's provider, which uses AES-NI where the CPU has it (about 8 ns a block here).
 */
public final class ProvmarkPrf {
    public static final String ID = "provmark-prf-v1";
    public static final int SEED_BYTES = 12;
    static final int TAG_SELF_TOKEN = 0xFFFFFFFE;
    static final int TAG_SELF_SEED = 0xFFFFFFFD;
    /** Longest left-hash context; keeps the length word far away from the self-hash tags. */
    public static final int MAX_CONTEXT_WIDTH = 1024;

    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final double TWO_POW_M32 = 0x1.0p-32;

    private final String domain;
    private final String keyId;
    private final ThreadLocal<Workspace> workspace;

    public ProvmarkPrf(WatermarkKey key, String domain) {
        Objects.requireNonNull(key, "key");
        if (domain == null || domain.isEmpty()) {
            throw new IllegalArgumentException("PRF domain must be non-empty");
        }
        this.domain = domain;
        this.keyId = key.id();
        byte[] material = key.material();
        byte[] kCtx = hmac(material, ID + ":ctx:" + domain);
        byte[] kTok = hmac(material, ID + ":tok:" + domain);
        Arrays.fill(material, (byte) 0);
        // the subkeys live only inside the per-thread ciphers' key schedules
        SecretKeySpec ctxSpec = new SecretKeySpec(kCtx, "AES");
        SecretKeySpec tokSpec = new SecretKeySpec(kTok, "AES");
        Arrays.fill(kCtx, (byte) 0);
        Arrays.fill(kTok, (byte) 0);
        this.workspace = ThreadLocal.withInitial(() -> new Workspace(ctxSpec, tokSpec));
    }

    public String domain() {
        return domain;
    }

    public String keyId() {
        return keyId;
    }

    private static byte[] hmac(byte[] key, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Per-thread ciphers and buffers; never shared across threads. */
    private static final class Workspace {
        final Cipher ctx;
        final Cipher tok;
        /** The same key in CTR mode: the JDK's counter-mode intrinsic makes a full-vocabulary pass ~3x faster than ECB. */
        final Cipher tokCtr;
        final SecretKeySpec tokKey;
        final byte[] block = new byte[16];
        final byte[] out = new byte[16];
        final byte[] iv = new byte[16];
        byte[] in = new byte[0];
        byte[] ks = new byte[0];
        byte[] zeros = new byte[0];

        Workspace(SecretKeySpec ctxKey, SecretKeySpec tokKey) {
            try {
                ctx = Cipher.getInstance("AES/ECB/NoPadding");
                ctx.init(Cipher.ENCRYPT_MODE, ctxKey);
                tok = Cipher.getInstance("AES/ECB/NoPadding");
                tok.init(Cipher.ENCRYPT_MODE, tokKey);
                tokCtr = Cipher.getInstance("AES/CTR/NoPadding");
                this.tokKey = tokKey;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-256 unavailable", e);
            }
        }

        void ensure(int bytes) {
            if (in.length < bytes) {
                in = new byte[bytes];
                ks = new byte[bytes];
            }
        }

        /** An all-zero buffer: CTR-encrypting zeros yields the keystream itself. Never written. */
        byte[] zeros(int bytes) {
            if (zeros.length < bytes) {
                zeros = new byte[bytes];
            }
            return zeros;
        }
    }

    private static void aes(Cipher c, byte[] in, int len, byte[] out) {
        try {
            c.update(in, 0, len, out, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Left-hash context seed of {@code ids[from, to)} (oldest first) into {@code seed[0..12)}.
     * A context shorter than the profile's width is hashed with its actual length.
     */
    public void leftHashSeed(int[] ids, int from, int to, byte[] seed) {
        int h = to - from;
        if (h < 0 || h > MAX_CONTEXT_WIDTH) {
            throw new IllegalArgumentException("context length " + h + " outside 0.." + MAX_CONTEXT_WIDTH);
        }
        Workspace w = workspace.get();
        byte[] b = w.block;
        byte[] x = w.out;
        Arrays.fill(x, (byte) 0);
        // words of the message: h, c_1..c_h, then zero padding to a multiple of 4 words
        int words = 1 + h;
        int blocks = (words + 3) >>> 2;
        for (int blk = 0; blk < blocks; blk++) {
            for (int lane = 0; lane < 4; lane++) {
                int wi = blk * 4 + lane;
                int v = wi == 0 ? h : (wi <= h ? ids[from + wi - 1] : 0);
                LE_INT.set(b, lane * 4, v ^ (int) LE_INT.get(x, lane * 4));
            }
            aes(w.ctx, b, 16, x);
        }
        System.arraycopy(x, 0, seed, 0, SEED_BYTES);
    }

    /** The self-hash value {@code H(x)} of one token, compared as an unsigned 64-bit number. */
    public long selfHashValue(int token) {
        Workspace w = workspace.get();
        byte[] b = w.block;
        Arrays.fill(b, (byte) 0);
        LE_INT.set(b, 0, TAG_SELF_TOKEN);
        LE_INT.set(b, 4, token);
        aes(w.ctx, b, 16, w.out);
        return (long) LE_LONG.get(w.out, 0);
    }

    /** H(x) for every token 0..vocab-1, in one pass (the self-hash fast path caches this table). */
    public long[] selfHashTable(int vocab) {
        Workspace w = workspace.get();
        int bytes = vocab * 16;
        byte[] in = new byte[bytes];
        byte[] out = new byte[bytes];
        for (int t = 0; t < vocab; t++) {
            LE_INT.set(in, t * 16, TAG_SELF_TOKEN);
            LE_INT.set(in, t * 16 + 4, t);
        }
        aes(w.ctx, in, bytes, out);
        long[] table = new long[vocab];
        for (int t = 0; t < vocab; t++) {
            table[t] = (long) LE_LONG.get(out, t * 16);
        }
        return table;
    }

    /** Seed for a self-hash min value {@code s}. */
    public void selfHashSeed(long s, byte[] seed) {
        Workspace w = workspace.get();
        byte[] b = w.block;
        Arrays.fill(b, (byte) 0);
        LE_INT.set(b, 0, TAG_SELF_SEED);
        LE_LONG.set(b, 4, s);
        aes(w.ctx, b, 16, w.out);
        System.arraycopy(w.out, 0, seed, 0, SEED_BYTES);
    }

    /** The 32-bit word of one token under {@code seed}. */
    public int word(byte[] seed, int token) {
        Workspace w = workspace.get();
        byte[] b = w.block;
        System.arraycopy(seed, 0, b, 0, SEED_BYTES);
        BE_INT.set(b, 12, token >>> 2);
        aes(w.tok, b, 16, w.out);
        return (int) LE_INT.get(w.out, (token & 3) * 4);
    }

    /** Words of tokens {@code 0..vocab-1} under {@code seed} into {@code out[0..vocab)}: one CTR pass. */
    public void words(byte[] seed, int vocab, int[] out) {
        int bytes = ((vocab + 3) >>> 2) * 16;
        Workspace w = workspace.get();
        w.ensure(bytes);
        // nonce = seed, 32-bit big-endian counter from 0; the JDK increments the whole block, but
        // vocab <= 2^24 keeps the counter far from carrying into the nonce
        System.arraycopy(seed, 0, w.iv, 0, SEED_BYTES);
        java.util.Arrays.fill(w.iv, SEED_BYTES, 16, (byte) 0);
        try {
            w.tokCtr.init(Cipher.ENCRYPT_MODE, w.tokKey, new javax.crypto.spec.IvParameterSpec(w.iv));
            w.tokCtr.doFinal(w.zeros(bytes), 0, bytes, w.ks, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CTR failed", e);
        }
        byte[] ks = w.ks;
        for (int t = 0; t < vocab; t++) {
            out[t] = (int) LE_INT.get(ks, t * 4);
        }
    }

    /** Words of {@code tokens[0..n)} under one seed (a caller's candidate set) into {@code out}. */
    public void words(byte[] seed, int[] tokens, int n, int[] out) {
        Workspace w = workspace.get();
        w.ensure(n * 16);
        byte[] in = w.in;
        int s0 = (int) LE_INT.get(seed, 0);
        int s1 = (int) LE_INT.get(seed, 4);
        int s2 = (int) LE_INT.get(seed, 8);
        for (int i = 0, o = 0; i < n; i++, o += 16) {
            LE_INT.set(in, o, s0);
            LE_INT.set(in, o + 4, s1);
            LE_INT.set(in, o + 8, s2);
            BE_INT.set(in, o + 12, tokens[i] >>> 2);
        }
        aes(w.tok, in, n * 16, w.ks);
        byte[] ks = w.ks;
        for (int i = 0; i < n; i++) {
            out[i] = (int) LE_INT.get(ks, i * 16 + (tokens[i] & 3) * 4);
        }
    }

    /** u = (w + 0.5) / 2^32 for the unsigned word w: uniform on (0,1), never 0 or 1. */
    public static double uniform(int word) {
        return ((word & 0xFFFFFFFFL) + 0.5) * TWO_POW_M32;
    }

    /** 1 - u computed without cancellation: (2^32 - w - 0.5) / 2^32. */
    public static double oneMinusUniform(int word) {
        return ((~word & 0xFFFFFFFFL) + 0.5) * TWO_POW_M32;
    }

    @Override
    public String toString() {
        return "ProvmarkPrf[" + ID + ", domain=" + domain + ", key=" + keyId + "]";
    }
}
