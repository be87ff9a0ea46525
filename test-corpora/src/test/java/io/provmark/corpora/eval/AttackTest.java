package io.provmark.corpora.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every attack: deterministic under a seed, and doing what its description says. Rates are checked on
 * thousands of tokens with bounds of 6 standard deviations of the binomial count (the streams are seeded, so
 * the outcome is fixed; a fresh seed would fail with probability below 1e-8).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttackTest {
    private static final String TEXT = "The jury said it did find that the city's election was conducted well. "
            + "\"Only a relative handful of such reports was received,\" the jury said! Was the term of Judge "
            + "Durwood Pye worth it? It recommended that Fulton legislators act to have these laws studied and "
            + "revised. The grand jury commented on a number of other topics, among them a quick police car.";

    TextTokenizer tok;
    KneserNeyModel model;
    WordNet wordNet;
    Attacks.Resources res;
    int[] wm;

    @BeforeAll
    void setUp(@TempDir Path dir) throws IOException {
        tok = Tokenizers.byId("cl100k_base");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            texts.add(TEXT);
        }
        model = KneserNeyModel.train(tok, texts, 3);
        // a two-entry WordNet in the real file format: "car" (noun, first sense {car, auto, automobile}) and
        // "quick" (adjective); the other parts of speech are empty
        Files.writeString(dir.resolve("index.noun"), "  1 license header line\ncar n 2 1 @ 2 0 02958343 02959942 \n");
        Files.writeString(dir.resolve("data.noun"), "  1 license header line\n"
                + "02958343 06 n 03 car 0 auto 0 automobile 0 000 | a motor vehicle  \n"
                + "02959942 06 n 02 car 0 railcar 0 000 | a wheeled vehicle  \n");
        Files.writeString(dir.resolve("index.adj"), "quick a 1 0 1 0 00979366 \n");
        Files.writeString(dir.resolve("data.adj"), "00979366 00 a 02 quick(a) 0 speedy 0 000 | fast  \n");
        for (String p : new String[] {"verb", "adv"}) {
            Files.writeString(dir.resolve("index." + p), "");
            Files.writeString(dir.resolve("data." + p), "");
        }
        wordNet = WordNet.load(dir);
        res = new Attacks.Resources(tok, tok.encode(TEXT), model, 50, () -> wordNet);
        wm = tok.encode(TEXT);
    }

    private Attack attack(String type, double param) {
        return Attacks.create(type, param, res);
    }

    private int[] apply(Attack a, long seed) {
        return a.apply(new Attack.Input(wm, tok.encode(TEXT.toUpperCase(Locale.ROOT))), new SplittableRandom(seed));
    }

    private static int[] tokens(int n, long seed) {
        return new SplittableRandom(seed).ints(n, 1000, 2000).toArray();
    }

    @Test
    void everyAttackIsDeterministicAndReTokenized() {
        for (String type : Attacks.TYPES.keySet()) {
            String p = Attacks.TYPES.get(type);
            // the test model has seen only TEXT: at temperature 3 its re-sampled halves differ from the original
            double param = p == null ? Double.NaN : p.equals("temperature") ? 3.0
                    : type.equals("synonym") ? 1.0 : p.equals("rate") ? 0.3 : 0.5;
            Attack a = attack(type, param);
            assertEquals(p == null ? type : type + "-" + Attacks.fmt(param), a.name());
            assertFalse(a.description().isBlank());
            int[] x = apply(a, 11);
            assertArrayEquals(x, apply(a, 11), type + " is not deterministic");
            assertArrayEquals(tok.encode(tok.decode(x)), x, type + " output is not the canonical tokenization");
            if (!type.equals("none")) {
                assertFalse(Arrays.equals(x, wm), type + " did not change the text");
            }
        }
        assertArrayEquals(tok.encode(TEXT), apply(attack("none", Double.NaN), 1));
    }

    @Test
    void differentSeedsGiveDifferentEdits() {
        for (String type : List.of("delete", "substitute", "insert", "case", "whitespace", "homoglyph", "paraphrase",
                "shuffle")) {
            String p = Attacks.TYPES.get(type);
            Attack a = attack(type, p == null ? Double.NaN : p.equals("temperature") ? 1.0 : 0.3);
            assertNotEquals(Arrays.toString(apply(a, 1)), Arrays.toString(apply(a, 2)), type);
        }
    }

    @Test
    void deleteRemovesTheGivenShareKeepingOrder() {
        int[] t = tokens(10_000, 3);
        int[] out = Attacks.delete(t, 0.3, new SplittableRandom(5));
        // deleted ~ Binomial(10000, 0.3): mean 3000, sd 45.8
        assertTrue(Math.abs((t.length - out.length) - 3000) < 6 * 45.8, "deleted " + (t.length - out.length));
        assertTrue(isSubsequence(out, t));
        assertArrayEquals(t, Attacks.delete(t, 0, new SplittableRandom(5)));
        assertEquals(0, Attacks.delete(t, 1, new SplittableRandom(5)).length);
    }

    @Test
    void substituteReplacesFromTheUnigramStream() {
        int[] t = tokens(10_000, 3);
        int[] uni = {7, 8, 9};
        int[] out = Attacks.substitute(t, 0.2, uni, new SplittableRandom(5));
        assertEquals(t.length, out.length);
        int changed = 0;
        for (int i = 0; i < t.length; i++) {
            if (out[i] != t[i]) {
                changed++;
                assertTrue(out[i] >= 7 && out[i] <= 9);
            }
        }
        // Binomial(10000, 0.2): mean 2000, sd 40
        assertTrue(Math.abs(changed - 2000) < 6 * 40, "changed " + changed);
        int[] all = Attacks.substitute(t, 1, uni, new SplittableRandom(5));
        assertTrue(Arrays.stream(all).allMatch(v -> v >= 7 && v <= 9));
    }

    @Test
    void insertAddsTokensAroundTheOriginalOnes() {
        int[] t = tokens(10_000, 3);
        int[] out = Attacks.insert(t, 0.1, new int[] {5}, new SplittableRandom(5));
        int added = out.length - t.length;
        // Binomial(10000, 0.1): mean 1000, sd 30
        assertTrue(Math.abs(added - 1000) < 6 * 30, "added " + added);
        assertEquals(added, Arrays.stream(out).filter(v -> v == 5).count());
        assertTrue(isSubsequence(t, out));
    }

    @Test
    void cropKeepsOneContiguousWindow() {
        int[] t = tokens(200, 3);
        for (long seed = 0; seed < 20; seed++) {
            int[] out = Attacks.crop(t, 0.25, new SplittableRandom(seed));
            assertEquals(50, out.length);
            int start = indexOf(t, out);
            assertTrue(start >= 0, "not a window");
        }
    }

    @Test
    void copyPasteEmbedsOneSpanOfTheGivenShare() {
        int[] w = tokens(200, 3);
        int[] human = new SplittableRandom(9).ints(400, 5000, 6000).toArray();
        for (double ratio : new double[] {0.1, 0.25, 0.5}) {
            int[] out = Attacks.copyPaste(w, human, ratio, new SplittableRandom(7));
            assertEquals(200, out.length);
            int span = (int) Math.round(ratio * 200);
            // the watermarked ids (1000..1999) form one contiguous run of `span` tokens of w, in order
            int first = -1;
            int count = 0;
            for (int i = 0; i < out.length; i++) {
                if (out[i] < 5000) {
                    first = first < 0 ? i : first;
                    count++;
                }
            }
            assertEquals(span, count);
            int[] run = Arrays.copyOfRange(out, first, first + span);
            assertTrue(indexOf(w, run) >= 0, "span is not a piece of the watermarked text");
            // the human tokens are the host's first 200 - span tokens, in order
            int[] host = Arrays.stream(out).filter(v -> v >= 5000).toArray();
            assertArrayEquals(Arrays.copyOf(human, 200 - span), host);
        }
        assertThrows(IllegalArgumentException.class,
                () -> Attacks.copyPaste(w, new int[10], 0.5, new SplittableRandom(1)));
    }

    @Test
    void caseEditsOnlyChangeFirstLetters() {
        String out = Attacks.caseEdits(TEXT, 0.3, new SplittableRandom(3));
        assertTrue(out.equalsIgnoreCase(TEXT));
        assertNotEquals(TEXT, out);
        String all = Attacks.caseEdits("the Jury said", 1, new SplittableRandom(3));
        assertEquals("The jury Said", all);
    }

    @Test
    void whitespaceEditsOnlyTouchSpaces() {
        String out = Attacks.whitespace(TEXT, 0.3, new SplittableRandom(3));
        assertEquals(TEXT.replaceAll("\\s+", ""), out.replaceAll("\\s+", ""));
        assertTrue(out.contains("\n") && out.contains("  "));
        assertEquals(TEXT, Attacks.whitespace(TEXT, 0, new SplittableRandom(3)));
    }

    @Test
    void homoglyphsReplaceOneLetterPerChosenWord() {
        String out = Attacks.homoglyphs(TEXT, 1.0, new SplittableRandom(3));
        assertEquals(TEXT.length(), out.length());
        Matcher m = Pattern.compile("\\p{L}+").matcher(TEXT);
        while (m.find()) {
            String orig = m.group();
            String got = out.substring(m.start(), m.end());
            long swapped = 0;
            for (int i = 0; i < orig.length(); i++) {
                if (orig.charAt(i) != got.charAt(i)) {
                    swapped++;
                    int k = Attacks.LATIN.indexOf(orig.charAt(i));
                    assertEquals(Attacks.CYRILLIC.charAt(k), got.charAt(i));
                }
            }
            boolean eligible = orig.chars().anyMatch(c -> Attacks.LATIN.indexOf(c) >= 0);
            assertEquals(eligible ? 1 : 0, swapped, orig + " -> " + got);
        }
    }

    @Test
    void shuffleReordersWholeSentences() {
        String out = Attacks.shuffle(TEXT, new SplittableRandom(3));
        List<String> a = new ArrayList<>(Attacks.sentences(TEXT));
        List<String> b = new ArrayList<>(Attacks.sentences(out));
        assertEquals(5, a.size());
        assertNotEquals(a, b);
        a.sort(null);
        b.sort(null);
        assertEquals(a, b);
    }

    @Test
    void synonymsComeFromTheFirstSense() {
        assertEquals(List.of("auto", "automobile"), wordNet.synonyms("car"));
        assertEquals(List.of("speedy"), wordNet.synonyms("quick"));
        assertEquals(List.of(), wordNet.synonyms("railcar"), "only the first sense gives synonyms");
        String out = Attacks.synonyms("A Car, a car and a quick CAR.", 1.0, wordNet, new SplittableRandom(3));
        assertTrue(out.matches("A (Auto|Automobile), a (auto|automobile) and a speedy (AUTO|AUTOMOBILE)\\."), out);
        assertEquals("A car.", Attacks.synonyms("A car.", 0.0, wordNet, new SplittableRandom(3)));
    }

    @Test
    void paraphraseKeepsTheFirstHalfOfEverySentence() {
        Sampler s = new Sampler(model, 0.7, 50);
        int[] out = Attacks.paraphrase(tok, s, TEXT, new SplittableRandom(3));
        int pos = 0;
        List<String> sent = Attacks.sentences(TEXT);
        for (int i = 0; i < sent.size(); i++) {
            int[] ids = tok.encode(i == 0 ? sent.get(i) : " " + sent.get(i));
            int keep = (ids.length + 1) / 2;
            assertArrayEquals(Arrays.copyOf(ids, keep), Arrays.copyOfRange(out, pos, pos + keep), "sentence " + i);
            pos += ids.length; // the re-sampled half has the same number of tokens
        }
        assertEquals(pos, out.length);
        assertArrayEquals(out, Attacks.paraphrase(tok, s, TEXT, new SplittableRandom(3)));
    }

    @Test
    void badTypeOrParameterIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> attack("rot13", 0.1));
        assertTrue(e.getMessage().contains("unknown attack 'rot13'"), e.getMessage());
        assertTrue(e.getMessage().contains("delete"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> attack("delete", 1.5));
        assertTrue(e.getMessage().contains("rate must be in [0, 1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> attack("crop", 0));
        assertThrows(IllegalArgumentException.class, () -> attack("paraphrase", 0));
    }

    @Test
    void topKSamplerKeepsTheBestCandidatesInOrder() {
        float[] logits = {0.5f, 3f, -1f, 3f, 2f, 0.5f, 7f};
        int[] cand = new int[4];
        float[] cl = new float[4];
        Sampler.topK(logits, logits.length, 4, cand, cl);
        assertArrayEquals(new int[] {6, 1, 3, 4}, cand); // ties (3, 3) by lower id
        assertArrayEquals(new float[] {7f, 3f, 3f, 2f}, cl);
        SplittableRandom r = new SplittableRandom(2);
        float[] big = new float[5000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) Math.floor(r.nextGaussian() * 3);
        }
        int[] c = new int[50];
        float[] l = new float[50];
        Sampler.topK(big, big.length, 50, c, l);
        Integer[] idx = new Integer[big.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> big[a] != big[b] ? Float.compare(big[b], big[a]) : Integer.compare(a, b));
        for (int i = 0; i < 50; i++) {
            assertEquals(idx[i].intValue(), c[i]);
        }
    }

    private static boolean isSubsequence(int[] sub, int[] seq) {
        int j = 0;
        for (int v : seq) {
            if (j < sub.length && sub[j] == v) {
                j++;
            }
        }
        return j == sub.length;
    }

    private static int indexOf(int[] hay, int[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
