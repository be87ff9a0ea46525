package io.provmark.core.text;

import java.text.Normalizer;

/**
 * Text to token ids and back, for one fixed vocabulary (see {@code docs/text.md}).
 *
 * <p>Policy shared by every implementation:
 * <ul>
 *   <li>Input text is normalised to Unicode NFC first ({@link #normalize}); the same characters typed on
 *       different systems then give the same ids. Offsets refer to the normalised text.</li>
 *   <li>Nothing is added: no leading space, no BOS/EOS or other template tokens.</li>
 *   <li>{@link #decode} writes special tokens as their text and never drops anything.</li>
 * </ul>
 * Implementations are immutable and thread-safe.
 */
public interface TextTokenizer {
    /** Stable id, as a profile records it: {@code cl100k_base}, {@code hf:qwen3}, ... */
    String id();

    /** Largest token id this tokenizer can produce or decode (special tokens included) + 1. */
    int vocabSize();

    /**
     * Whether {@code id} names a token (decodable). False outside 0..vocabSize-1 and for ids the vocabulary
     * leaves unassigned (16 gaps in cl100k_base, 19 in o200k_base); a generator must never sample those.
     */
    boolean hasToken(int id);

    /** Token ids of {@code normalize(text)}. */
    int[] encode(String text);

    /** Token ids plus each token's character span in {@code normalize(text)}. */
    TokenSpans encodeWithOffsets(String text);

    /** Text of the ids; bytes that do not form valid UTF-8 become U+FFFD. */
    String decode(int[] ids);

    /**
     * SHA-256 (lower-case hex) over the canonical vocabulary dump described in {@link VocabularyHash};
     * two tokenizers with the same value map every id to the same token.
     */
    String vocabularySha256();

    /** Number of tokens {@link #encode} gives. */
    default int count(String text) {
        return encode(text).length;
    }

    /** NFC, the normalisation every tokenizer here applies before encoding. */
    static String normalize(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
        return Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
    }
}
