package io.provmark.corpora.eval;

import io.provmark.core.lm.NextTokenModel;
import io.provmark.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The attacks of the evaluation (docs/eval.md), built from a type and its parameters.
 *
 * <table>
 *   <caption>attack types</caption>
 *   <tr><th>type</th><th>parameter</th><th>what it does</th></tr>
 *   <tr><td>none</td><td></td><td>decode and re-tokenize only (what any verifier of text sees)</td></tr>
 *   <tr><td>delete</td><td>rate</td><td>each token deleted with probability rate</td></tr>
 *   <tr><td>substitute</td><td>rate</td><td>each token replaced, with probability rate, by a token drawn from
 *       the human unigram distribution</td></tr>
 *   <tr><td>insert</td><td>rate</td><td>after each token, with probability rate, a token drawn from the human
 *       unigram distribution is inserted</td></tr>
 *   <tr><td>synonym</td><td>rate</td><td>each word that has a WordNet synonym (first sense) is replaced by one
 *       with probability rate</td></tr>
 *   <tr><td>crop</td><td>keep</td><td>a contiguous window of keep·n tokens at a random offset is kept</td></tr>
 *   <tr><td>copy-paste</td><td>ratio</td><td>one contiguous watermarked span of ratio·n tokens is pasted at a
 *       random point of (1-ratio)·n human tokens</td></tr>
 *   <tr><td>case</td><td>rate</td><td>each word's first letter switches case with probability rate</td></tr>
 *   <tr><td>whitespace</td><td>rate</td><td>each space becomes two spaces or a newline with probability
 *       rate</td></tr>
 *   <tr><td>homoglyph</td><td>rate</td><td>each word, with probability rate, gets one Latin letter replaced by
 *       its Cyrillic look-alike</td></tr>
 *   <tr><td>paraphrase</td><td>temperature</td><td>each sentence keeps the first half of its tokens; the
 *       second half is re-sampled, unwatermarked, from the n-gram model at that temperature</td></tr>
 *   <tr><td>shuffle</td><td></td><td>the sentences are put in a random order</td></tr>
 * </table>
 */
public final class Attacks {
    /** Known types and their parameter (null: none). */
    public static final Map<String, String> TYPES;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("none", null);
        m.put("delete", "rate");
        m.put("substitute", "rate");
        m.put("insert", "rate");
        m.put("synonym", "rate");
        m.put("crop", "keep");
        m.put("copy-paste", "ratio");
        m.put("case", "rate");
        m.put("whitespace", "rate");
        m.put("homoglyph", "rate");
        m.put("paraphrase", "temperature");
        m.put("shuffle", null);
        TYPES = java.util.Collections.unmodifiableMap(m);
    }

    /**
     * What attacks need besides their input.
     *
     * @param tokenizer    the evaluation's tokenizer (decode, re-tokenize)
     * @param unigram      a stream of human-written token ids; random substitutions and insertions draw a uniform
     *                     position of it, i.e. the human unigram distribution
     * @param model        the language model the paraphrase attack re-samples with (no watermark)
     * @param topK         the paraphrase sampler's top-k (0 = whole vocabulary)
     * @param wordNet      loads WordNet on first use (only the synonym attack needs it)
     */
    public record Resources(TextTokenizer tokenizer, int[] unigram, NextTokenModel model, int topK,
                            Supplier<WordNet> wordNet) {
        public Resources {
            if (tokenizer == null || unigram == null || unigram.length == 0) {
                throw new IllegalArgumentException("attacks need a tokenizer and a non-empty unigram token stream");
            }
        }
    }

    private Attacks() {
    }

    /**
     * Builds an attack.
     *
     * @param type  one of {@link #TYPES}
     * @param param its parameter (ignored, may be NaN, for types without one)
     * @throws IllegalArgumentException for an unknown type or a parameter outside its range
     */
    public static Attack create(String type, double param, Resources res) {
        checkParam(type, param);
        String p = TYPES.get(type);
        String name = p == null ? type : type + "-" + fmt(param);
        TextTokenizer tok = res.tokenizer();
        return build(type, name, param, tok, res);
    }

    /** Checks an attack type and its parameter's range; IllegalArgumentException naming the problem. */
    public static void checkParam(String type, double param) {
        // one place for the ranges, so a config is rejected before any work starts
        if (!TYPES.containsKey(type)) {
            throw new IllegalArgumentException("unknown attack '" + type + "'; known: " + String.join(", ", TYPES.keySet()));
        }
        String p = TYPES.get(type);
        if (p != null) {
            boolean ok = p.equals("temperature") ? param > 0 && param <= 10
                    : p.equals("rate") ? param >= 0 && param <= 1 : param > 0 && param <= 1;
            if (!ok) {
                throw new IllegalArgumentException("attack '" + type + "': " + p + " must be in "
                        + (p.equals("temperature") ? "(0, 10]" : p.equals("rate") ? "[0, 1]" : "(0, 1]") + ", got " + param);
            }
        }
    }

    private static Attack build(String type, String name, double param, TextTokenizer tok, Resources res) {
        switch (type) {
            case "none":
                return text(name, "no edit: decode and re-tokenize", tok, (s, r) -> s);
            case "delete":
                return tokens(name, "each token deleted with probability " + fmt(param), tok,
                        (t, r) -> delete(t, param, r));
            case "substitute":
                return tokens(name, "each token replaced with probability " + fmt(param)
                        + " by a token drawn from the human unigram distribution", tok,
                        (t, r) -> substitute(t, param, res.unigram(), r));
            case "insert":
                return tokens(name, "after each token a token drawn from the human unigram distribution is inserted"
                        + " with probability " + fmt(param), tok, (t, r) -> insert(t, param, res.unigram(), r));
            case "synonym":
                return text(name, "each word with a WordNet synonym (first sense) replaced by one with probability "
                        + fmt(param), tok, (s, r) -> synonyms(s, param, res.wordNet().get(), r));
            case "crop":
                return tokens(name, "a contiguous window of " + fmt(param) + " of the tokens, at a random offset",
                        tok, (t, r) -> crop(t, param, r));
            case "copy-paste":
                return new Named(name, "one watermarked span of " + fmt(param) + " of the tokens pasted into human"
                        + " text (same total length)",
                        (in, rnd) -> retokenize(tok, copyPaste(in.tokens(), in.humanTokens(), param, rnd)));
            case "case":
                return text(name, "each word's first letter switches case with probability " + fmt(param), tok,
                        (s, r) -> caseEdits(s, param, r));
            case "whitespace":
                return text(name, "each space becomes two spaces or a newline with probability " + fmt(param), tok,
                        (s, r) -> whitespace(s, param, r));
            case "homoglyph":
                return text(name, "each word, with probability " + fmt(param)
                        + ", gets one Latin letter replaced by a Cyrillic look-alike", tok, (s, r) -> homoglyphs(s, param, r));
            case "paraphrase":
                if (res.model() == null) {
                    throw new IllegalArgumentException("attack 'paraphrase' needs a language model");
                }
                Sampler g = new Sampler(res.model(), param, res.topK());
                return tokens(name, "each sentence keeps the first half of its tokens; the second half is re-sampled"
                        + " without watermark from the n-gram model at temperature " + fmt(param)
                        + (res.topK() > 0 ? ", top-k " + res.topK() : ""), tok,
                        (t, r) -> paraphrase(tok, g, tok.decode(t), r));
            case "shuffle":
                return text(name, "sentences put in a random order", tok, (s, r) -> shuffle(s, r));
            default:
                throw new IllegalStateException(type);
        }
    }

    static String fmt(double v) {
        String s = String.format(Locale.ROOT, "%.4f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private interface TokenEdit {
        int[] edit(int[] tokens, SplittableRandom rnd);
    }

    private interface TextEdit {
        String edit(String text, SplittableRandom rnd);
    }

    /** An attack given by its name, description and what it does. */
    private record Named(String name, String description, java.util.function.BiFunction<Attack.Input,
            SplittableRandom, int[]> edit) implements Attack {
        @Override
        public int[] apply(Attack.Input in, SplittableRandom rnd) {
            return edit.apply(in, rnd);
        }
    }

    private static Attack tokens(String name, String description, TextTokenizer tok, TokenEdit e) {
        return new Named(name, description, (in, rnd) -> retokenize(tok, e.edit(in.tokens(), rnd)));
    }

    private static Attack text(String name, String description, TextTokenizer tok, TextEdit e) {
        return new Named(name, description, (in, rnd) -> tok.encode(e.edit(tok.decode(in.tokens()), rnd)));
    }

    static int[] retokenize(TextTokenizer tok, int[] ids) {
        return tok.encode(tok.decode(ids));
    }

    // ------------------------------------------------------------------------------------- token-level edits

    static int[] delete(int[] t, double rate, SplittableRandom rnd) {
        int[] out = new int[t.length];
        int n = 0;
        for (int id : t) {
            if (rnd.nextDouble() >= rate) {
                out[n++] = id;
            }
        }
        return Arrays.copyOf(out, n);
    }

    static int[] substitute(int[] t, double rate, int[] unigram, SplittableRandom rnd) {
        int[] out = t.clone();
        for (int i = 0; i < out.length; i++) {
            if (rnd.nextDouble() < rate) {
                out[i] = unigram[rnd.nextInt(unigram.length)];
            }
        }
        return out;
    }

    static int[] insert(int[] t, double rate, int[] unigram, SplittableRandom rnd) {
        int[] out = new int[2 * t.length];
        int n = 0;
        for (int id : t) {
            out[n++] = id;
            if (rnd.nextDouble() < rate) {
                out[n++] = unigram[rnd.nextInt(unigram.length)];
            }
        }
        return Arrays.copyOf(out, n);
    }

    static int[] crop(int[] t, double keep, SplittableRandom rnd) {
        if (t.length == 0) {
            return t;
        }
        int m = Math.max(1, (int) Math.round(keep * t.length));
        int start = rnd.nextInt(t.length - m + 1);
        return Arrays.copyOfRange(t, start, start + m);
    }

    static int[] copyPaste(int[] wm, int[] human, double ratio, SplittableRandom rnd) {
        int n = wm.length;
        if (n == 0) {
            return wm;
        }
        int span = Math.max(1, Math.min(n, (int) Math.round(ratio * n)));
        int hostLen = n - span;
        if (human.length < hostLen) {
            throw new IllegalArgumentException("copy-paste needs " + hostLen + " human tokens, got " + human.length);
        }
        int from = rnd.nextInt(n - span + 1);
        int at = rnd.nextInt(hostLen + 1);
        int[] out = new int[n];
        System.arraycopy(human, 0, out, 0, at);
        System.arraycopy(wm, from, out, at, span);
        System.arraycopy(human, at, out, at + span, hostLen - at);
        return out;
    }

    // -------------------------------------------------------------------------------------- text-level edits

    private static final Pattern WORD = Pattern.compile("\\p{L}+");
    /** Sentence ends: . ! ? with optional closing quotes/brackets, then whitespace. */
    private static final Pattern SENTENCE_BREAK = Pattern.compile("(?<=[.!?][\"'\u2019\u201D)\\]]{0,2})\\s+");

    static String synonyms(String s, double rate, WordNet wn, SplittableRandom rnd) {
        Matcher m = WORD.matcher(s);
        StringBuilder sb = new StringBuilder(s.length() + 16);
        int last = 0;
        while (m.find()) {
            String w = m.group();
            List<String> syn = wn.synonyms(w.toLowerCase(Locale.ROOT));
            sb.append(s, last, m.start());
            if (!syn.isEmpty() && rnd.nextDouble() < rate) {
                sb.append(matchCase(w, syn.get(rnd.nextInt(syn.size()))));
            } else {
                sb.append(w);
            }
            last = m.end();
        }
        return sb.append(s, last, s.length()).toString();
    }

    static String matchCase(String original, String replacement) {
        if (original.length() > 1 && original.equals(original.toUpperCase(Locale.ROOT))) {
            return replacement.toUpperCase(Locale.ROOT);
        }
        if (Character.isUpperCase(original.charAt(0))) {
            return Character.toUpperCase(replacement.charAt(0)) + replacement.substring(1);
        }
        return replacement;
    }

    static String caseEdits(String s, double rate, SplittableRandom rnd) {
        Matcher m = WORD.matcher(s);
        StringBuilder sb = new StringBuilder(s);
        while (m.find()) {
            if (rnd.nextDouble() < rate) {
                int i = m.start();
                char c = s.charAt(i);
                sb.setCharAt(i, Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
            }
        }
        return sb.toString();
    }

    static String whitespace(String s, double rate, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' && rnd.nextDouble() < rate) {
                sb.append(rnd.nextBoolean() ? "  " : "\n");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Latin letters and their Cyrillic look-alikes (NFC leaves them distinct). */
    static final String LATIN = "aceijopsxyABCEHIJKMOPSTXY";
    static final String CYRILLIC = "\u0430\u0441\u0435\u0456\u0458\u043E\u0440\u0455\u0445\u0443"
            + "\u0410\u0412\u0421\u0415\u041D\u0406\u0408\u041A\u041C\u041E\u0420\u0405\u0422\u0425\u04AE";

    static String homoglyphs(String s, double rate, SplittableRandom rnd) {
        Matcher m = WORD.matcher(s);
        StringBuilder sb = new StringBuilder(s);
        while (m.find()) {
            if (rnd.nextDouble() >= rate) {
                continue;
            }
            List<Integer> at = new ArrayList<>();
            for (int i = m.start(); i < m.end(); i++) {
                if (LATIN.indexOf(s.charAt(i)) >= 0) {
                    at.add(i);
                }
            }
            if (!at.isEmpty()) {
                int i = at.get(rnd.nextInt(at.size()));
                sb.setCharAt(i, CYRILLIC.charAt(LATIN.indexOf(s.charAt(i))));
            }
        }
        return sb.toString();
    }

    /** Sentences of a text (split after . ! ? and closing quotes, at whitespace); never empty pieces. */
    static List<String> sentences(String s) {
        List<String> out = new ArrayList<>();
        for (String p : SENTENCE_BREAK.split(s.strip())) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    static String shuffle(String s, SplittableRandom rnd) {
        List<String> sent = sentences(s);
        for (int i = sent.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            String x = sent.get(i);
            sent.set(i, sent.get(j));
            sent.set(j, x);
        }
        return String.join(" ", sent);
    }

    static int[] paraphrase(TextTokenizer tok, Sampler g, String s, SplittableRandom rnd) {
        List<String> sent = sentences(s);
        int[] out = new int[16];
        int n = 0;
        for (int i = 0; i < sent.size(); i++) {
            int[] ids = tok.encode(i == 0 ? sent.get(i) : " " + sent.get(i));
            int keep = (ids.length + 1) / 2;
            int regen = ids.length - keep;
            while (n + ids.length > out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            System.arraycopy(ids, 0, out, n, keep);
            n += keep;
            if (regen > 0) {
                int[] fresh = g.generate(null, Arrays.copyOf(out, n), regen, rnd.nextLong());
                System.arraycopy(fresh, 0, out, n, regen);
                n += regen;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
