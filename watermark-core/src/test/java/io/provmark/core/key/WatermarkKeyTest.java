package io.provmark.core.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WatermarkKeyTest {
    private static byte[] bytes(int first) {
        byte[] b = new byte[32];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    /** Every rendering of the key bytes that a leak could take. */
    static void assertNoKeyMaterial(String text, WatermarkKey key) {
        byte[] m = key.material();
        String hex = HexFormat.of().formatHex(m);
        for (String form : List.of(hex, hex.toUpperCase(Locale.ROOT), Base64.getEncoder().encodeToString(m),
                Base64.getUrlEncoder().withoutPadding().encodeToString(m), java.util.Arrays.toString(m))) {
            assertFalse(text.contains(form), "key material of '" + key.id() + "' leaked into: " + text);
        }
        // no long run of the key hex either (a truncated dump is a leak too)
        for (int i = 0; i + 16 <= hex.length(); i += 8) {
            assertFalse(text.toLowerCase(Locale.ROOT).contains(hex.substring(i, i + 16)),
                    "8 key bytes leaked into: " + text);
        }
    }

    @Test
    void fingerprintIsStableAndFormatted() {
        WatermarkKey k = new WatermarkKey("k-one", bytes(0), 0);
        String fp = k.fingerprint();
        assertTrue(fp.matches("sha256:[0-9a-f]{64}"), fp);
        assertEquals(fp, k.fingerprint());
        assertEquals(fp, new WatermarkKey("k-one", bytes(0), 12345).fingerprint(), "created time is not committed to");
        // pinned value (SHA-256("provmark-key-fingerprint-v1" 0x00 id 0x00 key), computed outside Java):
        // the fingerprint is a published commitment, so it must never change
        assertEquals("sha256:623b529617ab0f293343db32354c1125a7d7e13f250bd952d366cdf58eaab458", fp);
    }

    @Test
    void fingerprintDiffersPerKeyAndPerId() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            assertTrue(seen.add(new WatermarkKey("k-one", bytes(i), 0).fingerprint()), "same fingerprint for other bytes");
            assertTrue(seen.add(new WatermarkKey("k-two-" + i, bytes(0), 0).fingerprint()), "same fingerprint for other id");
        }
        WatermarkKey a = WatermarkKey.generate("k-x");
        WatermarkKey b = WatermarkKey.generate("k-x");
        assertNotEquals(a.fingerprint(), b.fingerprint());
    }

    @Test
    void fingerprintNeverContainsTheKey() {
        for (int i = 0; i < 20; i++) {
            WatermarkKey k = WatermarkKey.generate(WatermarkKey.newId());
            assertNoKeyMaterial(k.fingerprint(), k);
        }
        WatermarkKey k = new WatermarkKey("k-one", bytes(0), 0);
        assertNoKeyMaterial(k.fingerprint(), k);
    }

    @Test
    void toStringOfKeyAndKeysetIsRedacted() {
        WatermarkKey k = WatermarkKey.generate("k-secret");
        String s = k.toString();
        assertTrue(s.contains("k-secret") && s.contains("redacted"), s);
        assertNoKeyMaterial(s, k);
        Keyset ks = new Keyset("k-secret", List.of(k)).rotate().rotate();
        for (WatermarkKey key : ks.keys()) {
            assertNoKeyMaterial(ks.toString(), key);
            assertNoKeyMaterial(key.toString(), key);
            assertNoKeyMaterial(String.valueOf(key.hashCode()), key);
        }
    }

    @Test
    void materialIsADefensiveCopyOfAtLeast256Bits() {
        byte[] src = bytes(7);
        WatermarkKey k = new WatermarkKey("k-a", src, 0);
        src[0] ^= 1; // the caller's array is not shared
        assertEquals(7, k.material()[0]);
        byte[] m = k.material();
        m[1] = 0;
        assertEquals(8, k.material()[1]);
        assertNotSame(k.material(), k.material());
        assertEquals(256, WatermarkKey.generate("k-g").bits());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WatermarkKey("k-short", new byte[31], 0));
        assertTrue(e.getMessage().contains("256"), e.getMessage());
    }

    @Test
    void idsAreValidated() {
        for (String bad : new String[] {null, "", "-lead", "has space", "x".repeat(65), "ümlaut", "a/b"}) {
            assertThrows(IllegalArgumentException.class, () -> WatermarkKey.validateId(bad), String.valueOf(bad));
        }
        for (int i = 0; i < 10; i++) {
            String id = WatermarkKey.newId();
            assertTrue(id.matches("k-[0-9a-f]{12}"), id);
            WatermarkKey.validateId(id);
        }
    }

    @Test
    void equalityIsByIdTimeAndBytes() {
        assertEquals(new WatermarkKey("k-a", bytes(1), 5), new WatermarkKey("k-a", bytes(1), 5));
        assertNotEquals(new WatermarkKey("k-a", bytes(1), 5), new WatermarkKey("k-a", bytes(2), 5));
        assertNotEquals(new WatermarkKey("k-a", bytes(1), 5), new WatermarkKey("k-b", bytes(1), 5));
    }

    @Test
    void rotateKeepsOldKeysAndSwitchesPrimary() {
        Keyset one = Keyset.generate();
        WatermarkKey first = one.primary();
        Keyset two = one.rotate();
        Keyset three = two.rotate();
        assertEquals(1, one.keys().size(), "rotate returns a new keyset");
        assertEquals(3, three.keys().size());
        assertSame(first, three.key(first.id()));
        assertEquals(two.primary(), three.key(two.primaryId()));
        assertNotEquals(first.id(), three.primaryId());
        assertEquals(three.keys().get(2), three.primary(), "keys are listed oldest first");
        assertTrue(three.contains(first.id()));
        NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> three.key("k-missing"));
        assertTrue(e.getMessage().contains("k-missing"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> three.withPrimary(first), "duplicate id");
        assertThrows(IllegalArgumentException.class, () -> new Keyset("k-nope", List.of(first)));
        assertThrows(IllegalArgumentException.class, () -> new Keyset(first.id(), List.of()));
        Keyset withOld = one.with(WatermarkKey.generate("k-extra"));
        assertEquals(first.id(), withOld.primaryId());
        assertEquals(2, withOld.keys().size());
    }
}
