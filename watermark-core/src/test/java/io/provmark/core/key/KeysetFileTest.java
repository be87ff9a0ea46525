package io.provmark.core.key;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every write and most reads run scrypt (2^15 x 8, about 0.25 s on a small CI core), so the tests
 * share one written file and count their KDF calls.
 */
class KeysetFileTest {
    private static final char[] PASS = "correct horse battery staple".toCharArray();
    private static Keyset keyset;
    private static byte[] written;

    @BeforeAll
    static void makeKeyset(@TempDir Path dir) throws IOException {
        keyset = Keyset.generate().rotate().rotate();
        Path f = dir.resolve("keys.json");
        KeysetFile.write(f, keyset, PASS);
        written = Files.readAllBytes(f);
    }

    private static Path copy(Path dir) throws IOException {
        Path f = dir.resolve("keys.json");
        Files.write(f, written);
        return f;
    }

    private static void assertSameKeyset(Keyset expected, Keyset actual) {
        assertEquals(expected.primaryId(), actual.primaryId());
        assertEquals(expected.keys(), actual.keys()); // WatermarkKey.equals compares id, time and bytes
    }

    private static void assertNoKeyMaterial(String text) {
        for (WatermarkKey k : keyset.keys()) {
            WatermarkKeyTest.assertNoKeyMaterial(text, k);
        }
    }

    private static List<String> dirListing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void roundTripKeepsEveryKeyAndThePrimary(@TempDir Path dir) throws IOException {
        Path f = copy(dir);
        Keyset back = KeysetFile.read(f, PASS.clone());
        assertSameKeyset(keyset, back);
        assertEquals(3, back.keys().size());
        // the file holds no key bytes in clear, only ids and fingerprints
        String text = Files.readString(f, StandardCharsets.UTF_8);
        assertNoKeyMaterial(text);
        for (WatermarkKey k : keyset.keys()) {
            assertTrue(text.contains(k.id()) && text.contains(k.fingerprint()), "public part lists id and fingerprint");
        }
        // rewriting a rotated keyset over the old file keeps the old keys readable
        Keyset rotated = back.rotate();
        KeysetFile.write(f, rotated, PASS);
        Keyset again = KeysetFile.read(f, PASS);
        assertSameKeyset(rotated, again);
        for (WatermarkKey k : keyset.keys()) {
            assertEquals(k, again.key(k.id()));
        }
    }

    @Test
    void nonAsciiPassphraseRoundTrips(@TempDir Path dir) throws IOException {
        char[] pass = "pässwörd-∑-密码".toCharArray();
        Path f = dir.resolve("k.json");
        KeysetFile.write(f, keyset, pass);
        assertSameKeyset(keyset, KeysetFile.read(f, pass));
    }

    @Test
    void wrongPassphraseFailsClearlyWithoutKeyBytes(@TempDir Path dir) throws IOException {
        Path f = copy(dir);
        KeysetFile.KeysetFileException e = assertThrows(KeysetFile.KeysetFileException.class,
                () -> KeysetFile.read(f, "correct horse battery stapler".toCharArray()));
        assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
        assertTrue(e.getMessage().contains(f.toString()), "message names the file: " + e.getMessage());
        assertNoKeyMaterial(e.getMessage());
        assertNoKeyMaterial(String.valueOf(e.getCause()));
    }

    @Test
    void missingOrNonKeysetFilesFailClearly(@TempDir Path dir) throws IOException {
        KeysetFile.KeysetFileException missing = assertThrows(KeysetFile.KeysetFileException.class,
                () -> KeysetFile.read(dir.resolve("nope.json"), PASS));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
        Path junk = dir.resolve("junk.json");
        Files.writeString(junk, "this is not json");
        assertTrue(assertThrows(KeysetFile.KeysetFileException.class, () -> KeysetFile.read(junk, PASS))
                .getMessage().contains("not valid JSON"));
        Files.writeString(junk, "{\"profile\": 1}");
        assertTrue(assertThrows(KeysetFile.KeysetFileException.class, () -> KeysetFile.read(junk, PASS))
                .getMessage().contains("not a provmark keyset"));
    }

    /**
     * A single flipped byte anywhere (header, ciphertext, public copy, JSON structure) must give a
     * KeysetFileException; the one acceptable alternative is reading back the identical keyset
     * (a change that does not alter any decoded byte), never a different one or another exception.
     */
    @Test
    void anySingleByteFlipIsDetected(@TempDir Path dir) throws IOException {
        byte[] raw = written;
        String text = new String(raw, StandardCharsets.US_ASCII);
        int[] header = valueSpan(text, "\"header\"");
        int[] ct = valueSpan(text, "\"ciphertext\"");
        int[] pub = {text.indexOf("\"public\""), text.indexOf("\"ciphertext\"")};
        List<Integer> mustFail = new ArrayList<>();
        // 8 positions across the authenticated header, 8 across the ciphertext+tag (not the last two
        // base64 characters, whose low bits may be padding)
        for (int i = 0; i < 8; i++) {
            mustFail.add(header[0] + (int) ((long) (header[1] - 2 - header[0]) * i / 8));
            mustFail.add(ct[0] + (int) ((long) (ct[1] - 2 - ct[0]) * i / 8));
        }
        mustFail.add(ct[1] - 3); // inside the GCM tag
        // the public copy of the header: ids and fingerprints that tools show without the passphrase
        mustFail.add(text.indexOf("sha256:", pub[0]) + 20);
        mustFail.add(text.indexOf("\"primary\"", pub[0]) + 14);
        // structure: the opening brace, a key name, the last byte
        mustFail.add(0);
        mustFail.add(text.indexOf("\"header\"") + 2);
        mustFail.add(raw.length - 2);
        Path bad = dir.resolve("bad.json");
        for (int pos : mustFail) {
            for (int mask : new int[] {0x01}) {
                byte[] flipped = raw.clone();
                flipped[pos] ^= (byte) mask;
                Files.write(bad, flipped);
                String where = "byte " + pos + " ('" + (char) raw[pos] + "') ^ 0x" + Integer.toHexString(mask);
                try {
                    Keyset k = KeysetFile.read(bad, PASS);
                    assertSameKeyset(keyset, k);
                    throw new AssertionError(where + ": tampered file read without error");
                } catch (KeysetFile.KeysetFileException expected) {
                    assertNoKeyMaterial(expected.getMessage());
                }
            }
        }
        assertTrue(mustFail.size() >= 20);
    }

    /** [start, end) of the string value after {@code "name" : "}. */
    private static int[] valueSpan(String text, String name) {
        int k = text.indexOf(name);
        int start = text.indexOf('"', text.indexOf(':', k)) + 1;
        int end = text.indexOf('"', start);
        assertTrue(k >= 0 && start > 0 && end > start + 10, name + " not found in keyset file");
        return new int[] {start, end};
    }

    @Test
    void shortPassphraseIsRejectedAndWritesNothing(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("keys.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeysetFile.write(f, keyset, "short".toCharArray()));
        assertTrue(e.getMessage().contains("at least"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeysetFile.write(f, keyset, "1234567".toCharArray()));
        assertThrows(IllegalArgumentException.class, () -> KeysetFile.write(f, keyset, null));
        assertEquals(List.of(), dirListing(dir));
    }

    @Test
    void atomicWriteLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("keys.json");
        KeysetFile.write(f, keyset, PASS);
        KeysetFile.writeAtomically(f, written); // overwrite in place
        assertArrayEquals(written, Files.readAllBytes(f));
        KeysetFile.writeAtomically(dir.resolve("other.txt"), "x".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("keys.json", "other.txt"), dirListing(dir));
        // into a directory that does not exist yet
        Path nested = dir.resolve("a").resolve("b").resolve("keys.json");
        KeysetFile.writeAtomically(nested, written);
        assertEquals(List.of("keys.json"), dirListing(nested.getParent()));
    }

    @Test
    void fileIsReadableByOwnerOnly(@TempDir Path dir) throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return; // permissions are a POSIX notion; elsewhere the directory's ACL applies
        }
        Path f = dir.resolve("keys.json");
        KeysetFile.write(f, keyset, PASS);
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
        assertEquals("rw-------", PosixFilePermissions.toString(perms));
        // also when it replaces a world-readable file
        Path g = dir.resolve("old.json");
        Files.writeString(g, "old");
        Files.setPosixFilePermissions(g, PosixFilePermissions.fromString("rw-r--r--"));
        KeysetFile.writeAtomically(g, written);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(g)));
    }

    @Test
    void twoWritesOfTheSameKeysetDifferInSaltAndNonce(@TempDir Path dir) throws IOException {
        Path b = dir.resolve("b.json");
        KeysetFile.write(b, keyset, PASS);
        String first = new String(written, StandardCharsets.US_ASCII);
        String second = Files.readString(b, StandardCharsets.US_ASCII);
        assertFalse(first.equals(second));
        // fresh salt and nonce each time: a reused GCM nonce under one passphrase would leak plaintext XORs
        for (String field : new String[] {"\"salt\"", "\"nonce\"", "\"ciphertext\""}) {
            int[] x = valueSpan(first, field);
            int[] y = valueSpan(second, field);
            assertFalse(first.substring(x[0], x[1]).equals(second.substring(y[0], y[1])), field + " repeated");
        }
    }
}
