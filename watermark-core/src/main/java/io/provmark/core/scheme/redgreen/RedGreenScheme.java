package io.provmark.core.scheme.redgreen;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.scheme.Contexts;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.KeyedScheme;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.Sampling;
import io.provmark.core.scheme.Scorer;
import io.provmark.core.stats.LogTails;

/**
 * Red-green (Kirchenbauer et al.) and, with context width 0, Unigram (Zhao et al.).
 *
 * <p>Token t is green under its context iff its PRF uniform is below gamma; embedding adds delta to
 * green logits. Because u = (w + 0.5) / 2^32, "u &lt; gamma" is "w &lt; T" with
 * T = ceil(gamma * 2^32 - 0.5), and the null green probability is exactly T / 2^32 (the null model
 * uses that, not gamma). Self-hash seeds each candidate with the min of H over the context and the
 * candidate; two per-key tables (H(x) and the word a token gets when it is its own min) make a
 * self-hash step cost the same as left-hash.
 */
public final class RedGreenScheme extends KeyedScheme implements Embedder, Scorer {
    private final RedGreenParams params;
    private final long threshold;
    private final double greenProbability;
    private final float delta;
    private final boolean selfHash;
    private volatile long[] selfHashTable;
    private volatile int[] ownMinWords;
    private volatile SelfHashRanks selfHashRanks;

    public RedGreenScheme(Profile profile, WatermarkKey key) {
        super(profile, key);
        this.params = (RedGreenParams) profile.params();
        this.threshold = (long) Math.ceil(params.gamma() * 0x1.0p32 - 0.5);
        this.greenProbability = threshold * 0x1.0p-32;
        this.delta = (float) params.delta();
        this.selfHash = params.seeding() == RedGreenParams.Seeding.SELF_HASH;
    }

    /** The exact null probability of green: T / 2^32, within 2^-32 of gamma. */
    public double greenProbability() {
        return greenProbability;
    }

    public boolean isGreen(int word) {
        return (word & 0xFFFFFFFFL) < threshold;
    }

    @Override
    public Embedder embedder() {
        return this;
    }

    @Override
    public Scorer scorer() {
        return this;
    }

    @Override
    public NullModel nullModel() {
        return new NullModel() {
            @Override
            public String statisticName() {
                return "green_fraction";
            }

            @Override
            public double statistic(long n, double sum) {
                return n == 0 ? 0.0 : sum / n;
            }

            @Override
            public double logPValue(long n, double sum) {
                return LogTails.binomialLogSurvival(n, Math.round(sum), greenProbability);
            }

            @Override
            public double mean() {
                return greenProbability;
            }

            @Override
            public double variance() {
                return greenProbability * (1 - greenProbability);
            }
        };
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int contextWidth() {
        return h;
    }

    // ---- self-hash tables ----

    private long[] selfHashTable() {
        long[] t = selfHashTable;
        if (t == null) {
            synchronized (this) {
                t = selfHashTable;
                if (t == null) {
                    t = prf.selfHashTable(vocab);
                    selfHashTable = t;
                }
            }
        }
        return t;
    }

    /** Word of token t when t is the min of its own window: seed from H(t) alone. */
    private int[] ownMinWords() {
        int[] w = ownMinWords;
        if (w == null) {
            synchronized (this) {
                w = ownMinWords;
                if (w == null) {
                    long[] hs = selfHashTable();
                    w = new int[vocab];
                    byte[] seed = new byte[16];
                    for (int t = 0; t < vocab; t++) {
                        prf.selfHashSeed(hs[t], seed);
                        w[t] = prf.word(seed, t);
                    }
                    ownMinWords = w;
                }
            }
        }
        return w;
    }

    /**
     * H(t) replaced by its dense rank among the vocabulary's H values (unsigned order), so that a
     * full-vocabulary step decides "H(t) below the context's min" with int arithmetic in a loop C2
     * vectorises, instead of a 64-bit unsigned compare whose branch goes either way (a quarter of the
     * tokens are below the min of a 3-token window).
     */
    record SelfHashRanks(int[] rank, int belowAllOnes) {
    }

    private SelfHashRanks selfHashRanks() {
        SelfHashRanks r = selfHashRanks;
        if (r == null) {
            synchronized (this) {
                r = selfHashRanks;
                if (r == null) {
                    r = buildRanks(selfHashTable());
                    selfHashRanks = r;
                }
            }
        }
        return r;
    }

    /** rank[t] = number of distinct H values below H(t); belowAllOnes = those below 2^64 - 1. */
    static SelfHashRanks buildRanks(long[] hs) {
        long[] sorted = new long[hs.length];
        for (int t = 0; t < hs.length; t++) {
            sorted[t] = hs[t] ^ Long.MIN_VALUE; // unsigned order as signed order
        }
        java.util.Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        int[] rank = new int[hs.length];
        for (int t = 0; t < hs.length; t++) {
            rank[t] = java.util.Arrays.binarySearch(sorted, 0, distinct, hs[t] ^ Long.MIN_VALUE);
        }
        boolean allOnesPresent = distinct > 0 && sorted[distinct - 1] == (-1L ^ Long.MIN_VALUE);
        return new SelfHashRanks(rank, allOnesPresent ? distinct - 1 : distinct);
    }

    /** Unsigned min of H over the context tokens ids[from, to); all ones when empty. */
    private long contextMin(long[] hs, int[] ids, int from, int to) {
        int t = minHashToken(hs, ids, from, to);
        return t < 0 ? -1L : hs[t];
    }

    /** The context token ids[from, to) with the (unsigned) smallest H; -1 when the context is empty. */
    private static int minHashToken(long[] hs, int[] ids, int from, int to) {
        int best = -1;
        for (int i = from; i < to; i++) {
            int id = ids[i];
            if (id < 0 || id >= hs.length) {
                throw new IllegalArgumentException("context token id " + id + " at position " + i
                        + " is outside the vocabulary 0.." + (hs.length - 1));
            }
            if (best < 0 || Long.compareUnsigned(hs[id], hs[best]) < 0) {
                best = id;
            }
        }
        return best;
    }

    /**
     * Fills {@code s.words[0..vocab)} with 1 for every token that is green under context ids[..len),
     * 0 for red. The passes over the vocabulary use int arithmetic only, so C2 vectorises them.
     */
    private void greenFlags(int[] ids, int len, Scratch s) {
        int from = Math.max(0, len - h);
        int[] w = s.words;
        // gamma within 2^-33 of 1 makes T = 2^32: every token is green (and greenFlag needs T < 2^32)
        boolean allGreen = threshold > 0xFFFFFFFFL;
        int half = (int) (threshold >>> 1);
        int low = (int) (threshold & 1);
        if (!selfHash) {
            if (allGreen) {
                java.util.Arrays.fill(w, 0, vocab, 1);
                return;
            }
            prf.leftHashSeed(ids, from, len, s.seed);
            prf.words(s.seed, vocab, w);
            for (int t = 0; t < vocab; t++) {
                w[t] = greenFlag(w[t], half, low);
            }
            return;
        }
        long[] hs = selfHashTable();
        int minToken = minHashToken(hs, ids, from, len); // checks the context ids
        if (allGreen) {
            java.util.Arrays.fill(w, 0, vocab, 1);
            return;
        }
        int[] own = ownMinWords();
        SelfHashRanks ranks = selfHashRanks();
        int[] rank = ranks.rank();
        // tokens ranked below the context's min of H are their own min
        int minRank = minToken < 0 ? ranks.belowAllOnes() : rank[minToken];
        prf.selfHashSeed(minToken < 0 ? -1L : hs[minToken], s.seed);
        prf.words(s.seed, vocab, w);
        for (int t = 0; t < vocab; t++) {
            int x = w[t];
            x += (own[t] - x) & ((rank[t] - minRank) >> 31); // own[t] where rank[t] < minRank
            w[t] = greenFlag(x, half, low);
        }
    }

    /**
     * 1 iff word &lt; T as unsigned 32-bit numbers, for T &lt; 2^32 given as half = T &gt;&gt;&gt; 1 and
     * low = T &amp; 1: compares word &gt;&gt;&gt; 1 with half (no overflow in 32 bits) and settles a
     * tie by the low bits. Branch-free and int-only, unlike a 64-bit compare.
     */
    static int greenFlag(int word, int half, int low) {
        return ((word >>> 1) - half - (~word & low)) >>> 31;
    }

    private void candidateWords(int[] ids, int len, int[] cand, int n, int[] out, Scratch s) {
        int from = Math.max(0, len - h);
        if (!selfHash) {
            prf.leftHashSeed(ids, from, len, s.seed);
            prf.words(s.seed, cand, n, out);
            return;
        }
        long[] hs = selfHashTable();
        int[] own = ownMinWords();
        long m = contextMin(hs, ids, from, len);
        prf.selfHashSeed(m, s.seed);
        prf.words(s.seed, cand, n, out);
        for (int i = 0; i < n; i++) {
            if (Long.compareUnsigned(hs[cand[i]], m) < 0) {
                out[i] = own[cand[i]];
            }
        }
    }

    // ---- embedding ----

    /** out[t] = in[t] + delta for green tokens (flag 1), in and out may be the same array. */
    private void addBias(int[] greenFlags, float[] in, float[] out) {
        float d = delta;
        for (int t = 0; t < vocab; t++) {
            out[t] = in[t] + d * (float) greenFlags[t];
        }
    }

    @Override
    public void biasLogits(int[] ids, int len, float[] logits) {
        checkStep(ids, len, logits);
        Scratch s = scratch();
        greenFlags(ids, len, s);
        addBias(s.words, logits, logits);
    }

    @Override
    public int step(int[] ids, int len, float[] logits, double r) {
        checkStep(ids, len, logits);
        Sampling.checkUniform(r);
        Scratch s = scratch();
        greenFlags(ids, len, s);
        addBias(s.words, logits, s.logits); // straight into scratch: no copy of the caller's logits first
        return Sampling.sampleSoftmax(s.logits, vocab, r);
    }

    @Override
    public int step(int[] ids, int len, int[] candidates, float[] logits, int n, double r) {
        checkCandidates(ids, len, candidates, logits, n);
        Sampling.checkUniform(r);
        Scratch s = scratch();
        int[] w = s.candWords(n);
        candidateWords(ids, len, candidates, n, w, s);
        float[] biased = n <= s.logits.length ? s.logits : new float[n];
        for (int i = 0; i < n; i++) {
            biased[i] = isGreen(w[i]) ? logits[i] + delta : logits[i];
        }
        return candidates[Sampling.sampleSoftmax(biased, n, r)];
    }

    // ---- scoring ----

    /** The PRF word of seq[i] under its context seq[max(ctxFrom, i-h)..i). */
    public int wordAt(int[] seq, int ctxFrom, int i) {
        checkToken(seq, i);
        int from = Math.max(ctxFrom, i - h);
        int t = seq[i];
        Scratch s = scratch();
        if (!selfHash) {
            prf.leftHashSeed(seq, from, i, s.seed);
            return prf.word(s.seed, t);
        }
        long[] hs = selfHashTable();
        long m = contextMin(hs, seq, from, i);
        if (Long.compareUnsigned(hs[t], m) < 0) {
            return ownMinWords()[t];
        }
        prf.selfHashSeed(m, s.seed);
        return prf.word(s.seed, t);
    }

    @Override
    public double value(int[] seq, int ctxFrom, int i) {
        return isGreen(wordAt(seq, ctxFrom, i)) ? 1.0 : 0.0;
    }

    @Override
    public long prfInputKey(int[] seq, int ctxFrom, int i) {
        int from = Math.max(ctxFrom, i - h);
        if (!selfHash) {
            return Contexts.withToken(Contexts.identity(seq, from, i), seq[i]);
        }
        // self-hash: the PRF input is (min-hash value, token); two windows sharing their min collide
        checkToken(seq, i);
        long[] hs = selfHashTable();
        long m = contextMin(hs, seq, from, i);
        long sMin = Long.compareUnsigned(hs[seq[i]], m) < 0 ? hs[seq[i]] : m;
        return Contexts.withToken(Contexts.mix(sMin ^ 0x5E1FL), seq[i]);
    }

    @Override
    public long contextKey(int[] seq, int ctxFrom, int i) {
        return Contexts.identity(seq, Math.max(ctxFrom, i - h), i);
    }

    @Override
    public String toString() {
        return "RedGreenScheme[" + ProvmarkPrf.ID + ", key=" + keyId() + ", gamma=" + params.gamma() + ", delta="
                + params.delta() + ", h=" + h + ", " + params.seeding().wire() + "]";
    }
}
