package io.provmark.core.compat.kgw;

import io.provmark.core.compat.torch.TorchMt19937;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Sampling;
import java.util.Arrays;

/**
 * The generation side of a KGW upstream, so that a Java serving stack emits text that upstream's
 * detector (and {@link HfKgwCompat} / {@link LmWatermarkingKgwCompat}) accepts.
 *
 * <p>Not self-salted (lefthash / additive): every id of the prefix's greenlist gets {@code +delta}.
 * Self-salted (selfhash): the top candidates by descending logit (40 for Hugging Face, 41 for
 * lm-watermarking's "fixed_compute" rule) are tried; a candidate is kept when it is in the greenlist
 * seeded by the prefix plus itself, and only kept candidates get {@code +delta}. Ties between equal
 * logits are ordered by ascending id (torch's sort order for ties is unspecified).
 *
 * <p>Upstream applies the bias to the raw scores before temperature and top-k/top-p; pass logits
 * in that state to {@link #biasLogits}. The candidate form of {@code step} gives upstream's result
 * when the candidate set holds the top 40/41 tokens by logit.
 *
 * <p>Short prefixes: Hugging Face leaves the logits unchanged when the prefix is shorter than the
 * context width (it logs a warning); lm-watermarking raises, and so does this class
 * (IllegalArgumentException). When none of Hugging Face's 40 candidates is self-consistent,
 * transformers 5.18.0 crashes with IndexError; this class leaves the logits unbiased instead (what a
 * caller catching the error and sampling unwatermarked would do). Thread-safe.
 */
public final class KgwEmbedder implements Embedder {
    private final KgwCore core;
    private final float delta;
    private final int candidates;
    private final boolean hf;

    KgwEmbedder(KgwCore core, double delta, int candidates, boolean hf) {
        this.core = core;
        this.delta = (float) delta; // torch adds the Python float to float32 scores as float32
        this.candidates = candidates;
        this.hf = hf;
    }

    @Override
    public int vocabSize() {
        return core.vocab;
    }

    /**
     * The ids that receive {@code +delta} at this step (ascending), or an empty array when upstream
     * biases nothing (HF: short prefix or no self-consistent candidate).
     */
    public int[] biasedIds(int[] ids, int len, float[] logits) {
        int[] b = biased(ids, len, logits).clone();
        Arrays.sort(b);
        return b;
    }

    /** The biased ids in upstream's order (greenlist or candidate order). */
    private int[] biased(int[] ids, int len, float[] logits) {
        check(ids, len, logits, core.vocab);
        if (!core.selfSalt) {
            if (len < core.contextWidth) {
                return shortPrefix(len, core.contextWidth);
            }
            return core.greenlistFor(ids, len);
        }
        if (len < core.contextWidth - (hf ? 0 : 1)) {
            return shortPrefix(len, core.contextWidth - (hf ? 0 : 1));
        }
        int[] order = topCandidates(null, logits, core.vocab, Math.min(candidates, core.vocab));
        return keepSelfConsistent(ids, len, order, null);
    }

    @Override
    public void biasLogits(int[] ids, int len, float[] logits) {
        for (int id : biased(ids, len, logits)) {
            logits[id] = logits[id] + delta;
        }
    }

    @Override
    public int step(int[] ids, int len, float[] logits, double r) {
        Sampling.checkUniform(r);
        float[] l = logits.clone();
        biasLogits(ids, len, l);
        return Sampling.sampleSoftmax(l, core.vocab, r);
    }

    @Override
    public int step(int[] ids, int len, int[] cand, float[] logits, int n, double r) {
        Sampling.checkUniform(r);
        if (n < 1 || n > cand.length || n > logits.length) {
            throw new IllegalArgumentException("need 1 <= n <= candidates.length and logits.length, got n=" + n);
        }
        checkContext(ids, len);
        for (int i = 0; i < n; i++) {
            if (cand[i] < 0 || cand[i] >= core.vocab) {
                throw new IllegalArgumentException("candidates[" + i + "] = " + cand[i] + " is outside the vocabulary 0.." + (core.vocab - 1));
            }
        }
        float[] l = Arrays.copyOf(logits, n);
        if (!core.selfSalt) {
            if (len >= core.contextWidth) {
                biasCandidatesNonSalted(ids, len, cand, l, n);
            } else {
                shortPrefix(len, core.contextWidth);
            }
        } else if (len >= core.contextWidth - (hf ? 0 : 1)) {
            int[] orderIdx = topCandidates(cand, l, n, Math.min(candidates, n));
            int[] orderIds = new int[orderIdx.length];
            for (int i = 0; i < orderIdx.length; i++) {
                orderIds[i] = cand[orderIdx[i]];
            }
            boolean[] keep = new boolean[orderIds.length];
            keepSelfConsistent(ids, len, orderIds, keep);
            for (int i = 0; i < orderIdx.length; i++) {
                if (keep[i]) {
                    l[orderIdx[i]] += delta;
                }
            }
        } else {
            shortPrefix(len, core.contextWidth - 1);
        }
        return cand[Sampling.sampleSoftmax(l, n, r)];
    }

    private void biasCandidatesNonSalted(int[] ids, int len, int[] cand, float[] l, int n) {
        long seed = core.seeding.manualSeed(ids, len);
        if (n <= 4) {
            TorchMt19937 g = new TorchMt19937(0);
            for (int i = 0; i < n; i++) {
                if (core.isGreen(g, seed, cand[i])) {
                    l[i] += delta;
                }
            }
            return;
        }
        boolean[] mask = new boolean[core.vocab];
        for (int id : core.greenlist(seed)) {
            mask[id] = true;
        }
        for (int i = 0; i < n; i++) {
            if (mask[cand[i]]) {
                l[i] += delta;
            }
        }
    }

    /** Kept candidates in candidate order; fills {@code keep} when given. */
    private int[] keepSelfConsistent(int[] ids, int len, int[] order, boolean[] keep) {
        int[] buf = Arrays.copyOf(ids, len + 1);
        TorchMt19937 g = new TorchMt19937(0);
        int[] kept = new int[order.length];
        int m = 0;
        for (int i = 0; i < order.length; i++) {
            buf[len] = order[i];
            if (core.isGreen(g, core.seeding.manualSeed(buf, len + 1), order[i])) {
                kept[m++] = order[i];
                if (keep != null) {
                    keep[i] = true;
                }
            }
        }
        return Arrays.copyOf(kept, m);
    }

    /**
     * Indices of the {@code c} largest logits among {@code logits[0..n)}, descending, ties by
     * ascending token id ({@code ids[i]}, or i when {@code ids} is null).
     */
    static int[] topCandidates(int[] ids, float[] logits, int n, int c) {
        int[] top = new int[c];
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (size == c && !before(ids, logits, i, top[c - 1])) {
                continue;
            }
            int pos = size < c ? size++ : c - 1;
            while (pos > 0 && before(ids, logits, i, top[pos - 1])) {
                top[pos] = top[pos - 1];
                pos--;
            }
            top[pos] = i;
        }
        return Arrays.copyOf(top, size);
    }

    private static boolean before(int[] ids, float[] logits, int a, int b) {
        float la = logits[a];
        float lb = logits[b];
        if (la != lb) {
            return la > lb || Float.isNaN(la) && !Float.isNaN(lb); // torch sorts NaN as the largest
        }
        return (ids == null ? a : ids[a]) < (ids == null ? b : ids[b]);
    }

    private int[] shortPrefix(int len, int need) {
        if (hf) {
            return new int[0]; // transformers logs a warning and leaves the scores unchanged
        }
        throw new IllegalArgumentException("lm-watermarking needs a prefix of at least " + need
                + " token(s) to seed the greenlist (seeding_scheme requires it); got " + len);
    }

    private void check(int[] ids, int len, float[] logits, int vocab) {
        checkContext(ids, len);
        if (logits == null || logits.length != vocab) {
            throw new IllegalArgumentException("logits must have one entry per token id (" + vocab + ")");
        }
    }

    private void checkContext(int[] ids, int len) {
        if (ids == null || len < 0 || len > ids.length) {
            throw new IllegalArgumentException("need 0 <= len <= ids.length");
        }
        for (int i = Math.max(0, len - core.contextWidth); i < len; i++) {
            if (ids[i] < 0) {
                throw new IllegalArgumentException("ids[" + i + "] = " + ids[i] + " is negative");
            }
        }
    }

    @Override
    public String toString() {
        return "KgwEmbedder[" + (hf ? "hf" : "lm-watermarking") + ", key hidden]";
    }
}
