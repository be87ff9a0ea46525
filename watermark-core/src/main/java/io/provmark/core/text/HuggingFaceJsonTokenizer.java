package io.provmark.core.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Any Hugging Face {@code tokenizer.json} (BPE, WordPiece, WordLevel or Unigram), run by the Rust
 * {@code tokenizers} library through DJL's JNI binding, whose jar bundles the native library (no network:
 * {@link #configureDjl()} sets {@code ai.djl.offline=true} and, unless the caller chose one, a cache
 * directory under {@code java.io.tmpdir} for the extracted library).
 *
 * <p>Policy (see {@code docs/text.md}): NFC first, then the file's own normaliser and pre-tokenizer; the
 * template post-processor is off (no BOS/EOS added); no truncation or padding. Unlike the jtokkit
 * encodings, the Rust library matches the file's added tokens (e.g. {@code <|im_start|>}) inside the text,
 * as Hugging Face does. The vocabulary size and hash come from the file's {@code model.vocab} and
 * {@code added_tokens}.
 */
public final class HuggingFaceJsonTokenizer implements TextTokenizer, AutoCloseable {
    private final String id;
    private final Path file;
    private final String fileSha256;
    private final int vocabSize;
    private final boolean[] assigned;
    private final String vocabSha;
    private final HuggingFaceTokenizer tokenizer;

    private HuggingFaceJsonTokenizer(String id, Path file, String fileSha256, Vocab vocab, HuggingFaceTokenizer tokenizer) {
        this.id = id;
        this.file = file;
        this.fileSha256 = fileSha256;
        this.vocabSize = vocab.size;
        this.assigned = vocab.assigned;
        this.vocabSha = vocab.sha;
        this.tokenizer = tokenizer;
    }

    /**
     * Loads {@code tokenizer.json} under the given id ({@code hf:NAME} by convention).
     *
     * @throws TokenizerException when the file is missing, unreadable, not a tokenizer.json, or the native
     *                            library cannot load it
     */
    public static HuggingFaceJsonTokenizer load(String id, Path tokenizerJson) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new TokenizerException("tokenizer '" + id + "': file " + tokenizerJson + " does not exist");
        }
        String fileSha;
        Vocab vocab;
        try {
            fileSha = sha256(tokenizerJson);
            vocab = readVocab(tokenizerJson);
        } catch (IOException e) {
            throw new TokenizerException("tokenizer '" + id + "': cannot read " + tokenizerJson + " as a Hugging Face"
                    + " tokenizer.json: " + e.getMessage(), e);
        }
        configureDjl();
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            throw new TokenizerException("tokenizer '" + id + "': the Hugging Face tokenizers library could not load "
                    + tokenizerJson + ": " + e, e);
        }
        return new HuggingFaceJsonTokenizer(id, tokenizerJson, fileSha, vocab, tok);
    }

    /**
     * DJL defaults: offline (the native library is in the jar, so nothing needs the network) and, unless
     * {@code DJL_CACHE_DIR}/{@code ENGINE_CACHE_DIR} is set as an environment variable or system property,
     * {@code java.io.tmpdir/provmark-djl-cache} for the extracted library instead of {@code ~/.djl.ai}.
     */
    public static synchronized void configureDjl() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        // under slf4j-simple (the CLI's binding) DJL logs GPU probing and platform lookup at WARN/INFO on every
        // load; the CLI's standard error is for the user. Read when DJL's loggers are created, i.e. after this.
        if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "error");
        }
        if (unset("DJL_CACHE_DIR") && unset("ENGINE_CACHE_DIR")) {
            System.setProperty("DJL_CACHE_DIR",
                    Path.of(System.getProperty("java.io.tmpdir"), "provmark-djl-cache").toString());
        }
    }

    private static boolean unset(String name) {
        return System.getenv(name) == null && System.getProperty(name) == null;
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
    public boolean hasToken(int id) {
        return id >= 0 && id < vocabSize && assigned[id];
    }

    /** The tokenizer.json this was loaded from. */
    public Path file() {
        return file;
    }

    /** SHA-256 (hex) of the whole tokenizer.json file: pins merges and pre-tokenizer too. */
    public String fileSha256() {
        return fileSha256;
    }

    @Override
    public String vocabularySha256() {
        return vocabSha;
    }

    @Override
    public int[] encode(String text) {
        return toInts(tokenizer.encode(TextTokenizer.normalize(text), false, false).getIds());
    }

    @Override
    public TokenSpans encodeWithOffsets(String text) {
        String nfc = TextTokenizer.normalize(text);
        Encoding enc = tokenizer.encode(nfc, false, false);
        int[] ids = toInts(enc.getIds());
        CharSpan[] spans = enc.getCharTokenSpans();
        // the Rust library counts Unicode scalar values; Java strings index UTF-16 units
        int nCp = nfc.codePointCount(0, nfc.length());
        int[] cpToChar = new int[nCp + 1];
        for (int c = 0, k = 0; c < nfc.length(); k++) {
            cpToChar[k] = c;
            c += Character.charCount(nfc.codePointAt(c));
        }
        cpToChar[nCp] = nfc.length();
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        int prevEnd = 0;
        for (int i = 0; i < ids.length; i++) {
            CharSpan s = spans == null || i >= spans.length ? null : spans[i];
            if (s == null || s.getStart() < 0 || s.getEnd() < s.getStart() || s.getEnd() > nCp) {
                starts[i] = prevEnd;
                ends[i] = prevEnd;
            } else {
                starts[i] = cpToChar[s.getStart()];
                ends[i] = cpToChar[s.getEnd()];
                prevEnd = ends[i];
            }
        }
        return new TokenSpans(nfc, ids, starts, ends);
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int t = ids[i];
            if (t < 0 || t >= vocabSize || !assigned[t]) {
                throw new TokenizerException(id + " has no token with id " + t + " (position " + i + "; vocabulary 0.."
                        + (vocabSize - 1) + (t >= 0 && t < vocabSize ? ", this id is unassigned" : "") + ")");
            }
            l[i] = t;
        }
        return tokenizer.decode(l, false);
    }

    /** Releases the native tokenizer; only for instances not shared through {@link Tokenizers}. */
    @Override
    public void close() {
        tokenizer.close();
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String toString() {
        return "HuggingFaceJsonTokenizer{" + id + ", vocab=" + vocabSize + ", file=" + file + "}";
    }

    // ---- vocabulary from tokenizer.json (streamed: the merges list is skipped, not materialised) ----

    private static final class Vocab {
        int size;
        boolean[] assigned;
        String sha;
    }

    private static Vocab readVocab(Path path) throws IOException {
        String[] byId = new String[1 << 16];
        boolean[] special = new boolean[1 << 16];
        int max = -1;
        String modelType = null;
        boolean sawVocab = false;
        try (JsonParser p = new JsonFactory().createParser(path.toFile())) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "top level is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if ("model".equals(field) && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String mf = p.currentName();
                        JsonToken mv = p.nextToken();
                        if ("type".equals(mf) && mv == JsonToken.VALUE_STRING) {
                            modelType = p.getText();
                        } else if ("vocab".equals(mf) && mv == JsonToken.START_OBJECT) {
                            sawVocab = true;
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String tok = p.currentName();
                                expect(p.nextToken() == JsonToken.VALUE_NUMBER_INT, "model.vocab value is not an integer id");
                                int id = p.getIntValue();
                                byId = put(byId, id, tok);
                                max = Math.max(max, id);
                            }
                        } else if ("vocab".equals(mf) && mv == JsonToken.START_ARRAY) {
                            // Unigram: [[piece, score], ...], id = position
                            sawVocab = true;
                            int id = 0;
                            while (p.nextToken() == JsonToken.START_ARRAY) {
                                expect(p.nextToken() == JsonToken.VALUE_STRING, "model.vocab entry has no piece string");
                                byId = put(byId, id, p.getText());
                                max = Math.max(max, id);
                                id++;
                                while (p.nextToken() != JsonToken.END_ARRAY) {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if ("added_tokens".equals(field) && v == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        int id = -1;
                        String content = null;
                        boolean isSpecial = false;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String af = p.currentName();
                            JsonToken av = p.nextToken();
                            if ("id".equals(af) && av == JsonToken.VALUE_NUMBER_INT) {
                                id = p.getIntValue();
                            } else if ("content".equals(af) && av == JsonToken.VALUE_STRING) {
                                content = p.getText();
                            } else if ("special".equals(af) && (av == JsonToken.VALUE_TRUE || av == JsonToken.VALUE_FALSE)) {
                                isSpecial = av == JsonToken.VALUE_TRUE;
                            } else {
                                p.skipChildren();
                            }
                        }
                        expect(id >= 0 && content != null, "an added_tokens entry lacks id or content");
                        byId = put(byId, id, content);
                        if (special.length < byId.length) {
                            special = java.util.Arrays.copyOf(special, byId.length);
                        }
                        special[id] = isSpecial;
                        max = Math.max(max, id);
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("malformed JSON: " + e.getOriginalMessage(), e);
        }
        expect(sawVocab, "no model.vocab (model type " + modelType + ")");
        expect(max >= 1, "the vocabulary is empty");
        Vocab out = new Vocab();
        out.size = max + 1;
        out.assigned = new boolean[out.size];
        if (special.length < byId.length) {
            special = java.util.Arrays.copyOf(special, byId.length);
        }
        VocabularyHash hash = new VocabularyHash(out.size);
        for (int t = 0; t < out.size; t++) {
            if (byId[t] != null) {
                out.assigned[t] = true;
                hash.add(t, special[t] ? VocabularyHash.SPECIAL : VocabularyHash.ORDINARY,
                        byId[t].getBytes(StandardCharsets.UTF_8));
            }
        }
        out.sha = hash.finish();
        return out;
    }

    private static String[] put(String[] byId, int id, String tok) throws IOException {
        expect(id >= 0 && id < (1 << 24), "token id " + id + " out of range");
        if (id >= byId.length) {
            byId = java.util.Arrays.copyOf(byId, Math.max(id + 1, byId.length * 2));
        }
        // an added token replaces a model token with the same id, as in the Rust library
        byId[id] = tok;
        return byId;
    }

    private static void expect(boolean ok, String what) throws IOException {
        if (!ok) {
            throw new IOException(what);
        }
    }

    static String sha256(Path path) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
