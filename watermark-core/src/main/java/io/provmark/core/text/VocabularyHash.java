package io.provmark.core.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The canonical vocabulary dump behind {@link TextTokenizer#vocabularySha256()}.
 *
 * <p>SHA-256 over, in order:
 * <ol>
 *   <li>the 18 ASCII bytes {@code "provmark-vocab-v1\n"};</li>
 *   <li>the vocabulary size V as a 4-byte big-endian unsigned integer;</li>
 *   <li>for every id 0..V-1 in increasing order: one kind byte (0 = no token has this id,
 *       1 = ordinary token, 2 = special/control token), the token's byte length as a 4-byte
 *       big-endian integer, then the bytes (none for kind 0).</li>
 * </ol>
 * The token bytes are what the tokenizer's own vocabulary stores: for tiktoken encodings (jtokkit) the raw
 * bytes the token decodes to; for a Hugging Face {@code tokenizer.json} the UTF-8 of the token string as
 * written in {@code model.vocab} (e.g. {@code "Ġthe"}) or of an added token's {@code content}. The hash
 * therefore pins the id ↔ token map exactly; it does not cover merges, normalisers or pre-tokenizers
 * (a {@code tokenizer.json} file's own SHA-256 does).
 */
public final class VocabularyHash {
    public static final byte ABSENT = 0;
    public static final byte ORDINARY = 1;
    public static final byte SPECIAL = 2;
    private static final byte[] DOMAIN = "provmark-vocab-v1\n".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest sha;
    private final int vocabSize;
    private int next;

    /** Starts a dump of a vocabulary of {@code vocabSize} ids. */
    public VocabularyHash(int vocabSize) {
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabulary size must be >= 1, got " + vocabSize);
        }
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
        this.vocabSize = vocabSize;
        sha.update(DOMAIN);
        sha.update(int32(vocabSize));
    }

    /** Adds token {@code id} (ids must come in increasing order; skipped ids are dumped as absent). */
    public VocabularyHash add(int id, byte kind, byte[] bytes) {
        if (id < next || id >= vocabSize) {
            throw new IllegalArgumentException("token id " + id + " out of order or outside 0.." + (vocabSize - 1));
        }
        if (kind != ORDINARY && kind != SPECIAL) {
            throw new IllegalArgumentException("kind must be ORDINARY or SPECIAL, got " + kind);
        }
        fillAbsentUpTo(id);
        sha.update(kind);
        sha.update(int32(bytes.length));
        sha.update(bytes);
        next = id + 1;
        return this;
    }

    /** Lower-case hex SHA-256 of the dump (ids not added are absent). */
    public String finish() {
        fillAbsentUpTo(vocabSize);
        next = vocabSize;
        return HexFormat.of().formatHex(sha.digest());
    }

    private void fillAbsentUpTo(int id) {
        byte[] absent = {ABSENT, 0, 0, 0, 0};
        for (int i = next; i < id; i++) {
            sha.update(absent);
        }
    }

    private static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
