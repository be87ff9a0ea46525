package io.provmark.core.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokenizers by id, loaded once and shared (they are immutable and thread-safe).
 *
 * <ul>
 *   <li>{@code r50k_base}, {@code p50k_base}, {@code cl100k_base}, {@code o200k_base}: jtokkit.</li>
 *   <li>{@code hf:NAME}: the Hugging Face file {@code DIR/NAME/tokenizer.json}, where DIR is
 *       {@link #tokenizerDir()} ({@code scripts/fetch-corpora.sh} puts {@code qwen3} and {@code llama3}
 *       there).</li>
 *   <li>{@code hf:PATH}: a Hugging Face file given by path (the part after {@code hf:} contains a
 *       {@code /} or ends with {@code .json}); a directory means its {@code tokenizer.json}. Relative paths
 *       resolve against the working directory, so such an id is only as portable as the path; the
 *       profile's {@code tokenizer_sha256} still pins the vocabulary.</li>
 * </ul>
 */
public final class Tokenizers {
    /** System property and environment variable naming the directory of Hugging Face tokenizers. */
    public static final String DIR_PROPERTY = "provmark.tokenizer.dir";
    public static final String DIR_ENV = "PROVMARK_TOKENIZER_DIR";
    public static final String HF_PREFIX = "hf:";
    /** Data directory of scripts/fetch-corpora.sh; tokenizers are in its {@code tokenizers/} subdirectory. */
    public static final String DATA_DIR_PROPERTY = "provmark.data.dir";
    public static final String DATA_DIR_ENV = "PROVMARK_DATA_DIR";

    /** Longest accepted id (an hf: path included). */
    public static final int MAX_ID_LENGTH = 1024;

    private static final Map<String, TextTokenizer> CACHE = new ConcurrentHashMap<>();

    private Tokenizers() {
    }

    /**
     * The tokenizer with this id.
     *
     * @throws TokenizerException for {@code none} (a profile that exchanges only ids has no tokenizer), an
     *                            unknown id, or an {@code hf:} tokenizer whose file is missing
     */
    public static TextTokenizer byId(String id) {
        if (id == null || id.isEmpty()) {
            throw new TokenizerException("tokenizer id is empty; " + known());
        }
        TextTokenizer cached = CACHE.get(id);
        if (cached != null) {
            return cached;
        }
        // computeIfAbsent would hold the map lock for the (seconds-long) load; a racing duplicate load is harmless
        TextTokenizer loaded = load(id);
        TextTokenizer prev = CACHE.putIfAbsent(id, loaded);
        return prev != null ? prev : loaded;
    }

    /** Whether {@link #byId} can resolve this id without loading anything (an hf: file must exist). */
    public static boolean isAvailable(String id) {
        if (id == null) {
            return false;
        }
        if (JtokkitTokenizer.knows(id)) {
            return true;
        }
        if (id.startsWith(HF_PREFIX) && isPathSpec(id.substring(HF_PREFIX.length()))) {
            try {
                Path f = Path.of(id.substring(HF_PREFIX.length()));
                return Files.isRegularFile(Files.isDirectory(f) ? f.resolve("tokenizer.json") : f);
            } catch (java.nio.file.InvalidPathException e) {
                return false;
            }
        }
        return id.startsWith(HF_PREFIX) && validName(id.substring(HF_PREFIX.length()))
                && Files.isRegularFile(hfFile(id.substring(HF_PREFIX.length())));
    }

    /** Whether {@code id} is one of the built-in jtokkit encodings. */
    public static boolean isJtokkit(String id) {
        return id != null && JtokkitTokenizer.knows(id);
    }

    /**
     * Vocabulary size (largest id incl. special tokens + 1) of a built-in jtokkit encoding, without loading
     * it; the single source of these numbers (the encoding's constructor checks them against the library).
     *
     * @throws TokenizerException for any other id
     */
    public static int jtokkitVocabSize(String id) {
        Integer v = id == null ? null : JtokkitTokenizer.vocabSizeOf(id);
        if (v == null) {
            throw new TokenizerException("not a built-in jtokkit encoding: '" + id + "'; " + known());
        }
        return v;
    }

    /** The built-in jtokkit encoding ids, sorted. */
    public static java.util.SortedSet<String> jtokkitIds() {
        return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(JtokkitTokenizer.ids()));
    }

    /**
     * Whether {@code id} is well-formed: a built-in id, {@code none}, {@code hf:NAME} or {@code hf:PATH}
     * (at most {@value #MAX_ID_LENGTH} characters, no control characters). Says nothing about whether an
     * hf: file exists.
     */
    public static boolean isWellFormed(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            return false;
        }
        if ("none".equals(id) || JtokkitTokenizer.knows(id)) {
            return true;
        }
        if (!id.startsWith(HF_PREFIX)) {
            return false;
        }
        String spec = id.substring(HF_PREFIX.length());
        if (spec.isEmpty() || spec.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return false;
        }
        return isPathSpec(spec) || validName(spec);
    }

    /** "known: r50k_base, ..., hf:NAME (...), hf:PATH" for error messages. */
    public static String known() {
        return "known: " + String.join(", ", new TreeSet<>(JtokkitTokenizer.ids())) + ", hf:NAME (a tokenizer.json under "
                + tokenizerDir() + "), hf:PATH (a tokenizer.json file or its directory; the path contains '/' or"
                + " ends with .json), or none (token ids only)";
    }

    /**
     * Whether {@code id} is an {@code hf:PATH} id, which reads a file from the local file system: a server that
     * accepts profiles from users should refuse these and allow only built-in and {@code hf:NAME} ids.
     */
    public static boolean isPathId(String id) {
        return id != null && id.startsWith(HF_PREFIX) && isPathSpec(id.substring(HF_PREFIX.length()));
    }

    private static boolean isPathSpec(String spec) {
        return spec.indexOf('/') >= 0 || spec.indexOf('\\') >= 0 || spec.endsWith(".json");
    }

    private static TextTokenizer load(String id) {
        if (JtokkitTokenizer.knows(id)) {
            return new JtokkitTokenizer(id);
        }
        if ("none".equals(id)) {
            throw new TokenizerException("tokenizer 'none' has no text form: the profile exchanges token ids only");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new TokenizerException("tokenizer id is longer than " + MAX_ID_LENGTH + " characters");
        }
        if (id.startsWith(HF_PREFIX) && isPathSpec(id.substring(HF_PREFIX.length()))) {
            Path file;
            try {
                file = Path.of(id.substring(HF_PREFIX.length()));
            } catch (java.nio.file.InvalidPathException e) {
                throw new TokenizerException("tokenizer id '" + id + "': not a valid path: " + e.getMessage());
            }
            if (Files.isDirectory(file)) {
                file = file.resolve("tokenizer.json");
            }
            if (!Files.isRegularFile(file)) {
                throw new TokenizerException("tokenizer '" + id + "' not found: " + file.toAbsolutePath()
                        + " is not a file (hf:PATH names a tokenizer.json or a directory holding one)");
            }
            return HuggingFaceJsonTokenizer.load(id, file);
        }
        if (id.startsWith(HF_PREFIX)) {
            String name = id.substring(HF_PREFIX.length());
            if (!validName(name)) {
                throw new TokenizerException("tokenizer id '" + id + "': the name after hf: must be 1-64 characters"
                        + " of [A-Za-z0-9._-] and not start with '.'");
            }
            Path file = hfFile(name);
            if (!Files.isRegularFile(file)) {
                throw new TokenizerException("tokenizer '" + id + "' not found: expected " + file
                        + " (run scripts/fetch-corpora.sh, or set -D" + DIR_PROPERTY + " / " + DIR_ENV + ")");
            }
            return HuggingFaceJsonTokenizer.load(id, file);
        }
        throw new TokenizerException("unknown tokenizer '" + id + "'; " + known());
    }

    private static boolean validName(String name) {
        return name.matches("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");
    }

    private static Path hfFile(String name) {
        return tokenizerDir().resolve(name).resolve("tokenizer.json");
    }

    /**
     * Directory of {@code hf:} tokenizers: the system property {@value #DIR_PROPERTY}, else the environment
     * variable {@value #DIR_ENV}, else {@code tokenizers/} under {@value #DATA_DIR_PROPERTY} /
     * {@value #DATA_DIR_ENV}, else the first {@code test-corpora/data/tokenizers} found in the working
     * directory or up to three parents (so tests find the fetched files from any module), else
     * {@code test-corpora/data/tokenizers} relative to the working directory.
     */
    public static Path tokenizerDir() {
        String p = System.getProperty(DIR_PROPERTY);
        if (p == null || p.isEmpty()) {
            p = System.getenv(DIR_ENV);
        }
        if (p != null && !p.isEmpty()) {
            return Path.of(p).toAbsolutePath();
        }
        // the data directory of scripts/fetch-corpora.sh (--data-dir / PROVMARK_DATA_DIR)
        String data = System.getProperty(DATA_DIR_PROPERTY);
        if (data == null || data.isEmpty()) {
            data = System.getenv(DATA_DIR_ENV);
        }
        if (data != null && !data.isEmpty()) {
            return Path.of(data).toAbsolutePath().resolve("tokenizers");
        }
        Path rel = Path.of("test-corpora", "data", "tokenizers");
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; up <= 3 && dir != null; up++, dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(rel))) {
                return dir.resolve(rel);
            }
        }
        return rel.toAbsolutePath();
    }
}
