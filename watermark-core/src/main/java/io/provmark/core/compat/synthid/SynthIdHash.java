package io.provmark.core.compat.synthid;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SynthID-Text's hash: the LCG step {@code h = (h + x) * 6364136223846793005 + 1} in wrapping
 * signed int64 ({@code accumulate_hash}), Java's {@code long} arithmetic exactly. Folding a list
 * equals folding its prefix then the rest, so ngram keys extend context hashes.
 */
public final class SynthIdHash {
    /** The multiplier (newlib/musl LCG), as upstream. */
    public static final long MULTIPLIER = 6364136223846793005L;
    /** The increment. */
    public static final long INCREMENT = 1L;
    /** Initial hash of the Hugging Face port and of DeepMind before "Remove hash table lookup". */
    public static final long HF_INITIAL_HASH = 1L;

    private SynthIdHash() {
    }

    /** One step: {@code (h + x) * MULTIPLIER + 1} wrapping. */
    public static long step(long h, long x) {
        return (h + x) * MULTIPLIER + INCREMENT;
    }

    /** {@code accumulate_hash(h, ids[from..to))}. */
    public static long accumulate(long h, int[] ids, int from, int to) {
        for (int i = from; i < to; i++) {
            h = (h + ids[i]) * MULTIPLIER + INCREMENT;
        }
        return h;
    }

    /**
     * DeepMind HEAD's initial hash: {@code int.from_bytes(sha256(keys as int64 little-endian), 'big')
     * % (2^63 - 1)} (torch's int64 {@code numpy().tobytes()} on a little-endian host).
     */
    public static long deepMindHashIv(long[] keys) {
        ByteBuffer b = ByteBuffer.allocate(keys.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long k : keys) {
            b.putLong(k);
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(b.array());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
        return new BigInteger(1, digest).mod(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
    }
}
