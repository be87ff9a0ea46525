package io.provmark.core.attribution;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Schemes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A tiny distillation simulation: the teacher is the built-in Zipf model (watermarked per cohort
 * key), "human" text is the same model without a watermark, and a student is a maximum-likelihood
 * bigram model trained on a mix of both, sampled by drawing a successor of the previous token from
 * its training occurrences. Red-green with h = 1 keys on bigrams, so a bigram student inherits the
 * teacher's green bias in proportion to its share of teacher text.
 */
final class DistillationSim {
    static final int VOCAB = 1000;
    static final int DOC_LEN = 100;
    static final ZipfLogitsModel MODEL = new ZipfLogitsModel(VOCAB, 1.0, 1);

    private DistillationSim() {
    }

    static Profile profile(String keyId) {
        return Profile.defaults("red-green", keyId, "none", VOCAB);
    }

    /** A deterministic key (tests need fixed seeds; production keys come from SecureRandom). */
    static WatermarkKey key(String id, long seed) {
        byte[] m = new byte[32];
        new SplittableRandom(seed).nextBytes(m);
        return new WatermarkKey(id, m, 0L);
    }

    static int[] randomPrompt(SplittableRandom rnd, int len) {
        int[] p = new int[len];
        for (int i = 0; i < len; i++) {
            p[i] = rnd.nextInt(VOCAB);
        }
        return p;
    }

    /** Documents from the teacher under key (null: unwatermarked "human" text). */
    static List<int[]> generate(WatermarkKey key, int docs, long seed) {
        Generator g = new Generator(MODEL, 1.0);
        var emb = key == null ? null : Schemes.create(profile(key.id()), key).embedder();
        SplittableRandom rnd = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int d = 0; d < docs; d++) {
            out.add(g.generate(emb, randomPrompt(rnd, 2), DOC_LEN, rnd.nextLong()));
        }
        return out;
    }

    /** Maximum-likelihood bigram student with a unigram fallback for unseen previous tokens. */
    static final class BigramStudent {
        private final int[][] successors = new int[VOCAB][];
        private final int[] unigram;

        BigramStudent(List<int[]> training) {
            int[] counts = new int[VOCAB];
            int total = 0;
            for (int[] d : training) {
                for (int i = 0; i + 1 < d.length; i++) {
                    counts[d[i]]++;
                }
                total += d.length;
            }
            int[][] tmp = new int[VOCAB][];
            int[] fill = new int[VOCAB];
            for (int v = 0; v < VOCAB; v++) {
                tmp[v] = new int[counts[v]];
            }
            int[] uni = new int[total];
            int u = 0;
            for (int[] d : training) {
                for (int i = 0; i < d.length; i++) {
                    uni[u++] = d[i];
                    if (i + 1 < d.length) {
                        tmp[d[i]][fill[d[i]]++] = d[i + 1];
                    }
                }
            }
            System.arraycopy(tmp, 0, successors, 0, VOCAB);
            unigram = uni;
        }

        /** The student's most likely successor of prev (ties: the smaller id); unseen prev: the commonest token. */
        int top1(int prev) {
            int[] s = successors[prev].length == 0 ? unigram : successors[prev];
            int[] c = new int[VOCAB];
            int best = 0;
            for (int t : s) {
                c[t]++;
                if (c[t] > c[best] || (c[t] == c[best] && t < best)) {
                    best = t;
                }
            }
            return best;
        }

        int next(int prev, SplittableRandom rnd) {
            int[] s = successors[prev];
            if (s.length == 0) {
                return unigram[rnd.nextInt(unigram.length)];
            }
            return s[rnd.nextInt(s.length)];
        }

        /** An answer of len tokens after prompt. */
        int[] answer(int[] prompt, int len, SplittableRandom rnd) {
            int[] out = new int[len];
            int prev = prompt.length == 0 ? unigram[rnd.nextInt(unigram.length)] : prompt[prompt.length - 1];
            for (int i = 0; i < len; i++) {
                out[i] = next(prev, rnd);
                prev = out[i];
            }
            return out;
        }

        /**
         * The prompt-copy trap: an answer that copies {@code spans} runs of {@code spanLen} tokens
         * from its prompt (as a model quoting its input does), generating its own tokens between.
         */
        int[] copyingAnswer(int[] prompt, int len, int spans, int spanLen, SplittableRandom rnd) {
            int[] out = new int[len];
            int prev = prompt[prompt.length - 1];
            int gap = len / spans - spanLen;
            int i = 0;
            for (int s = 0; s < spans && i < len; s++) {
                for (int g = 0; g < gap && i < len; g++) {
                    out[i] = next(prev, rnd);
                    prev = out[i++];
                }
                int from = rnd.nextInt(prompt.length - spanLen);
                for (int c = 0; c < spanLen && i < len; c++) {
                    out[i] = prompt[from + c];
                    prev = out[i++];
                }
            }
            while (i < len) {
                out[i] = next(prev, rnd);
                prev = out[i++];
            }
            return out;
        }
    }

    /** Training mix: round(rho * n) teacher documents and the rest human documents. */
    static List<int[]> mix(List<int[]> teacher, List<int[]> human, double rho, int n) {
        int t = (int) Math.round(rho * n);
        List<int[]> docs = new ArrayList<>(teacher.subList(0, t));
        docs.addAll(human.subList(0, n - t));
        return docs;
    }

    static List<CorpusAttribution.Answer> answers(BigramStudent s, int count, int len, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<CorpusAttribution.Answer> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] prompt = randomPrompt(rnd, 8);
            out.add(new CorpusAttribution.Answer("a" + i, s.answer(prompt, len, rnd), prompt));
        }
        return out;
    }

    static List<int[]> copyOf(List<int[]> docs) {
        List<int[]> out = new ArrayList<>();
        for (int[] d : docs) {
            out.add(Arrays.copyOf(d, d.length));
        }
        return out;
    }
}
