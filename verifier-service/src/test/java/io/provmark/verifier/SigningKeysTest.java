package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Report-signing keys: unencrypted by default, encrypted PKCS#8 with a passphrase, clear errors otherwise. */
class SigningKeysTest {
    static final char[] PASS = "signing passphrase for tests".toCharArray();

    @TempDir
    Path tmp;

    @Test
    void withoutPassphraseKeysAreUnencryptedPkcs8() throws Exception {
        Path dir = tmp.resolve("signing");
        SigningKeys k = SigningKeys.loadOrCreate(dir, null);
        for (String f : new String[] {"ed25519.pk8", "ecdsa-p256.pk8"}) {
            byte[] der = Files.readAllBytes(dir.resolve(f));
            assertFalse(SigningKeys.isEncrypted(der), f);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))));
        }
        assertArrayEquals(k.ed25519.getPrivate().getEncoded(), Files.readAllBytes(dir.resolve("ed25519.pk8")));
        assertArrayEquals(k.ed25519PublicPem, SigningKeys.loadOrCreate(dir, null).ed25519PublicPem);
    }

    @Test
    void withPassphraseKeysAreEncryptedAndReadBack() throws Exception {
        Path dir = tmp.resolve("signing");
        SigningKeys first = SigningKeys.loadOrCreate(dir, PASS.clone());
        byte[] raw = first.ecdsa.getPrivate().getEncoded();
        for (String f : new String[] {"ed25519.pk8", "ecdsa-p256.pk8"}) {
            byte[] der = Files.readAllBytes(dir.resolve(f));
            assertTrue(SigningKeys.isEncrypted(der), f + " must be encrypted PKCS#8");
        }
        assertFalse(indexOf(Files.readAllBytes(dir.resolve("ecdsa-p256.pk8")), raw), "plain key bytes on disk");

        SigningKeys again = SigningKeys.loadOrCreate(dir, PASS.clone());
        assertArrayEquals(first.ed25519.getPrivate().getEncoded(), again.ed25519.getPrivate().getEncoded());
        assertArrayEquals(raw, again.ecdsa.getPrivate().getEncoded());
        byte[] sig = again.ed25519Sign("x".getBytes());
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(first.ed25519.getPublic());
        v.update("x".getBytes());
        assertTrue(v.verify(sig));

        // the real openssl reads the encrypted key with the passphrase (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC)
        String out = TimestampIntegrationTest.openssl(0, "pkey", "-inform", "DER", "-in", dir.resolve("ed25519.pk8").toString(),
                "-passin", "pass:" + new String(PASS), "-noout", "-text_pub");
        assertTrue(out.contains("ED25519"), out);
        TimestampIntegrationTest.openssl(1, "pkey", "-inform", "DER", "-in", dir.resolve("ed25519.pk8").toString(),
                "-passin", "pass:wrong", "-noout");
    }

    @Test
    void wrongOrMissingPassphraseStopsWithAClearMessage() throws Exception {
        Path dir = tmp.resolve("signing");
        SigningKeys.loadOrCreate(dir, PASS.clone());
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> SigningKeys.loadOrCreate(dir, null));
        assertTrue(missing.getMessage().contains("is encrypted; set PROVMARK_SIGNING_PASSPHRASE"), missing.getMessage());
        char[] wrong = "not the passphrase".toCharArray();
        IllegalStateException bad = assertThrows(IllegalStateException.class, () -> SigningKeys.loadOrCreate(dir, wrong));
        assertTrue(bad.getMessage().contains("wrong PROVMARK_SIGNING_PASSPHRASE"), bad.getMessage());
        assertEquals(null, bad.getCause(), "no cause chain that could carry details");
        assertFalse(bad.getMessage().contains("not the passphrase"));
        IllegalStateException empty = assertThrows(IllegalStateException.class, () -> SigningKeys.loadOrCreate(dir, new char[0]));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    @Test
    void existingUnencryptedKeysAreEncryptedWhenAPassphraseIsSet() throws Exception {
        Path dir = tmp.resolve("signing");
        SigningKeys plain = SigningKeys.loadOrCreate(dir, null);
        SigningKeys enc = SigningKeys.loadOrCreate(dir, PASS.clone());
        assertArrayEquals(plain.ed25519.getPrivate().getEncoded(), enc.ed25519.getPrivate().getEncoded());
        assertTrue(SigningKeys.isEncrypted(Files.readAllBytes(dir.resolve("ed25519.pk8"))));
        assertTrue(SigningKeys.isEncrypted(Files.readAllBytes(dir.resolve("ecdsa-p256.pk8"))));
        assertThrows(IllegalStateException.class, () -> SigningKeys.loadOrCreate(dir, null));
        assertArrayEquals(plain.certPem, SigningKeys.loadOrCreate(dir, PASS.clone()).certPem);
    }

    @Test
    void serverStartsWithEncryptedKeysAndRefusesAWrongPassphrase() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = TimestampIntegrationTest.start(data, c -> c.signingPassphrase = PASS.clone())) {
            assertEquals(200, h.call("GET", "/api/health", null, (byte[]) null).status());
        }
        assertTrue(SigningKeys.isEncrypted(Files.readAllBytes(data.resolve("signing").resolve("ed25519.pk8"))));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TimestampIntegrationTest.start(data, c -> c.signingPassphrase = "nope".toCharArray()));
        assertTrue(e.getMessage().contains("wrong PROVMARK_SIGNING_PASSPHRASE"), e.getMessage());
    }

    private static boolean indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
