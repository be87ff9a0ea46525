package io.provmark.core.lm;

import io.provmark.core.text.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Interpolated modified Kneser-Ney n-gram model (Chen &amp; Goodman 1998) over a tokenizer's ids, order 2..6.
 *
 * <p>For context h of length N-1 and level k (context = the last k-1 tokens):
 * <pre>
 *   P_k(w | h) = max(c_k(hw) - D_k(c_k(hw)), 0) / c_k(h·) + γ_k(h) · P_{k-1}(w | h')
 *   γ_k(h)     = (D_k1 · N1(h·) + D_k2 · N2(h·) + D_k3+ · N3+(h·)) / c_k(h·)
 *   P_1(w)     = max(c_1(w) - D_1(c_1(w)), 0) / c_1(·) + γ_1 · B(w)
 *   B(w)       = (1 - ε) · [c_1(w) &gt; 0] / S + ε / V          (S = number of ids with c_1 &gt; 0)
 * </pre>
 * where c_N is the raw count and c_k (k &lt; N) the continuation count N1+(•w) (number of distinct left
 * neighbours), D_k1, D_k2, D_k3+ come from each level's count-of-counts (Chen &amp; Goodman's estimates,
 * clamped to [0.05, c - 0.05] so every γ is positive), and a context never seen at level k passes
 * P_{k-1} through unchanged. The base distribution B is where the lowest level's discounted mass goes:
 * ε = 1 is textbook Kneser-Ney (uniform over all V ids); the default ε = {@value #DEFAULT_UNSEEN_WEIGHT}
 * spreads it over the ids seen in training and keeps a floor ε/V for the rest. With a large byte-level
 * vocabulary most ids never occur in a 1M-token corpus (28.6k of cl100k_base's 100k in the Brown train split),
 * and the textbook choice makes sampling emit such unseen ids (code and foreign-script fragments): 3.3% of
 * sampled tokens at order 3 on Brown, against under 0.1% with ε = 0.01, for a 6% higher test perplexity
 * (686 instead of 647). The floor keeps every id possible (every logit finite) while making unseen ids rare.
 * The distribution sums to 1 for every context.
 *
 * <p>Training counts n-grams within documents only (no n-gram spans two documents; no BOS/EOS symbols: the
 * first tokens of a document use the shorter contexts they have). Files are written by {@link #save} and read
 * by {@link #load}: a header naming the tokenizer and its vocabulary hash, the counts, and a SHA-256 trailer.
 *
 * <p>{@link #logits} costs one pass over the vocabulary plus the successors of the context at each level.
 * Instances are immutable and thread-safe (scratch space is per thread).
 */
public final class KneserNeyModel implements NextTokenModel {
    static final byte[] MAGIC = "PMKNLM\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    public static final int MIN_ORDER = 2;
    public static final int MAX_ORDER = 6;
    /** Default ε: the share of the lowest level's back-off mass spread uniformly over all ids. */
    public static final double DEFAULT_UNSEEN_WEIGHT = 0.01;

    private final int order;
    private final int vocab;
    private final String tokenizerId;
    private final String vocabularySha256;
    private final double unseenWeight;
    /** discounts[k][0..2] = D1, D2, D3+ of level k (index 0 unused). */
    private final double[][] discounts;
    /** c_1(w): continuation counts of the lowest level. */
    private final int[] unigramCounts;
    private final double[] p1;
    private final float[] lnP1;
    /** levels[k] for k = 2..order. */
    private final Level[] levels;
    private final long tokensTrained;

    private final ThreadLocal<Scratch> scratch;

    /** One level k >= 2: contexts of k-1 tokens, sorted, each with its successors (sorted) and counts. */
    static final class Level {
        final int ctxLen;
        final int[] ctx;
        final int[] start;
        final int[] succ;
        final int[] count;
        final float[] alpha;
        final double[] gamma;

        Level(int ctxLen, int[] ctx, int[] start, int[] succ, int[] count, double[] d) {
            this.ctxLen = ctxLen;
            this.ctx = ctx;
            this.start = start;
            this.succ = succ;
            this.count = count;
            int nCtx = start.length - 1;
            this.alpha = new float[succ.length];
            this.gamma = new double[nCtx];
            for (int c = 0; c < nCtx; c++) {
                long total = 0;
                double disc = 0;
                for (int i = start[c]; i < start[c + 1]; i++) {
                    total += count[i];
                    disc += discount(d, count[i]);
                }
                for (int i = start[c]; i < start[c + 1]; i++) {
                    alpha[i] = (float) ((count[i] - discount(d, count[i])) / total);
                }
                gamma[c] = disc / total;
            }
        }

        int contexts() {
            return start.length - 1;
        }

        /** Index of the context equal to ids[from .. from+ctxLen), or -1. */
        int find(int[] ids, int from) {
            int lo = 0;
            int hi = contexts() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int cmp = 0;
                int base = mid * ctxLen;
                for (int j = 0; j < ctxLen && cmp == 0; j++) {
                    cmp = Integer.compare(ctx[base + j], ids[from + j]);
                }
                if (cmp < 0) {
                    lo = mid + 1;
                } else if (cmp > 0) {
                    hi = mid - 1;
                } else {
                    return mid;
                }
            }
            return -1;
        }

        /** alpha of successor w in context c, or 0. */
        double alphaOf(int c, int w) {
            int i = Arrays.binarySearch(succ, start[c], start[c + 1], w);
            return i >= 0 ? alpha[i] : 0.0;
        }
    }

    private static final class Scratch {
        final double[] q;
        final int[] stamp;
        final int[] touched;
        int generation;

        Scratch(int v) {
            q = new double[v];
            stamp = new int[v];
            touched = new int[v];
        }
    }

    private KneserNeyModel(int order, int vocab, String tokenizerId, String vocabularySha256, double unseenWeight,
                           double[][] discounts, int[] unigramCounts, Level[] levels, long tokensTrained) {
        this.order = order;
        this.unseenWeight = unseenWeight;
        this.vocab = vocab;
        this.tokenizerId = tokenizerId;
        this.vocabularySha256 = vocabularySha256;
        this.discounts = discounts;
        this.unigramCounts = unigramCounts;
        this.levels = levels;
        this.tokensTrained = tokensTrained;
        long total = 0;
        double disc = 0;
        int seen = 0;
        for (int c : unigramCounts) {
            if (c > 0) {
                total += c;
                disc += discount(discounts[1], c);
                seen++;
            }
        }
        this.p1 = new double[vocab];
        this.lnP1 = new float[vocab];
        double gamma1 = total == 0 ? 1.0 : disc / total;
        double floor = gamma1 * (seen == 0 ? 1.0 : unseenWeight) / vocab;
        double seenShare = seen == 0 ? 0.0 : gamma1 * (1 - unseenWeight) / seen;
        for (int w = 0; w < vocab; w++) {
            int c = unigramCounts[w];
            p1[w] = (c > 0 ? (c - discount(discounts[1], c)) / total + seenShare : 0.0) + floor;
            lnP1[w] = (float) Math.log(p1[w]);
        }
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(vocab));
    }

    static double discount(double[] d, int c) {
        return c >= 3 ? d[2] : c == 2 ? d[1] : c == 1 ? d[0] : 0.0;
    }

    // ------------------------------------------------------------------------------------------ training

    /**
     * Trains on documents of token ids.
     *
     * @param docs             token ids of each document; n-grams never cross documents
     * @param vocabSize        the tokenizer's vocabulary size; every id must be below it
     * @param order            n-gram order, 2..6 (3 is the usual choice for ~1M training tokens)
     * @param tokenizerId      recorded in the file, e.g. {@code cl100k_base}
     * @param vocabularySha256 the tokenizer's {@link TextTokenizer#vocabularySha256()}, recorded in the file
     */
    public static KneserNeyModel train(List<int[]> docs, int vocabSize, int order, String tokenizerId,
                                       String vocabularySha256) {
        return train(docs, vocabSize, order, tokenizerId, vocabularySha256, DEFAULT_UNSEEN_WEIGHT);
    }

    /**
     * As {@link #train(List, int, int, String, String)} with an explicit ε (see the class comment; 1 = textbook
     * Kneser-Ney).
     */
    public static KneserNeyModel train(List<int[]> docs, int vocabSize, int order, String tokenizerId,
                                       String vocabularySha256, double unseenWeight) {
        Objects.requireNonNull(docs, "docs");
        checkHeader(order, vocabSize, tokenizerId, vocabularySha256, unseenWeight);
        long n = 0;
        for (int[] d : docs) {
            n += d.length + 1;
        }
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("training data too large: " + n + " tokens");
        }
        // one stream with -1 between documents, so no n-gram crosses a boundary
        int[] stream = new int[(int) n];
        int p = 0;
        long tokens = 0;
        for (int di = 0; di < docs.size(); di++) {
            int[] d = docs.get(di);
            for (int i = 0; i < d.length; i++) {
                int t = d[i];
                if (t < 0 || t >= vocabSize) {
                    throw new IllegalArgumentException("document " + di + ", position " + i + ": token id " + t
                            + " outside the vocabulary 0.." + (vocabSize - 1));
                }
                stream[p++] = t;
            }
            stream[p++] = -1;
            tokens += d.length;
        }
        if (tokens == 0) {
            throw new IllegalArgumentException("training corpus is empty: no tokens in " + docs.size() + " documents");
        }

        double[][] discounts = new double[order + 1][];
        Level[] levels = new Level[order + 1];
        // level N: raw counts of every N-gram occurrence
        int[] occ = positionsWithRun(stream, order);
        int[] sorted = radixSort(stream, occ, occ.length, order, vocabSize);
        Grouped g = group(stream, sorted, order);
        discounts[order] = estimateDiscounts(g.count, g.n);
        levels[order] = buildLevel(stream, g, order, discounts[order]);
        // levels N-1 .. 1: continuation counts = number of distinct left neighbours = distinct (k+1)-grams per suffix
        for (int k = order - 1; k >= 1; k--) {
            int[] suffix = new int[g.n];
            for (int i = 0; i < g.n; i++) {
                suffix[i] = g.rep[i] + 1;
            }
            int[] s = radixSort(stream, suffix, g.n, k, vocabSize);
            g = group(stream, s, k);
            discounts[k] = estimateDiscounts(g.count, g.n);
            if (k >= 2) {
                levels[k] = buildLevel(stream, g, k, discounts[k]);
            }
        }
        int[] uni = new int[vocabSize];
        for (int i = 0; i < g.n; i++) {
            uni[stream[g.rep[i]]] = g.count[i];
        }
        return new KneserNeyModel(order, vocabSize, tokenizerId, vocabularySha256, unseenWeight, discounts, uni, levels,
                tokens);
    }

    /**
     * Tokenizes and trains.
     *
     * @see #train(List, int, int, String, String)
     */
    public static KneserNeyModel train(TextTokenizer tokenizer, List<String> texts, int order) {
        List<int[]> docs = new java.util.ArrayList<>(texts.size());
        for (String t : texts) {
            docs.add(tokenizer.encode(t));
        }
        return train(docs, tokenizer.vocabSize(), order, tokenizer.id(), tokenizer.vocabularySha256());
    }

    private static void checkHeader(int order, int vocabSize, String tokenizerId, String vocabSha, double unseenWeight) {
        if (!(unseenWeight > 0 && unseenWeight <= 1)) {
            throw new IllegalArgumentException("unseen weight ε must be in (0, 1], got " + unseenWeight);
        }
        if (order < MIN_ORDER || order > MAX_ORDER) {
            throw new IllegalArgumentException("order must be in " + MIN_ORDER + ".." + MAX_ORDER + ", got " + order);
        }
        if (vocabSize < 2 || vocabSize > (1 << 24)) {
            throw new IllegalArgumentException("vocabulary size must be in 2.." + (1 << 24) + ", got " + vocabSize);
        }
        if (tokenizerId == null || tokenizerId.isEmpty() || tokenizerId.length() > 200) {
            throw new IllegalArgumentException("tokenizer id must be 1..200 characters, got " + tokenizerId);
        }
        if (vocabSha == null || !vocabSha.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("vocabulary SHA-256 must be 64 lower-case hex digits, got " + vocabSha);
        }
    }

    /** Start positions of every run of {@code width} tokens without a separator. */
    private static int[] positionsWithRun(int[] stream, int width) {
        int[] out = new int[stream.length];
        int n = 0;
        int run = 0;
        for (int i = 0; i < stream.length; i++) {
            run = stream[i] < 0 ? 0 : run + 1;
            if (run >= width) {
                out[n++] = i - width + 1;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Stable LSD radix sort of positions by the tuple stream[p .. p+width), one counting pass per token. */
    private static int[] radixSort(int[] stream, int[] pos, int n, int width, int vocab) {
        int[] a = Arrays.copyOf(pos, n);
        int[] b = new int[n];
        int[] cnt = new int[vocab + 1];
        for (int d = width - 1; d >= 0; d--) {
            Arrays.fill(cnt, 0);
            for (int i = 0; i < n; i++) {
                cnt[stream[a[i] + d] + 1]++;
            }
            for (int v = 0; v < vocab; v++) {
                cnt[v + 1] += cnt[v];
            }
            for (int i = 0; i < n; i++) {
                b[cnt[stream[a[i] + d]]++] = a[i];
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }

    private static final class Grouped {
        int[] rep;
        int[] count;
        int n;
    }

    private static Grouped group(int[] stream, int[] sorted, int width) {
        Grouped g = new Grouped();
        g.rep = new int[sorted.length];
        g.count = new int[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            if (g.n > 0 && equalTuples(stream, g.rep[g.n - 1], sorted[i], width)) {
                g.count[g.n - 1]++;
            } else {
                g.rep[g.n] = sorted[i];
                g.count[g.n] = 1;
                g.n++;
            }
        }
        return g;
    }

    private static boolean equalTuples(int[] s, int a, int b, int width) {
        for (int j = 0; j < width; j++) {
            if (s[a + j] != s[b + j]) {
                return false;
            }
        }
        return true;
    }

    private static Level buildLevel(int[] stream, Grouped g, int k, double[] d) {
        int ctxLen = k - 1;
        int nCtx = 0;
        for (int i = 0; i < g.n; i++) {
            if (i == 0 || !equalTuples(stream, g.rep[i - 1], g.rep[i], ctxLen)) {
                nCtx++;
            }
        }
        int[] ctx = new int[nCtx * ctxLen];
        int[] start = new int[nCtx + 1];
        int[] succ = new int[g.n];
        int[] count = new int[g.n];
        int c = -1;
        for (int i = 0; i < g.n; i++) {
            if (i == 0 || !equalTuples(stream, g.rep[i - 1], g.rep[i], ctxLen)) {
                c++;
                start[c] = i;
                System.arraycopy(stream, g.rep[i], ctx, c * ctxLen, ctxLen);
            }
            succ[i] = stream[g.rep[i] + ctxLen];
            count[i] = g.count[i];
        }
        start[nCtx] = g.n;
        return new Level(ctxLen, ctx, start, succ, count, d);
    }

    /**
     * Chen &amp; Goodman's discounts from the number of entries seen once..four times:
     * Y = n1/(n1+2n2), D1 = 1-2Y·n2/n1, D2 = 2-3Y·n3/n2, D3+ = 3-4Y·n4/n3. Where a count-of-count is zero
     * (tiny corpora) the missing estimate falls back to Y (plain absolute discounting) or 0.5; all are clamped
     * to [0.05, c - 0.05] so that every level keeps some mass for the next lower one.
     */
    static double[] estimateDiscounts(int[] counts, int n) {
        long[] nc = new long[5];
        for (int i = 0; i < n; i++) {
            if (counts[i] <= 4) {
                nc[counts[i]]++;
            }
        }
        double y = nc[1] + 2 * nc[2] > 0 ? (double) nc[1] / (nc[1] + 2 * nc[2]) : 0.5;
        double d1 = nc[1] > 0 ? 1 - 2 * y * nc[2] / nc[1] : y;
        double d2 = nc[2] > 0 ? 2 - 3 * y * nc[3] / nc[2] : y;
        double d3 = nc[3] > 0 ? 3 - 4 * y * nc[4] / nc[3] : y;
        return new double[] {clamp(d1, 1), clamp(d2, 2), clamp(d3, 3)};
    }

    private static double clamp(double d, int c) {
        if (!Double.isFinite(d)) {
            d = 0.5;
        }
        return Math.min(Math.max(d, 0.05), c - 0.05);
    }

    // ------------------------------------------------------------------------------------------ queries

    @Override
    public int vocabSize() {
        return vocab;
    }

    public int order() {
        return order;
    }

    /** The tokenizer id the model was trained with. */
    public String tokenizerId() {
        return tokenizerId;
    }

    /** The vocabulary hash of that tokenizer, as recorded at training time. */
    public String vocabularySha256() {
        return vocabularySha256;
    }

    /** ε, the share of the lowest level's back-off mass spread uniformly over all ids. */
    public double unseenWeight() {
        return unseenWeight;
    }

    /** Number of training tokens. */
    public long tokensTrained() {
        return tokensTrained;
    }

    /** D1, D2, D3+ of level k (1 = lowest, {@link #order()} = highest). */
    public double[] discounts(int k) {
        return discounts[k].clone();
    }

    /** Number of distinct n-grams stored at level k (k = 1: word types with a continuation count). */
    public int ngrams(int k) {
        if (k == 1) {
            int n = 0;
            for (int c : unigramCounts) {
                n += c > 0 ? 1 : 0;
            }
            return n;
        }
        return levels[k].succ.length;
    }

    /** Throws unless the model was trained with this tokenizer (same id and vocabulary hash). */
    public void requireTokenizer(TextTokenizer tokenizer) {
        if (!tokenizer.vocabularySha256().equals(vocabularySha256) || tokenizer.vocabSize() != vocab) {
            throw new IllegalArgumentException("tokenizer mismatch: the model was trained with '" + tokenizerId
                    + "' (vocabulary sha256 " + vocabularySha256 + ", " + vocab + " ids) but '" + tokenizer.id()
                    + "' has vocabulary sha256 " + tokenizer.vocabularySha256() + " (" + tokenizer.vocabSize() + " ids)");
        }
    }

    /** P(w | ids[0..len)), from the last order-1 tokens. */
    public double probability(int[] ids, int len, int w) {
        checkContext(ids, len);
        if (w < 0 || w >= vocab) {
            throw new IllegalArgumentException("token id " + w + " outside the vocabulary 0.." + (vocab - 1));
        }
        double p = p1[w];
        for (int k = 2; k <= order; k++) {
            Level lv = levels[k];
            if (len < lv.ctxLen) {
                break;
            }
            int c = lv.find(ids, len - lv.ctxLen);
            if (c >= 0) {
                p = lv.alphaOf(c, w) + lv.gamma[c] * p;
            }
        }
        return p;
    }

    /** The full next-token distribution after ids[0..len) into {@code out[0..V)}. */
    public void probabilities(int[] ids, int len, double[] out) {
        float[] l = new float[vocab];
        logits(ids, len, l);
        for (int w = 0; w < vocab; w++) {
            out[w] = Math.exp(l[w]);
        }
    }

    /** Natural-log probabilities (normalised: softmax of them is the model's distribution). */
    @Override
    public void logits(int[] ids, int len, float[] out) {
        checkContext(ids, len);
        if (out.length < vocab) {
            throw new IllegalArgumentException("logits buffer has " + out.length + " slots, vocabulary has " + vocab);
        }
        Scratch s = scratch.get();
        int gen = ++s.generation;
        if (gen == Integer.MAX_VALUE) {
            Arrays.fill(s.stamp, 0);
            s.generation = gen = 1;
        }
        int nTouched = 0;
        double bigGamma = 1.0;
        for (int k = 2; k <= order; k++) {
            Level lv = levels[k];
            if (len < lv.ctxLen) {
                break;
            }
            int c = lv.find(ids, len - lv.ctxLen);
            if (c < 0) {
                continue;
            }
            // scaled form q(w) = p_k(w) / Γ_k keeps untouched words at q = P1(w): see the class javadoc
            bigGamma *= lv.gamma[c];
            double inv = 1.0 / bigGamma;
            for (int i = lv.start[c]; i < lv.start[c + 1]; i++) {
                int w = lv.succ[i];
                if (s.stamp[w] != gen) {
                    s.stamp[w] = gen;
                    s.q[w] = p1[w];
                    s.touched[nTouched++] = w;
                }
                s.q[w] += lv.alpha[i] * inv;
            }
        }
        float lnG = (float) Math.log(bigGamma);
        for (int w = 0; w < vocab; w++) {
            out[w] = lnG + lnP1[w];
        }
        for (int i = 0; i < nTouched; i++) {
            int w = s.touched[i];
            out[w] = (float) Math.log(bigGamma * s.q[w]);
        }
    }

    private void checkContext(int[] ids, int len) {
        if (len < 0 || len > ids.length) {
            throw new IllegalArgumentException("context length " + len + " outside 0.." + ids.length);
        }
        for (int i = Math.max(0, len - order + 1); i < len; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("context token id " + ids[i] + " at position " + i
                        + " outside the vocabulary 0.." + (vocab - 1));
            }
        }
    }

    /**
     * Mean negative log-likelihood in nats per token over every position of every document (each token
     * conditioned on the tokens before it in its document). Perplexity = exp of this.
     */
    public double crossEntropy(List<int[]> docs) {
        double nll = 0;
        long n = 0;
        for (int[] d : docs) {
            for (int i = 0; i < d.length; i++) {
                nll -= Math.log(probability(d, i, d[i]));
                n++;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no tokens to evaluate");
        }
        return nll / n;
    }

    // ------------------------------------------------------------------------------------------ file format

    /**
     * Writes the model atomically (temp file + rename). Layout, all integers big-endian:
     * <pre>
     *   8 bytes  magic "PMKNLM\r\n"
     *   int32    format version (1)
     *   int32    order N, int32 vocabulary size V, int64 training tokens
     *   UTF      tokenizer id, UTF vocabulary SHA-256 (Java modified UTF-8: uint16 length + bytes)
 *   float64  ε (unseen weight)
     *   N x 3    float64 discounts D1, D2, D3+ of levels 1..N
     *   level 1: V varints, the continuation count of each id
     *   level k = 2..N: varint #contexts, varint #entries; per context: k-1 varint ids, varint #successors,
     *            then per successor: varint (id - previous id in this context), varint count
     *   32 bytes SHA-256 of everything before it
     * </pre>
     * Unsigned LEB128 varints. Probabilities are recomputed from the counts on load.
     */
    public void save(Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(FORMAT_VERSION);
        out.writeInt(order);
        out.writeInt(vocab);
        out.writeLong(tokensTrained);
        out.writeUTF(tokenizerId);
        out.writeUTF(vocabularySha256);
        out.writeDouble(unseenWeight);
        for (int k = 1; k <= order; k++) {
            for (double d : discounts[k]) {
                out.writeDouble(d);
            }
        }
        for (int c : unigramCounts) {
            writeVarint(out, c);
        }
        for (int k = 2; k <= order; k++) {
            Level lv = levels[k];
            writeVarint(out, lv.contexts());
            writeVarint(out, lv.succ.length);
            for (int c = 0; c < lv.contexts(); c++) {
                for (int j = 0; j < lv.ctxLen; j++) {
                    writeVarint(out, lv.ctx[c * lv.ctxLen + j]);
                }
                writeVarint(out, lv.start[c + 1] - lv.start[c]);
                int prev = 0;
                for (int i = lv.start[c]; i < lv.start[c + 1]; i++) {
                    writeVarint(out, lv.succ[i] - prev);
                    prev = lv.succ[i];
                    writeVarint(out, lv.count[i]);
                }
            }
        }
        out.flush();
        byte[] body = bytes.toByteArray();
        byte[] digest = sha256(body, body.length);
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
        try {
            try (java.io.OutputStream o = Files.newOutputStream(tmp)) {
                o.write(body);
                o.write(digest);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a file written by {@link #save}, then checks it was trained with {@code tokenizer}. */
    public static KneserNeyModel load(Path file, TextTokenizer tokenizer) throws IOException {
        KneserNeyModel m = load(file);
        try {
            m.requireTokenizer(tokenizer);
        } catch (IllegalArgumentException e) {
            throw new KneserNeyFileException("model file " + file + ": " + e.getMessage());
        }
        return m;
    }

    /**
     * Reads a file written by {@link #save}.
     *
     * @throws KneserNeyFileException when the file is missing, not a model file, of an unknown version,
     *                                truncated or corrupted (checksum mismatch or inconsistent content)
     */
    public static KneserNeyModel load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new KneserNeyFileException("model file " + file + " does not exist");
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new KneserNeyFileException("model file " + file + " is not a provmark Kneser-Ney model (bad magic)");
        }
        if (all.length < MAGIC.length + 4 + 32) {
            throw new KneserNeyFileException("model file " + file + " is truncated (" + all.length + " bytes)");
        }
        int version = ByteBuffer.wrap(all, MAGIC.length, 4).getInt();
        if (version != FORMAT_VERSION) {
            throw new KneserNeyFileException("model file " + file + " has format version " + version
                    + "; this build reads version " + FORMAT_VERSION);
        }
        int bodyLen = all.length - 32;
        byte[] expected = Arrays.copyOfRange(all, bodyLen, all.length);
        if (!MessageDigest.isEqual(expected, sha256(all, bodyLen))) {
            throw new KneserNeyFileException("model file " + file + " is corrupted or truncated: SHA-256 checksum mismatch");
        }
        try {
            return parse(ByteBuffer.wrap(all, 0, bodyLen));
        } catch (RuntimeException e) {
            // the checksum matched, so the writer produced inconsistent content
            throw new KneserNeyFileException("model file " + file + " is inconsistent: " + e.getMessage(), e);
        }
    }

    private static KneserNeyModel parse(ByteBuffer in) {
        in.position(in.position() + MAGIC.length + 4);
        int order = in.getInt();
        int vocab = in.getInt();
        long tokens = in.getLong();
        String tokId = readUtf(in);
        String sha = readUtf(in);
        double unseen = in.getDouble();
        checkHeader(order, vocab, tokId, sha, unseen);
        double[][] discounts = new double[order + 1][];
        for (int k = 1; k <= order; k++) {
            discounts[k] = new double[] {in.getDouble(), in.getDouble(), in.getDouble()};
            for (int c = 0; c < 3; c++) {
                if (!(discounts[k][c] > 0 && discounts[k][c] < c + 1)) {
                    throw new IllegalStateException("discount D" + (c + 1) + " of level " + k + " is " + discounts[k][c]);
                }
            }
        }
        int[] uni = new int[vocab];
        for (int w = 0; w < vocab; w++) {
            uni[w] = readVarint(in);
        }
        Level[] levels = new Level[order + 1];
        for (int k = 2; k <= order; k++) {
            int ctxLen = k - 1;
            int nCtx = readVarint(in);
            int nEnt = readVarint(in);
            if ((long) nCtx * ctxLen > in.remaining() || nEnt > in.remaining()) {
                throw new IllegalStateException("level " + k + " claims " + nCtx + " contexts and " + nEnt + " entries");
            }
            int[] ctx = new int[nCtx * ctxLen];
            int[] start = new int[nCtx + 1];
            int[] succ = new int[nEnt];
            int[] count = new int[nEnt];
            int e = 0;
            for (int c = 0; c < nCtx; c++) {
                for (int j = 0; j < ctxLen; j++) {
                    ctx[c * ctxLen + j] = checkId(readVarint(in), vocab);
                }
                int ns = readVarint(in);
                if (ns < 1 || ns > nEnt - e) {
                    throw new IllegalStateException("level " + k + " context " + c + " has " + ns + " successors");
                }
                start[c] = e;
                int prev = 0;
                for (int i = 0; i < ns; i++) {
                    int w = prev + readVarint(in);
                    if (i > 0 && w <= prev) {
                        throw new IllegalStateException("level " + k + " successors are not strictly increasing");
                    }
                    succ[e] = checkId(w, vocab);
                    prev = w;
                    count[e] = readVarint(in);
                    if (count[e] < 1) {
                        throw new IllegalStateException("level " + k + " has a zero count");
                    }
                    e++;
                }
            }
            if (e != nEnt) {
                throw new IllegalStateException("level " + k + " has " + e + " entries, header says " + nEnt);
            }
            start[nCtx] = e;
            levels[k] = new Level(ctxLen, ctx, start, succ, count, discounts[k]);
        }
        if (in.hasRemaining()) {
            throw new IllegalStateException(in.remaining() + " unexpected bytes after the last level");
        }
        return new KneserNeyModel(order, vocab, tokId, sha, unseen, discounts, uni, levels, tokens);
    }

    private static int checkId(int w, int vocab) {
        if (w < 0 || w >= vocab) {
            throw new IllegalStateException("token id " + w + " outside 0.." + (vocab - 1));
        }
        return w;
    }

    private static String readUtf(ByteBuffer in) {
        int n = in.getShort() & 0xFFFF;
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeVarint(java.io.DataOutputStream out, int v) throws IOException {
        if (v < 0) {
            throw new IllegalArgumentException("negative varint " + v);
        }
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static int readVarint(ByteBuffer in) {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = in.get();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0) {
                    throw new IllegalStateException("varint overflow");
                }
                return v;
            }
        }
        throw new IllegalStateException("varint longer than 5 bytes");
    }

    private static byte[] sha256(byte[] b, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, 0, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "KneserNeyModel{order=" + order + ", vocab=" + vocab + ", tokenizer=" + tokenizerId + ", tokens="
                + tokensTrained + ", unseenWeight=" + unseenWeight + "}";
    }
}
