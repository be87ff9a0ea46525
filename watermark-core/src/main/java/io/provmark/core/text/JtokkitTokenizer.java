package io.provmark.core.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * The tiktoken encodings as jtokkit implements them: {@code r50k_base} (GPT-2/GPT-3), {@code p50k_base},
 * {@code cl100k_base} (GPT-3.5/4) and {@code o200k_base} (GPT-4o). Text is encoded with
 * {@code encodeOrdinary}: special-token strings such as {@code <|endoftext|>} in the text are plain text, so a
 * document cannot inject control tokens.
 */
public final class JtokkitTokenizer implements TextTokenizer {
    /**
     * Largest id (special tokens included) + 1, as jtokkit 1.1.0 defines the encodings: r50k_base ends with
     * {@code <|endoftext|>} = 50256; p50k_base's ordinary ranks reach 50280; cl100k_base ends with
     * {@code <|endofprompt|>} = 100276; o200k_base with {@code <|endofprompt|>} = 200018. The constructor
     * checks these against the library, so an upgrade cannot change them silently.
     */
    private static final Map<String, Integer> VOCAB = Map.of(
            "r50k_base", 50_257,
            "p50k_base", 50_281,
            "cl100k_base", 100_277,
            "o200k_base", 200_019);

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    private final String id;
    private final Encoding encoding;
    private final int vocabSize;
    /** Bytes of each id (null where jtokkit has no token), for decoding and offsets. */
    private final byte[][] tokenBytes;
    private final boolean[] special;
    private final String vocabSha;

    JtokkitTokenizer(String id) {
        Integer v = VOCAB.get(id);
        if (v == null) {
            throw new TokenizerException("not a jtokkit encoding: '" + id + "' (known: " + String.join(", ",
                    new java.util.TreeSet<>(VOCAB.keySet())) + ")");
        }
        EncodingType type = EncodingType.fromName(id)
                .orElseThrow(() -> new TokenizerException("jtokkit does not know encoding '" + id + "'"));
        this.id = id;
        this.encoding = REGISTRY.getEncoding(type);
        this.vocabSize = v;
        this.tokenBytes = new byte[v][];
        this.special = new boolean[v];
        IntArrayList one = new IntArrayList(1);
        VocabularyHash hash = new VocabularyHash(v);
        for (int t = 0; t < v; t++) {
            byte[] b = decodeOne(one, t);
            if (b == null) {
                continue;
            }
            tokenBytes[t] = b;
            special[t] = isSpecial(t, b);
            hash.add(t, special[t] ? VocabularyHash.SPECIAL : VocabularyHash.ORDINARY, b);
        }
        if (tokenBytes[v - 1] == null || decodeOne(one, v) != null) {
            throw new TokenizerException("jtokkit's " + id + " no longer ends at id " + (v - 1)
                    + "; update JtokkitTokenizer.VOCAB for this jtokkit version");
        }
        this.vocabSha = hash.finish();
    }

    private byte[] decodeOne(IntArrayList one, int t) {
        one.clear();
        one.add(t);
        try {
            return encoding.decodeBytes(one);
        } catch (RuntimeException e) {
            // jtokkit throws for ids it has no token for (gaps below the special tokens)
            return null;
        }
    }

    /** Special = its text is {@code <|...|>} and encoding that text as ordinary text does not give it back. */
    private boolean isSpecial(int t, byte[] b) {
        if (b.length < 5 || b[0] != '<' || b[1] != '|' || b[b.length - 2] != '|' || b[b.length - 1] != '>') {
            return false;
        }
        IntArrayList back = encoding.encodeOrdinary(new String(b, StandardCharsets.UTF_8));
        return !(back.size() == 1 && back.get(0) == t);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int[] encode(String text) {
        return encoding.encodeOrdinary(TextTokenizer.normalize(text)).toArray();
    }

    @Override
    public TokenSpans encodeWithOffsets(String text) {
        String nfc = TextTokenizer.normalize(text);
        int[] ids = encoding.encodeOrdinary(nfc).toArray();
        Utf8Offsets map = new Utf8Offsets(nfc);
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        int b = 0;
        for (int i = 0; i < ids.length; i++) {
            int len = tokenBytes[ids[i]].length;
            starts[i] = map.startChar(b);
            ends[i] = map.endChar(b, b + len);
            b += len;
        }
        if (b != map.byteLength()) {
            throw new IllegalStateException(id + ": token bytes (" + b + ") do not add up to the text's UTF-8 length ("
                    + map.byteLength() + ")");
        }
        return new TokenSpans(nfc, ids, starts, ends);
    }

    @Override
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** The raw bytes of the ids (may end inside a UTF-8 character). */
    public byte[] decodeBytes(int[] ids) {
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            n += bytesOf(ids[i], i).length;
        }
        byte[] out = new byte[n];
        int p = 0;
        for (int t : ids) {
            byte[] b = tokenBytes[t];
            System.arraycopy(b, 0, out, p, b.length);
            p += b.length;
        }
        return out;
    }

    private byte[] bytesOf(int t, int pos) {
        if (t < 0 || t >= vocabSize || tokenBytes[t] == null) {
            throw new TokenizerException(id + " has no token with id " + t + " (position " + pos + "; vocabulary 0.."
                    + (vocabSize - 1) + (t >= 0 && t < vocabSize ? ", this id is unassigned" : "") + ")");
        }
        return tokenBytes[t];
    }

    /** Whether {@code t} is a special (control) token such as {@code <|endoftext|>}. */
    public boolean isSpecial(int t) {
        return t >= 0 && t < vocabSize && special[t];
    }

    /** Ids of the special tokens, ascending. */
    public int[] specialIds() {
        int[] out = new int[vocabSize];
        int n = 0;
        for (int t = 0; t < vocabSize; t++) {
            if (special[t]) {
                out[n++] = t;
            }
        }
        return Arrays.copyOf(out, n);
    }

    @Override
    public String vocabularySha256() {
        return vocabSha;
    }

    @Override
    public boolean hasToken(int id) {
        return id >= 0 && id < vocabSize && tokenBytes[id] != null;
    }

    static Integer vocabSizeOf(String id) {
        return VOCAB.get(id);
    }

    static boolean knows(String id) {
        return VOCAB.containsKey(id);
    }

    static java.util.Set<String> ids() {
        return VOCAB.keySet();
    }

    @Override
    public String toString() {
        return "JtokkitTokenizer{" + id + ", vocab=" + vocabSize + "}";
    }
}
