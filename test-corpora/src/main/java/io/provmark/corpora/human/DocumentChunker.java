package io.provmark.corpora.human;

import io.provmark.core.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cuts a {@link SourceUnit} into documents of realistic lengths at sentence boundaries.
 *
 * <p>Each document gets a target length L drawn from a truncated power law on [min, max] tokens,
 * density ∝ L^-exponent (inverse-CDF sampling), from a generator seeded by the first 8 bytes of
 * SHA-256("provmark-docs-v1|source|unit"); sentences are added while the document stays at or under L
 * (a document always gets at least min tokens unless the unit runs out). A short tail is merged into the
 * previous document when the result stays within max, else dropped. Finally every document is tokenized as a
 * whole and kept only if its exact count lies in [min, max]. Paragraphs are joined by a blank line, sentences
 * by a space. The cut points depend on the tokenizer (lengths are counted in its tokens); which text is in
 * which split does not.
 */
public final class DocumentChunker {
    private final TextTokenizer tokenizer;
    private final int minTokens;
    private final int maxTokens;
    private final double exponent;

    /**
     * @param exponent power-law exponent of the target length (0 = uniform on [min, max]; larger = more
     *                 short documents)
     */
    public DocumentChunker(TextTokenizer tokenizer, int minTokens, int maxTokens, double exponent) {
        if (minTokens < 1 || maxTokens < minTokens) {
            throw new IllegalArgumentException("need 1 <= minTokens <= maxTokens, got " + minTokens + ", " + maxTokens);
        }
        if (!(exponent >= 0 && exponent <= 10)) {
            throw new IllegalArgumentException("exponent must be in [0, 10], got " + exponent);
        }
        this.tokenizer = tokenizer;
        this.minTokens = minTokens;
        this.maxTokens = maxTokens;
        this.exponent = exponent;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    private static final class Piece {
        final String text;
        final boolean paragraphStart;
        final int tokens;

        Piece(String text, boolean paragraphStart, int tokens) {
            this.text = text;
            this.paragraphStart = paragraphStart;
            this.tokens = tokens;
        }
    }

    /** The documents of one unit, ids {@code source/unit/index}. */
    public List<HumanDocument> chunk(SourceUnit unit) {
        List<Piece> pieces = new ArrayList<>();
        for (List<String> para : unit.paragraphs()) {
            boolean first = true;
            for (String s : para) {
                String nfc = TextTokenizer.normalize(s);
                // counted with the separator it will follow inside a document, as byte-level BPE merges it
                pieces.add(new Piece(nfc, first, tokenizer.count((first ? "\n\n" : " ") + nfc)));
                first = false;
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed(unit));
        List<List<Piece>> docs = new ArrayList<>();
        List<Piece> cur = new ArrayList<>();
        int curTokens = 0;
        double target = drawLength(rnd);
        for (Piece p : pieces) {
            if (curTokens >= minTokens && curTokens + p.tokens > target) {
                docs.add(cur);
                cur = new ArrayList<>();
                curTokens = 0;
                target = drawLength(rnd);
            }
            cur.add(p);
            curTokens += p.tokens;
        }
        if (!cur.isEmpty()) {
            if (curTokens >= minTokens) {
                docs.add(cur);
            } else if (!docs.isEmpty()) {
                List<Piece> prev = docs.get(docs.size() - 1);
                int prevTokens = prev.stream().mapToInt(x -> x.tokens).sum();
                if (prevTokens + curTokens <= maxTokens) {
                    prev.addAll(cur);
                }
            }
        }
        List<HumanDocument> out = new ArrayList<>();
        int index = 0;
        for (List<Piece> d : docs) {
            String text = join(d);
            int n = tokenizer.count(text);
            if (n >= minTokens && n <= maxTokens) {
                out.add(new HumanDocument(unit.source() + "/" + unit.unit() + "/" + index, unit.source(), unit.genre(), text));
            }
            index++;
        }
        return out;
    }

    private static String join(List<Piece> d) {
        StringBuilder sb = new StringBuilder();
        for (Piece p : d) {
            if (sb.length() > 0) {
                sb.append(p.paragraphStart ? "\n\n" : " ");
            }
            sb.append(p.text);
        }
        return sb.toString();
    }

    /** Inverse CDF of the density ∝ L^-a on [min, max]. */
    double drawLength(SplittableRandom rnd) {
        double u = rnd.nextDouble();
        double lo = minTokens;
        double hi = maxTokens;
        if (Math.abs(exponent - 1.0) < 1e-12) {
            return lo * Math.pow(hi / lo, u);
        }
        double b = 1.0 - exponent;
        double a0 = Math.pow(lo, b);
        double a1 = Math.pow(hi, b);
        return Math.pow(a0 + u * (a1 - a0), 1.0 / b);
    }

    static long seed(SourceUnit unit) {
        byte[] h = sha256("provmark-docs-v1|" + unit.source() + "|" + unit.unit());
        long s = 0;
        for (int i = 0; i < 8; i++) {
            s = (s << 8) | (h[i] & 0xFF);
        }
        return s;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
