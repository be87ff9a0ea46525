package io.provmark.corpora.human;

import java.util.List;

/**
 * One unit of a corpus that the train/test split assigns as a whole: a Brown sample file (about 2,000 words)
 * or a KJV chapter. Paragraphs are lists of sentences (KJV: verses).
 *
 * @param source     corpus name
 * @param unit       unit name within the corpus ({@code ca01}, {@code Genesis_1})
 * @param genre      Brown category or KJV book
 * @param paragraphs paragraphs, each a list of sentences
 */
public record SourceUnit(String source, String unit, String genre, List<List<String>> paragraphs) {
    public SourceUnit {
        paragraphs = List.copyOf(paragraphs.stream().map(List::copyOf).toList());
    }

    public int sentences() {
        int n = 0;
        for (List<String> p : paragraphs) {
            n += p.size();
        }
        return n;
    }
}
