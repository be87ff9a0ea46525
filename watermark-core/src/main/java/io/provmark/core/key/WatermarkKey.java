package io.provmark.core.key;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A secret watermark key: at least 256 bits from {@link SecureRandom}, named by a public id.
 *
 * <p>Not a record on purpose: a record's generated {@code toString}, {@code equals} and accessors
 * would expose the key bytes. The material only leaves this class through {@link #material()},
 * which returns a copy for the PRF and the encrypted keyset file.
 */
public final class WatermarkKey {
    public static final int MIN_BYTES = 32;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final byte[] FINGERPRINT_DOMAIN =
            "provmark-key-fingerprint-v1".getBytes(StandardCharsets.US_ASCII);

    private final String id;
    private final byte[] material;
    private final long createdEpochSecond;

    public WatermarkKey(String id, byte[] material, long createdEpochSecond) {
        validateId(id);
        Objects.requireNonNull(material, "key material");
        if (material.length < MIN_BYTES) {
            throw new IllegalArgumentException("key '" + id + "' is " + material.length * 8
                    + " bits; provmark keys must have at least " + MIN_BYTES * 8 + " bits");
        }
        if (createdEpochSecond < 0) {
            throw new IllegalArgumentException("key '" + id + "': created time must be >= 0");
        }
        this.id = id;
        this.material = material.clone();
        this.createdEpochSecond = createdEpochSecond;
    }

    /** A fresh 256-bit key from the platform's strong {@link SecureRandom}. */
    public static WatermarkKey generate(String id) {
        byte[] bytes = new byte[MIN_BYTES];
        strongRandom().nextBytes(bytes);
        try {
            return new WatermarkKey(id, bytes, System.currentTimeMillis() / 1000);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** A random key id such as {@code k-1f3a9c0d22e4}; ids are public. */
    public static String newId() {
        byte[] b = new byte[6];
        strongRandom().nextBytes(b);
        return "k-" + HexFormat.of().formatHex(b);
    }

    public static void validateId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid key id '" + id
                    + "': use 1-64 characters [A-Za-z0-9._-], starting with a letter or digit");
        }
    }

    static SecureRandom strongRandom() {
        try {
            return SecureRandom.getInstanceStrong();
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    public String id() {
        return id;
    }

    public long createdEpochSecond() {
        return createdEpochSecond;
    }

    public int bits() {
        return material.length * 8;
    }

    /** A copy of the secret bytes. Callers must not log, print or return them. */
    public byte[] material() {
        return material.clone();
    }

    /**
     * A public commitment to the key: SHA-256 over a domain tag, the id and the key bytes, hex.
     * It binds a report to this exact key (a court expert can later recompute it from the
     * disclosed key) and reveals nothing usable about the 256-bit key.
     */
    public String fingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(FINGERPRINT_DOMAIN);
            md.update((byte) 0);
            md.update(id.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(material);
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Same id, created time and bytes; compared in constant time. */
    @Override
    public boolean equals(Object o) {
        return o instanceof WatermarkKey k && k.id.equals(id)
                && k.createdEpochSecond == createdEpochSecond
                && MessageDigest.isEqual(k.material, material);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "WatermarkKey[id=" + id + ", bits=" + bits() + ", material=<redacted>]";
    }
}
