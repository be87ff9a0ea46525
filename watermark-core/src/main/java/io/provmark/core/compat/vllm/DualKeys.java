package io.provmark.core.compat.vllm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** vLLM's dual-key derivation (spec §2.5): first 8 bytes, big-endian, of SHA-256(domain ‖ K as 8 bytes big-endian). */
public final class DualKeys {
    public static final String KEY_A = "key_a";
    public static final String KEY_B = "key_b";

    private DualKeys() {
    }

    /** The derived 64-bit key (unsigned bit pattern) for a master key's bit pattern and domain. */
    public static long derive(long masterKey, String domain) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(domain.getBytes(StandardCharsets.US_ASCII));
            byte[] k = ByteBuffer.allocate(8).putLong(masterKey).array();
            sha.update(k);
            Arrays.fill(k, (byte) 0);
            byte[] d = sha.digest();
            long out = ByteBuffer.wrap(d, 0, 8).getLong();
            Arrays.fill(d, (byte) 0);
            return out;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
