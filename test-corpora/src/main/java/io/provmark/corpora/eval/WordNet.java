package io.provmark.corpora.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Single-word synonyms from WordNet 3.0 ({@code index.*} and {@code data.*} of the four parts of speech, as
 * {@code scripts/fetch-corpora.sh} puts them in {@code DATA/wordnet}).
 *
 * <p>For a lower-case word the synonyms are the other lemmas of its <em>first</em> (most frequent) sense in
 * each part of speech where it is a lemma, kept when they are one lower-case word of letters only. Words
 * shorter than three letters and a short list of function words get none: WordNet lists "a" as a noun
 * (angstrom) and "be" as a verb, and replacing those would only make noise. No part-of-speech tagging and
 * no inflection: "running" is not a lemma, so it is never replaced.
 */
public final class WordNet {
    static final String[] POS = {"noun", "verb", "adj", "adv"};
    private static final Set<String> STOP = Set.of("the", "and", "but", "not", "for", "nor", "yet", "was", "were",
            "are", "has", "have", "had", "does", "did", "can", "could", "will", "would", "shall", "should", "may",
            "might", "must", "one", "who", "his", "her", "its", "our", "their", "this", "that", "these", "those",
            "with", "from", "into", "than", "then", "there", "here", "what", "when", "where", "which", "while",
            "said", "say", "says", "get", "got", "let", "very", "also", "just", "all", "any", "some", "out",
            "off", "own", "how", "why", "too", "now", "more", "most", "much", "many", "such", "only", "over");

    private final Map<String, List<String>> synonyms;

    private WordNet(Map<String, List<String>> synonyms) {
        this.synonyms = synonyms;
    }

    /** Whether the WordNet files are in {@code dir}. */
    public static boolean available(Path dir) {
        for (String p : POS) {
            if (!Files.isRegularFile(dir.resolve("index." + p)) || !Files.isRegularFile(dir.resolve("data." + p))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the files of {@code dir}.
     *
     * @throws IOException naming the directory and the fetch script when a file is missing or malformed
     */
    public static WordNet load(Path dir) throws IOException {
        if (!available(dir)) {
            throw new IOException("WordNet files (index.noun, data.noun, ... ) not found in " + dir
                    + "; run scripts/fetch-corpora.sh");
        }
        Map<String, Set<String>> out = new HashMap<>();
        for (String pos : POS) {
            // lemma -> offset of its first sense
            Map<Long, List<String>> wanted = new HashMap<>();
            try (BufferedReader r = Files.newBufferedReader(dir.resolve("index." + pos), StandardCharsets.UTF_8)) {
                String line;
                int no = 0;
                while ((line = r.readLine()) != null) {
                    no++;
                    if (line.startsWith(" ") || line.isEmpty()) {
                        continue; // license header
                    }
                    String[] f = line.split(" ");
                    String lemma = f[0];
                    if (!eligible(lemma)) {
                        continue;
                    }
                    try {
                        int pCnt = Integer.parseInt(f[3]);
                        long offset = Long.parseLong(f[4 + pCnt + 2]);
                        wanted.computeIfAbsent(offset, k -> new ArrayList<>()).add(lemma);
                    } catch (RuntimeException e) {
                        throw new IOException("malformed WordNet index." + pos + " line " + no + ": " + line, e);
                    }
                }
            }
            try (BufferedReader r = Files.newBufferedReader(dir.resolve("data." + pos), StandardCharsets.UTF_8)) {
                String line;
                int no = 0;
                while ((line = r.readLine()) != null) {
                    no++;
                    if (line.startsWith(" ") || line.isEmpty()) {
                        continue;
                    }
                    int sp = line.indexOf(' ');
                    List<String> lemmas;
                    try {
                        lemmas = wanted.get(Long.parseLong(line.substring(0, sp)));
                    } catch (RuntimeException e) {
                        throw new IOException("malformed WordNet data." + pos + " line " + no, e);
                    }
                    if (lemmas == null) {
                        continue;
                    }
                    String[] f = line.split(" ");
                    int wCnt = Integer.parseInt(f[3], 16);
                    List<String> words = new ArrayList<>(wCnt);
                    for (int j = 0; j < wCnt; j++) {
                        String w = f[4 + 2 * j];
                        int paren = w.indexOf('(');
                        words.add(paren >= 0 ? w.substring(0, paren) : w); // adjective markers: able(a)
                    }
                    for (String lemma : lemmas) {
                        for (String w : words) {
                            if (!w.equals(lemma) && w.chars().allMatch(c -> c >= 'a' && c <= 'z') && w.length() >= 3) {
                                out.computeIfAbsent(lemma, k -> new TreeSet<>()).add(w);
                            }
                        }
                    }
                }
            }
        }
        Map<String, List<String>> frozen = new HashMap<>();
        for (Map.Entry<String, Set<String>> e : out.entrySet()) {
            frozen.put(e.getKey(), List.copyOf(e.getValue()));
        }
        return new WordNet(frozen);
    }

    private static boolean eligible(String lemma) {
        return lemma.length() >= 3 && lemma.chars().allMatch(c -> c >= 'a' && c <= 'z') && !STOP.contains(lemma);
    }

    /** Sorted synonyms of a lower-case word; empty when it has none. */
    public List<String> synonyms(String word) {
        return synonyms.getOrDefault(word, List.of());
    }

    /** Number of words that have at least one synonym. */
    public int size() {
        return synonyms.size();
    }
}
