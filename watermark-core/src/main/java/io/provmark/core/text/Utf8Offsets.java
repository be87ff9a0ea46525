package io.provmark.core.text;

import java.nio.charset.StandardCharsets;

/** Maps UTF-8 byte offsets of a string to UTF-16 char offsets, for byte-level tokenizers. */
final class Utf8Offsets {
    /** charAtByte[b] = UTF-16 index of the character that contains byte b; [nBytes] = length. */
    private final int[] charAtByte;
    /** charEnd[b] = UTF-16 index just past the character that contains byte b. */
    private final int[] charEnd;
    private final int nBytes;

    Utf8Offsets(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        nBytes = utf8.length;
        charAtByte = new int[nBytes + 1];
        charEnd = new int[nBytes + 1];
        int b = 0;
        int c = 0;
        while (c < s.length()) {
            int cp = s.codePointAt(c);
            int cl = Character.charCount(cp);
            // an unpaired surrogate becomes one '?' byte in Java's UTF-8 encoder
            int bl = Character.isSurrogate((char) cp) && cl == 1 ? 1 : utf8Length(cp);
            for (int k = 0; k < bl; k++) {
                charAtByte[b + k] = c;
                charEnd[b + k] = c + cl;
            }
            b += bl;
            c += cl;
        }
        if (b != nBytes) {
            throw new IllegalStateException("UTF-8 length mismatch: " + b + " != " + nBytes);
        }
        charAtByte[nBytes] = s.length();
        charEnd[nBytes] = s.length();
    }

    int byteLength() {
        return nBytes;
    }

    /** Char span covering bytes [bs, be). */
    int startChar(int bs) {
        return charAtByte[Math.min(bs, nBytes)];
    }

    int endChar(int bs, int be) {
        if (be <= bs) {
            return startChar(bs);
        }
        return charEnd[Math.min(be, nBytes) - 1];
    }

    static int utf8Length(int cp) {
        if (cp < 0x80) {
            return 1;
        }
        if (cp < 0x800) {
            return 2;
        }
        if (cp < 0x10000) {
            return 3;
        }
        return 4;
    }
}
