package io.provmark.cli;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.text.Normalizer;
import java.util.Map;

/** The jtokkit encodings a profile may name, and their vocabulary sizes. */
final class Tokenizers {
    /**
     * Vocabulary size = largest token id + 1, special tokens included, as jtokkit 1.1.0 defines
     * them (EncodingFactory): r50k_base ends with <|endoftext|> = 50256; p50k_base's ordinary
     * ranks reach 50280 (its only special token is 50256); cl100k_base has <|endofprompt|> =
     * 100276; o200k_base has <|endofprompt|> = 200018. TokenizersTest checks these against the
     * library (the last id decodes, the next ids do not), so a jtokkit upgrade cannot change
     * them silently.
     */
    private static final Map<String, Integer> VOCAB = Map.of(
            "r50k_base", 50_257,
            "p50k_base", 50_281,
            "cl100k_base", 100_277,
            "o200k_base", 200_019);

    /** Lazy: each encoding's rank table (up to ~200k entries) is loaded only when first used. */
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    private Tokenizers() {
    }

    static boolean isJtokkit(String name) {
        return VOCAB.containsKey(name);
    }

    /** The vocabulary size of a jtokkit encoding (largest id incl. special tokens + 1). */
    static int vocabSize(String name) {
        Integer v = VOCAB.get(name);
        if (v == null) {
            throw new IllegalArgumentException("not a jtokkit encoding: " + name);
        }
        return v;
    }

    static Encoding encoding(String name) {
        EncodingType type = EncodingType.fromName(name)
                .orElseThrow(() -> new IllegalArgumentException("not a jtokkit encoding: " + name));
        return REGISTRY.getEncoding(type);
    }

    /**
     * Token ids of {@code text} after NFC normalisation (the same characters typed on different
     * systems must give the same tokens). Special-token strings such as {@code <|endoftext|>} in
     * the text are encoded as ordinary text: a suspect document cannot inject control tokens.
     */
    static int[] encode(String name, String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
        return encoding(name).encodeOrdinary(nfc).toArray();
    }
}
