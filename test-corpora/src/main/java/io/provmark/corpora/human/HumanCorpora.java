package io.provmark.corpora.human;

import io.provmark.core.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The human-written corpora (docs/corpora.md): the Brown corpus and the King James Bible, fetched by
 * {@code scripts/fetch-corpora.sh} into {@link #dataDir()}, split into train and test, and cut into documents.
 *
 * <p><b>Split rule</b> ({@code provmark-split-v1}): a whole unit (Brown sample file; KJV chapter) goes to one
 * split. Within each stratum (Brown category; KJV book) the units are ordered by the hex SHA-256 of
 * {@code "provmark-split-v1|" + source + "|" + unit} and the first {@code round(n · 0.5)} are test, the rest
 * train. The split does not depend on the tokenizer.
 *
 * <p><b>Documents</b>: {@link DocumentChunker} with {@value #MIN_TOKENS}..{@value #MAX_TOKENS} tokens and
 * target lengths ∝ L^-{@value #LENGTH_EXPONENT} (median about 80 tokens, 5% above about 320).
 */
public final class HumanCorpora {
    public static final String SPLIT_DOMAIN = "provmark-split-v1";
    public static final double TEST_FRACTION = 0.5;
    public static final int MIN_TOKENS = 50;
    public static final int MAX_TOKENS = 1000;
    public static final double LENGTH_EXPONENT = 2.5;
    /** Same names as scripts/fetch-corpora.sh's {@code PROVMARK_DATA_DIR}. */
    public static final String DIR_PROPERTY = "provmark.data.dir";
    public static final String DIR_ENV = "PROVMARK_DATA_DIR";

    public enum Split {
        TRAIN, TEST;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private HumanCorpora() {
    }

    /**
     * Where the fetched corpora live: system property {@value #DIR_PROPERTY}, else environment variable
     * {@value #DIR_ENV}, else the first {@code test-corpora/data} in the working directory or up to three
     * parents, else {@code data} when the working directory is the test-corpora module.
     */
    public static Path dataDir() {
        String p = System.getProperty(DIR_PROPERTY);
        if (p == null || p.isEmpty()) {
            p = System.getenv(DIR_ENV);
        }
        if (p != null && !p.isEmpty()) {
            return Path.of(p).toAbsolutePath();
        }
        Path rel = Path.of("test-corpora", "data");
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; up <= 3 && dir != null; up++, dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(rel))) {
                return dir.resolve(rel);
            }
        }
        return Path.of("").toAbsolutePath().resolve("data");
    }

    public static Path brownDir() {
        return dataDir().resolve("brown");
    }

    public static Path kjvFile() {
        return dataDir().resolve("kjv").resolve("kjv.tsv");
    }

    /** Whether scripts/fetch-corpora.sh has put both corpora in place. */
    public static boolean available() {
        return Files.isRegularFile(brownDir().resolve("cats.txt")) && Files.isRegularFile(kjvFile());
    }

    /** Units of a corpus by name ({@code brown} or {@code kjv}). */
    public static List<SourceUnit> units(String source) throws IOException {
        switch (source) {
            case BrownCorpus.SOURCE:
                return BrownCorpus.read(brownDir());
            case KingJamesBible.SOURCE:
                return KingJamesBible.read(kjvFile());
            default:
                throw new IllegalArgumentException("unknown corpus '" + source + "'; known: brown, kjv");
        }
    }

    /** The split of every unit, by the rule in the class comment (keys: unit names). */
    public static Map<String, Split> assignSplits(List<SourceUnit> units) {
        Map<String, List<SourceUnit>> strata = new LinkedHashMap<>();
        for (SourceUnit u : units) {
            strata.computeIfAbsent(u.genre(), g -> new ArrayList<>()).add(u);
        }
        Map<String, Split> out = new HashMap<>();
        for (List<SourceUnit> s : strata.values()) {
            List<SourceUnit> sorted = new ArrayList<>(s);
            sorted.sort(Comparator.comparing(HumanCorpora::splitKey));
            long nTest = Math.round(sorted.size() * TEST_FRACTION);
            for (int i = 0; i < sorted.size(); i++) {
                if (out.put(sorted.get(i).unit(), i < nTest ? Split.TEST : Split.TRAIN) != null) {
                    throw new IllegalArgumentException("duplicate unit name " + sorted.get(i).unit());
                }
            }
        }
        return out;
    }

    static String splitKey(SourceUnit u) {
        return HexFormat.of().formatHex(DocumentChunker.sha256(SPLIT_DOMAIN + "|" + u.source() + "|" + u.unit()));
    }

    /** The units of one split, in their original order. */
    public static List<SourceUnit> select(List<SourceUnit> units, Split split) {
        Map<String, Split> splits = assignSplits(units);
        List<SourceUnit> out = new ArrayList<>();
        for (SourceUnit u : units) {
            if (splits.get(u.unit()) == split) {
                out.add(u);
            }
        }
        return out;
    }

    /** The standard chunker for a tokenizer. */
    public static DocumentChunker chunker(TextTokenizer tokenizer) {
        return new DocumentChunker(tokenizer, MIN_TOKENS, MAX_TOKENS, LENGTH_EXPONENT);
    }

    /** Documents of one corpus and split, cut for {@code tokenizer}. */
    public static List<HumanDocument> documents(String source, Split split, TextTokenizer tokenizer) throws IOException {
        return documents(select(units(source), split), chunker(tokenizer));
    }

    public static List<HumanDocument> documents(List<SourceUnit> units, DocumentChunker chunker) {
        List<HumanDocument> out = new ArrayList<>();
        for (SourceUnit u : units) {
            out.addAll(chunker.chunk(u));
        }
        return out;
    }
}
