package io.provmark.corpora.distill;

import io.provmark.core.lm.KneserNeyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A student language model: the built-in interpolated Kneser-Ney model ({@link KneserNeyModel}) trained on
 * the student's corpus, with exact sampling and exact top-1 in time proportional to the successors of the
 * context instead of the vocabulary size (the simulation needs millions of steps over 100k+ ids).
 *
 * <p>The n-gram tables are rebuilt here from the same documents with the model's own discounts and ε, so the
 * distribution is the model's: {@link #probability} agrees with {@link KneserNeyModel#probability} (tested,
 * up to the model's float storage of the discounted masses). Sampling walks the interpolation from the
 * highest level down: at a level whose context was seen, a successor is drawn with its discounted mass
 * (1 − γ in total), otherwise the remaining γ goes one level lower.
 */
public final class KnStudent {
    private final KneserNeyModel model;
    private final int order;
    private final int vocab;
    /** levels.get(k) for k = 2..order: context (k-1 ids) to node. */
    private final List<Map<Ctx, Node>> levels = new ArrayList<>();
    private final double[] p1;
    /** Discounted level-1 mass: seen ids, cumulative alpha, gamma1. */
    private final int[] seenIds;
    private final double[] seenCum;
    private final double gamma1;
    private final double eps;
    /** Ids by descending P1 (the first few: the argmax outside every context's successors is among them). */
    private final int[] topP1;
    private final ThreadLocal<Scratch> scratch;

    private record Ctx(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Ctx c && Arrays.equals(ids, c.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    private static final class Node {
        int[] succ;
        double[] alpha;
        double gamma;
    }

    private static final class Scratch {
        final double[] acc;
        final int[] stamp;
        final int[] touched;
        int gen;

        Scratch(int v) {
            acc = new double[v];
            stamp = new int[v];
            touched = new int[v];
        }
    }

    private KnStudent(KneserNeyModel model, List<int[]> docs) {
        this.model = model;
        this.order = model.order();
        this.vocab = model.vocabSize();
        this.eps = model.unseenWeight();
        // level N: raw counts; level k < N: number of distinct (k+1)-grams of level k+1 with this k-gram suffix
        List<Map<Ctx, Map<Integer, Integer>>> counts = new ArrayList<>();
        for (int k = 0; k <= order; k++) {
            counts.add(new HashMap<>());
        }
        for (int[] d : docs) {
            for (int i = 0; i + order <= d.length; i++) {
                counts.get(order).computeIfAbsent(new Ctx(Arrays.copyOfRange(d, i, i + order - 1)), c -> new HashMap<>())
                        .merge(d[i + order - 1], 1, Integer::sum);
            }
        }
        int[] uni = new int[vocab];
        for (int k = order - 1; k >= 1; k--) {
            Map<Ctx, Map<Integer, Integer>> lower = counts.get(k);
            for (Map.Entry<Ctx, Map<Integer, Integer>> e : counts.get(k + 1).entrySet()) {
                int[] ctx = e.getKey().ids();
                for (int w : e.getValue().keySet()) {
                    if (k == 1) {
                        uni[w]++;
                    } else {
                        lower.computeIfAbsent(new Ctx(Arrays.copyOfRange(ctx, 1, ctx.length)), c -> new HashMap<>())
                                .merge(w, 1, Integer::sum);
                    }
                }
            }
        }
        levels.add(null);
        levels.add(null);
        for (int k = 2; k <= order; k++) {
            double[] d = model.discounts(k);
            Map<Ctx, Node> lv = new HashMap<>();
            for (Map.Entry<Ctx, Map<Integer, Integer>> e : counts.get(k).entrySet()) {
                Node n = new Node();
                int m = e.getValue().size();
                n.succ = new int[m];
                n.alpha = new double[m];
                int[] c = new int[m];
                int j = 0;
                long total = 0;
                double disc = 0;
                for (Map.Entry<Integer, Integer> s : new java.util.TreeMap<>(e.getValue()).entrySet()) {
                    n.succ[j] = s.getKey();
                    c[j] = s.getValue();
                    total += c[j];
                    disc += discount(d, c[j]);
                    j++;
                }
                for (j = 0; j < m; j++) {
                    n.alpha[j] = (c[j] - discount(d, c[j])) / total;
                }
                n.gamma = disc / total;
                lv.put(e.getKey(), n);
            }
            levels.add(lv);
        }
        double[] d1 = model.discounts(1);
        long total = 0;
        double disc = 0;
        int seen = 0;
        for (int c : uni) {
            if (c > 0) {
                total += c;
                disc += discount(d1, c);
                seen++;
            }
        }
        gamma1 = total == 0 ? 1.0 : disc / total;
        double floor = gamma1 * (seen == 0 ? 1.0 : eps) / vocab;
        double seenShare = seen == 0 ? 0.0 : gamma1 * (1 - eps) / seen;
        p1 = new double[vocab];
        seenIds = new int[seen];
        seenCum = new double[seen];
        double cum = 0;
        int s = 0;
        for (int w = 0; w < vocab; w++) {
            int c = uni[w];
            double a = c > 0 ? (c - discount(d1, c)) / total : 0.0;
            p1[w] = (c > 0 ? a + seenShare : 0.0) + floor;
            if (c > 0) {
                cum += a;
                seenIds[s] = w;
                seenCum[s] = cum;
                s++;
            }
        }
        Integer[] idx = new Integer[vocab];
        for (int w = 0; w < vocab; w++) {
            idx[w] = w;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(p1[b], p1[a]));
        topP1 = new int[Math.min(vocab, 256)];
        for (int i = 0; i < topP1.length; i++) {
            topP1[i] = idx[i];
        }
        scratch = ThreadLocal.withInitial(() -> new Scratch(vocab));
    }

    private static double discount(double[] d, int c) {
        return c >= 3 ? d[2] : c == 2 ? d[1] : c == 1 ? d[0] : 0.0;
    }

    /** Trains the built-in model on {@code docs} and builds the fast view. */
    public static KnStudent train(List<int[]> docs, int vocab, int order, String tokenizerId, String vocabSha) {
        KneserNeyModel m = KneserNeyModel.train(docs, vocab, order, tokenizerId, vocabSha);
        return new KnStudent(m, docs);
    }

    public KneserNeyModel model() {
        return model;
    }

    public int order() {
        return order;
    }

    private Node node(int k, int[] ids, int len) {
        return levels.get(k).get(new Ctx(Arrays.copyOfRange(ids, len - (k - 1), len)));
    }

    /** P(w | ids[0..len)) from this class's tables (must equal the model's). */
    public double probability(int[] ids, int len, int w) {
        double p = p1[w];
        for (int k = 2; k <= order; k++) {
            if (len < k - 1) {
                break;
            }
            Node n = node(k, ids, len);
            if (n != null) {
                int i = Arrays.binarySearch(n.succ, w);
                p = (i >= 0 ? n.alpha[i] : 0.0) + n.gamma * p;
            }
        }
        return p;
    }

    /** Draws the next token after ids[0..len) from the model's distribution. */
    public int sample(int[] ids, int len, SplittableRandom rnd) {
        for (int k = Math.min(order, len + 1); k >= 2; k--) {
            Node n = node(k, ids, len);
            if (n == null) {
                continue;
            }
            double u = rnd.nextDouble();
            if (u < 1 - n.gamma) {
                double c = 0;
                for (int i = 0; i < n.succ.length; i++) {
                    c += n.alpha[i];
                    if (u < c) {
                        return n.succ[i];
                    }
                }
                return n.succ[n.succ.length - 1];
            }
        }
        double u = rnd.nextDouble();
        if (u < 1 - gamma1 && seenIds.length > 0) {
            int i = Arrays.binarySearch(seenCum, u);
            i = i >= 0 ? i : -i - 1;
            return seenIds[Math.min(i, seenIds.length - 1)];
        }
        if (rnd.nextDouble() < 1 - eps && seenIds.length > 0) {
            return seenIds[rnd.nextInt(seenIds.length)];
        }
        return rnd.nextInt(vocab);
    }

    /** The most likely next token after ids[0..len) (ties: the smaller id). */
    public int argmax(int[] ids, int len) {
        Scratch s = scratch.get();
        int gen = ++s.gen;
        if (gen == Integer.MAX_VALUE) {
            Arrays.fill(s.stamp, 0);
            s.gen = gen = 1;
        }
        int nt = 0;
        // P(w) = sum_k W_k alpha_k(w) + W_1 P1(w), W_N = 1 and W_{k-1} = W_k gamma_k where the context was seen
        double w = 1.0;
        for (int k = Math.min(order, len + 1); k >= 2; k--) {
            Node n = node(k, ids, len);
            if (n == null) {
                continue;
            }
            for (int i = 0; i < n.succ.length; i++) {
                int t = n.succ[i];
                if (s.stamp[t] != gen) {
                    s.stamp[t] = gen;
                    s.acc[t] = 0;
                    s.touched[nt++] = t;
                }
                s.acc[t] += w * n.alpha[i];
            }
            w *= n.gamma;
        }
        int best = -1;
        double bestP = -1;
        for (int i = 0; i < nt; i++) {
            int t = s.touched[i];
            double p = s.acc[t] + w * p1[t];
            if (p > bestP || (p == bestP && t < best)) {
                bestP = p;
                best = t;
            }
        }
        // outside every successor list P = W_1 P1(w): the best such id is the first untouched one by P1
        for (int t : topP1) {
            if (s.stamp[t] != gen) {
                double p = w * p1[t];
                if (p > bestP || (p == bestP && t < best)) {
                    bestP = p;
                    best = t;
                }
                break;
            }
        }
        return best;
    }

    /**
     * {@code maxTokens} tokens after {@code prompt} from the red-green watermarked distribution
     * P(w)·e^(δ·green(w)) / Z, the distribution the red-green embed hook samples from (logits + δ on green
     * tokens, softmax), drawn exactly by rejection: propose w ~ P, accept a green w always and a red one with
     * probability e^(−δ). Cost per token: a few proposals of {@link #sample} instead of O(V).
     *
     * @param scorer the red-green scorer of the watermark key (value 1 = green)
     */
    public int[] generateRedGreen(int[] prompt, int maxTokens, io.provmark.core.scheme.Scorer scorer, double delta,
                                  SplittableRandom rnd) {
        if (prompt.length < scorer.contextWidth()) {
            throw new IllegalArgumentException("the prompt must hold at least the scheme's context width ("
                    + scorer.contextWidth() + " tokens), got " + prompt.length);
        }
        int[] ids = Arrays.copyOf(prompt, prompt.length + maxTokens);
        int len = prompt.length;
        double acceptRed = Math.exp(-delta);
        for (int k = 0; k < maxTokens; k++) {
            while (true) {
                ids[len] = sample(ids, len, rnd);
                if (scorer.value(ids, 0, len) > 0.5 || rnd.nextDouble() < acceptRed) {
                    break;
                }
            }
            len++;
        }
        return Arrays.copyOfRange(ids, prompt.length, len);
    }

    /** {@code maxTokens} sampled tokens after {@code prompt}. */
    public int[] generate(int[] prompt, int maxTokens, SplittableRandom rnd) {
        int[] ids = Arrays.copyOf(prompt, prompt.length + maxTokens);
        int len = prompt.length;
        for (int k = 0; k < maxTokens; k++) {
            ids[len] = sample(ids, len, rnd);
            len++;
        }
        return Arrays.copyOfRange(ids, prompt.length, len);
    }

    /** The teacher-forced top-1 prediction at every position of {@code text} (position 0: from no context). */
    public int[] readTop1(int[] text) {
        int[] out = new int[text.length];
        for (int i = 0; i < text.length; i++) {
            out[i] = argmax(text, i);
        }
        return out;
    }
}
