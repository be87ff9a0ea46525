package io.provmark.corpora.human;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The King James Bible as scripts/fetch-corpora.sh extracts it from Debian's {@code bible-kjv-text}:
 * {@code kjv.tsv}, one verse per line, {@code book TAB chapter TAB verse TAB text}, 31,102 verses in 1,189
 * chapters. Each chapter is one {@link SourceUnit} (genre = book name) with one paragraph of verses.
 */
public final class KingJamesBible {
    public static final String SOURCE = "kjv";

    private KingJamesBible() {
    }

    public static List<SourceUnit> read(Path tsv) throws IOException {
        if (!Files.isRegularFile(tsv)) {
            throw new IOException("King James Bible not found: " + tsv + " is missing (run scripts/fetch-corpora.sh)");
        }
        List<SourceUnit> units = new ArrayList<>();
        String book = null;
        String chapter = null;
        List<String> verses = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            lineNo++;
            String[] f = line.split("\t", -1);
            if (f.length != 4 || f[3].isBlank()) {
                throw new IOException(tsv + " line " + lineNo + ": expected book, chapter, verse and text separated by tabs");
            }
            if (!f[0].equals(book) || !f[1].equals(chapter)) {
                if (book != null) {
                    units.add(unit(book, chapter, verses));
                }
                book = f[0];
                chapter = f[1];
                verses = new ArrayList<>();
            }
            verses.add(f[3].trim());
        }
        if (book != null) {
            units.add(unit(book, chapter, verses));
        }
        if (units.isEmpty()) {
            throw new IOException(tsv + " holds no verses");
        }
        return units;
    }

    private static SourceUnit unit(String book, String chapter, List<String> verses) {
        return new SourceUnit(SOURCE, book.replace(' ', '_') + "_" + chapter, book, List.of(verses));
    }
}
