package io.provmark.core.key;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * The keyset file: keys encrypted at rest with AES-256-GCM under a key derived from a passphrase
 * with scrypt (Bouncy Castle). The public header (format, KDF parameters, primary id, key ids and
 * fingerprints) is authenticated as associated data, so tampering with it fails decryption too.
 *
 * <p>Writes go to a temporary file in the same directory and are moved into place atomically, so
 * a crash never leaves a half-written keyset.
 */
public final class KeysetFile {
    public static final String FORMAT = "provmark-keyset-v1";
    /** scrypt cost: 2^15 x 8 x 128 B = 32 MiB and about 0.1 s per open on a laptop. */
    static final int SCRYPT_N = 1 << 15;
    static final int SCRYPT_R = 8;
    static final int SCRYPT_P = 1;
    private static final int MIN_PASSPHRASE_CHARS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private KeysetFile() {
    }

    /** Thrown for a wrong passphrase, a corrupted file or an unreadable format; never holds key bytes. */
    public static final class KeysetFileException extends IOException {
        public KeysetFileException(String message) {
            super(message);
        }
    }

    public static void write(Path file, Keyset keyset, char[] passphrase) throws IOException {
        if (passphrase == null || passphrase.length < MIN_PASSPHRASE_CHARS) {
            throw new IllegalArgumentException("keyset passphrase must have at least "
                    + MIN_PASSPHRASE_CHARS + " characters");
        }
        byte[] salt = new byte[16];
        byte[] nonce = new byte[12];
        WatermarkKey.strongRandom().nextBytes(salt);
        WatermarkKey.strongRandom().nextBytes(nonce);

        ObjectNode header = JSON.createObjectNode();
        header.put("format", FORMAT);
        ObjectNode kdf = header.putObject("kdf");
        kdf.put("name", "scrypt");
        kdf.put("n", SCRYPT_N);
        kdf.put("r", SCRYPT_R);
        kdf.put("p", SCRYPT_P);
        kdf.put("salt", Base64.getEncoder().encodeToString(salt));
        header.put("cipher", "AES-256-GCM");
        header.put("nonce", Base64.getEncoder().encodeToString(nonce));
        header.put("primary", keyset.primaryId());
        ArrayNode pub = header.putArray("keys");
        for (WatermarkKey k : keyset.keys()) {
            ObjectNode e = pub.addObject();
            e.put("id", k.id());
            e.put("bits", k.bits());
            e.put("created", k.createdEpochSecond());
            e.put("fingerprint", k.fingerprint());
        }
        byte[] aad = JSON.writeValueAsBytes(header);

        byte[] plain = secretPayload(keyset);
        byte[] dk = derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P);
        byte[] ct;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(dk, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            ct = c.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM unavailable: " + e.getMessage());
        } finally {
            Arrays.fill(plain, (byte) 0);
            Arrays.fill(dk, (byte) 0);
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("header", Base64.getEncoder().encodeToString(aad));
        out.set("public", header);
        out.put("ciphertext", Base64.getEncoder().encodeToString(ct));
        writeAtomically(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
    }

    public static Keyset read(Path file, char[] passphrase) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KeysetFileException("keyset file not found: " + file);
        }
        JsonNode root;
        try {
            root = JSON.readTree(raw);
        } catch (IOException e) {
            throw new KeysetFileException("keyset file " + file + " is not valid JSON");
        }
        if (root == null || !root.isObject() || !root.path("header").isTextual()
                || !root.path("ciphertext").isTextual()) {
            throw new KeysetFileException("keyset file " + file + " is not a provmark keyset ("
                    + FORMAT + ")");
        }
        byte[] aad;
        byte[] ct;
        JsonNode header;
        try {
            aad = Base64.getDecoder().decode(root.get("header").asText());
            ct = Base64.getDecoder().decode(root.get("ciphertext").asText());
            header = JSON.readTree(aad);
        } catch (IllegalArgumentException | IOException e) {
            throw new KeysetFileException("keyset file " + file + " is corrupted (bad base64 or header)");
        }
        // "public" is the readable copy tools show without the passphrase: it must be the authenticated header
        JsonNode shown = root.get("public");
        if (shown != null && !shown.equals(header)) {
            throw new KeysetFileException("keyset file " + file
                    + " is corrupted (its public part does not match the authenticated header)");
        }
        if (!FORMAT.equals(header.path("format").asText())) {
            throw new KeysetFileException("keyset file " + file + " has format '"
                    + header.path("format").asText() + "', expected " + FORMAT);
        }
        JsonNode kdf = header.path("kdf");
        int n = kdf.path("n").asInt(-1);
        int r = kdf.path("r").asInt(-1);
        int p = kdf.path("p").asInt(-1);
        if (!"scrypt".equals(kdf.path("name").asText()) || n < (1 << 14) || n > (1 << 22)
                || Integer.bitCount(n) != 1 || r < 1 || r > 32 || p < 1 || p > 16
                // the header is read before it is authenticated: cap scrypt's memory (128 N r) at 1 GiB
                || 128L * n * r > (1L << 30)) {
            throw new KeysetFileException("keyset file " + file + " has unsupported KDF parameters");
        }
        byte[] salt;
        byte[] nonce;
        try {
            salt = Base64.getDecoder().decode(kdf.path("salt").asText());
            nonce = Base64.getDecoder().decode(header.path("nonce").asText());
        } catch (IllegalArgumentException e) {
            throw new KeysetFileException("keyset file " + file + " is corrupted (bad salt or nonce)");
        }
        if (salt.length < 16 || nonce.length != 12) {
            throw new KeysetFileException("keyset file " + file + " is corrupted (salt or nonce length)");
        }
        byte[] dk = derive(passphrase, salt, n, r, p);
        byte[] plain = null;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(dk, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            plain = c.doFinal(ct);
            return parsePayload(plain, file);
        } catch (AEADBadTagException e) {
            throw new KeysetFileException("cannot open keyset " + file
                    + ": wrong passphrase, or the file was modified");
        } catch (GeneralSecurityException e) {
            throw new KeysetFileException("cannot open keyset " + file + ": " + e.getClass().getSimpleName());
        } finally {
            Arrays.fill(dk, (byte) 0);
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }

    private static byte[] derive(char[] passphrase, byte[] salt, int n, int r, int p) {
        if (passphrase == null || passphrase.length == 0) {
            throw new IllegalArgumentException("keyset passphrase is empty");
        }
        byte[] pw = toUtf8(passphrase);
        try {
            return SCrypt.generate(pw, salt, n, r, p, 32);
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    private static byte[] toUtf8(char[] chars) {
        java.nio.ByteBuffer bb = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(chars));
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        if (bb.hasArray()) {
            Arrays.fill(bb.array(), (byte) 0);
        }
        return out;
    }

    private static byte[] secretPayload(Keyset keyset) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("primary", keyset.primaryId());
        ArrayNode arr = root.putArray("keys");
        for (WatermarkKey k : keyset.keys()) {
            ObjectNode e = arr.addObject();
            e.put("id", k.id());
            e.put("created", k.createdEpochSecond());
            byte[] m = k.material();
            e.put("material", Base64.getEncoder().encodeToString(m));
            Arrays.fill(m, (byte) 0);
        }
        return JSON.writeValueAsBytes(root);
    }

    private static Keyset parsePayload(byte[] plain, Path file) throws KeysetFileException {
        try {
            JsonNode root = JSON.readTree(plain);
            List<WatermarkKey> keys = new ArrayList<>();
            for (JsonNode e : root.path("keys")) {
                byte[] m = Base64.getDecoder().decode(e.path("material").asText());
                try {
                    keys.add(new WatermarkKey(e.path("id").asText(), m, e.path("created").asLong()));
                } finally {
                    Arrays.fill(m, (byte) 0);
                }
            }
            return new Keyset(root.path("primary").asText(), keys);
        } catch (IOException | IllegalArgumentException e) {
            // the message of these exceptions never holds key bytes: ids and counts only
            throw new KeysetFileException("keyset " + file + " decrypted but its content is invalid");
        }
    }

    /** Writes to a sibling temp file, forces it to disk, then renames it over {@code file}. */
    public static void writeAtomically(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // non-POSIX file systems: rely on the directory's permissions
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream os = java.nio.channels.Channels.newOutputStream(ch)) {
                os.write(content);
                os.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
