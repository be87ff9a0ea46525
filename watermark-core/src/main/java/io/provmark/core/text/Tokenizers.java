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
        return id.startsWith(HF_PREFIX) && validName(id.substring(HF_PREFIX.length()))
                && Files.isRegularFile(hfFile(id.substring(HF_PREFIX.length())));
    }

    private static TextTokenizer load(String id) {
        if (JtokkitTokenizer.knows(id)) {
            return new JtokkitTokenizer(id);
        }
        if ("none".equals(id)) {
            throw new TokenizerException("tokenizer 'none' has no text form: the profile exchanges token ids only");
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

    private static String known() {
        return "known: " + String.join(", ", new TreeSet<>(JtokkitTokenizer.ids())) + ", hf:NAME (a tokenizer.json under "
                + tokenizerDir() + ")";
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
