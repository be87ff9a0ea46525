package io.provmark.core.compat.synthid;

import io.provmark.core.compat.torch.TorchMt19937;

/**
 * The bit-exact SynthID-Text primitives shared by the Hugging Face port and DeepMind's code:
 * context and ngram hashes, per-layer g-values, the context-repetition mask and the EOS mask.
 *
 * <p>Ngram {@code j} of a token list is {@code ids[j .. j+ngramLen)}; its context is the first
 * {@code ngramLen-1} ids and its scored token the last, at index {@code j + ngramLen - 1}. The key of
 * layer {@code d} is {@code accumulate_hash(accumulate_hash(init, ngram), [keys[d]])}; the g-value
 * comes from it through the variant's function:
 * <ul>
 *   <li>{@link Variant#HF_TABLE} (transformers; DeepMind before "Remove hash table lookup"):
 *       {@code init = 1}, {@code g = table[key mod tableSize]} (floor mod), where
 *       {@code table = torch.randint(0, 2, (tableSize,))} from a CPU generator seeded with the
 *       sampling-table seed;</li>
 *   <li>{@link Variant#DEEPMIND_HEAD}: {@code init = hash_iv} (SHA-256 of the keys), and 12 rounds of
 *       {@code k = accumulate_hash(k, [1]) >> 5} (arithmetic shift), then {@code g = bit 30 of k}.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe. The keys and everything derived from them (hash_iv, ngram keys,
 * DeepMind's keyed context hashes) are secrets: never printed, and not exposed publicly (the
 * accessors for them are package-private, for the tests).
 */
public final class SynthIdAlgorithm {

    /** Which upstream g-value function. */
    public enum Variant {
        HF_TABLE, DEEPMIND_HEAD
    }

    /** DeepMind {@code get_gvals}: number of hash rounds and shift (64 // 12). */
    static final int DM_ROUNDS = 12;
    static final int DM_SHIFT = 64 / DM_ROUNDS;

    private final Variant variant;
    private final int ngramLen;
    private final long[] keys;
    private final int contextHistorySize;
    private final long initialHash;
    private final byte[] table;
    private final int tableMask;

    private SynthIdAlgorithm(Variant variant, int ngramLen, long[] keys, int contextHistorySize,
                             long initialHash, byte[] table) {
        if (ngramLen < 2) {
            throw new IllegalArgumentException("ngram_len must be >= 2, got " + ngramLen);
        }
        if (keys.length == 0) {
            throw new IllegalArgumentException("keys must not be empty");
        }
        if (contextHistorySize < 0) {
            throw new IllegalArgumentException("context_history_size must be >= 0, got " + contextHistorySize);
        }
        this.variant = variant;
        this.ngramLen = ngramLen;
        this.keys = keys.clone();
        this.contextHistorySize = contextHistorySize;
        this.initialHash = initialHash;
        this.table = table;
        this.tableMask = table != null && Integer.bitCount(table.length) == 1 ? table.length - 1 : -1;
    }

    /** Largest sampling table transformers accepts ({@code validate()} rejects sizes above 2^24). */
    public static final int MAX_SAMPLING_TABLE_SIZE = 1 << 24;

    /**
     * The Hugging Face port ({@code SynthIDTextWatermarkLogitsProcessor}, transformers 5.18.0).
     *
     * @param samplingTableSeed the unsigned 64-bit seed given to {@code manual_seed}
     */
    public static SynthIdAlgorithm huggingFace(int ngramLen, long[] keys, int contextHistorySize,
                                               int samplingTableSize, long samplingTableSeed) {
        if (samplingTableSize < 1 || samplingTableSize > MAX_SAMPLING_TABLE_SIZE) {
            throw new IllegalArgumentException("sampling_table_size must be in 1..2^24, got " + samplingTableSize);
        }
        return new SynthIdAlgorithm(Variant.HF_TABLE, ngramLen, keys, contextHistorySize,
                SynthIdHash.HF_INITIAL_HASH, samplingTable(samplingTableSize, samplingTableSeed));
    }

    /** DeepMind's {@code SynthIDLogitsProcessor} at HEAD (addb4a1: hash_iv and get_gvals, no table). */
    public static SynthIdAlgorithm deepMind(int ngramLen, long[] keys, int contextHistorySize) {
        return new SynthIdAlgorithm(Variant.DEEPMIND_HEAD, ngramLen, keys, contextHistorySize,
                SynthIdHash.deepMindHashIv(keys), null);
    }

    /** {@code torch.randint(0, 2, (size,), generator=manual_seed(seed))}: the low bit of successive MT words. */
    static byte[] samplingTable(int size, long seed) {
        TorchMt19937 g = new TorchMt19937(seed);
        byte[] t = new byte[size];
        for (int i = 0; i < size; i++) {
            t[i] = (byte) (g.next32() & 1);
        }
        return t;
    }

    public Variant variant() {
        return variant;
    }

    public int ngramLen() {
        return ngramLen;
    }

    /** Number of layers (= number of keys). */
    public int depth() {
        return keys.length;
    }

    public int contextHistorySize() {
        return contextHistorySize;
    }

    /** The initial hash (1, or DeepMind's hash_iv, which is derived from the keys: keep it secret). */
    long initialHash() {
        return initialHash;
    }

    /** A copy of the sampling table (HF variant), for checks against upstream's table. */
    byte[] samplingTableCopy() {
        return table == null ? null : table.clone();
    }

    // ---------------------------------------------------------------- hashes

    /** Hash of the context {@code ids[from .. from + ngramLen - 1)}. */
    long contextHash(int[] ids, int from) {
        return SynthIdHash.accumulate(initialHash, ids, from, from + ngramLen - 1);
    }

    /** Hash of a context given as exactly {@code ngramLen - 1} ids (e.g. generation's zero-padded state). */
    long contextHashOf(long[] context) {
        long h = initialHash;
        for (long x : context) {
            h = SynthIdHash.step(h, x);
        }
        return h;
    }

    /** The key of layer {@code d} for an ngram hash. */
    long layerKey(long ngramHash, int d) {
        return SynthIdHash.step(ngramHash, keys[d]);
    }

    /** {@code compute_ngram_keys} of ngram {@code ids[from .. from+ngramLen)}: one int64 key per layer. */
    long[] ngramKeys(int[] ids, int from) {
        long h = SynthIdHash.accumulate(initialHash, ids, from, from + ngramLen);
        long[] out = new long[keys.length];
        for (int d = 0; d < keys.length; d++) {
            out[d] = layerKey(h, d);
        }
        return out;
    }

    /** The g-value (0 or 1) of one layer key. */
    public int g(long layerKey) {
        if (table != null) {
            int idx = tableMask >= 0 ? (int) (layerKey & tableMask) : (int) Math.floorMod(layerKey, (long) table.length);
            return table[idx];
        }
        return deepMindG(layerKey);
    }

    /** Largest depth whose g-values fit one {@code long} word (bit d = layer d). */
    public static final int WORD_DEPTH = 64;

    /** Largest table for which the per-residue g-words are precomputed (512 KiB at 2^16). */
    static final int MAX_PATTERN_TABLE = 1 << 16;

    private volatile long[] residueWords;

    /**
     * HF with a power-of-two table: every layer's index {@code ((h + k_d) * M + 1) mod 2^b} depends
     * only on {@code h mod 2^b}, so the g-word of each residue is computed once (2^b x depth steps).
     */
    private long[] residueWords() {
        long[] rw = residueWords;
        if (rw == null && tableMask >= 0 && table.length <= MAX_PATTERN_TABLE && keys.length <= WORD_DEPTH) {
            rw = new long[table.length];
            for (int r = 0; r < rw.length; r++) {
                long w = 0;
                for (int d = 0; d < keys.length; d++) {
                    w |= (long) table[(int) (layerKey(r, d) & tableMask)] << d;
                }
                rw[r] = w;
            }
            residueWords = rw;
        }
        return rw;
    }

    /** g-values of all layers of an ngram hash as bits of one word (requires depth <= 64). */
    long gWord(long ngramHash) {
        long[] rw = residueWords();
        if (rw != null) {
            return rw[(int) (ngramHash & tableMask)];
        }
        long w = 0;
        for (int d = 0; d < keys.length; d++) {
            w |= (long) g(layerKey(ngramHash, d)) << d;
        }
        return w;
    }

    /** {@link #gWord} for candidate continuations of one context hash. */
    void gWords(long contextHash, int[] candidates, int n, long[] out) {
        long[] rw = residueWords();
        if (rw != null) {
            int mask = tableMask;
            for (int i = 0; i < n; i++) {
                out[i] = rw[(int) (SynthIdHash.step(contextHash, candidates[i]) & mask)];
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            out[i] = gWord(SynthIdHash.step(contextHash, candidates[i]));
        }
    }

    /** DeepMind {@code get_gvals} for one key. */
    static int deepMindG(long k) {
        for (int r = 0; r < DM_ROUNDS; r++) {
            k = SynthIdHash.step(k, 1L) >> DM_SHIFT;
        }
        return (int) ((k >> 30) & 1L);
    }

    /** Number of ngrams (= scored positions upstream) in a list of {@code len} ids: {@code max(0, len - ngramLen + 1)}. */
    public int numNgrams(int len) {
        return Math.max(0, len - ngramLen + 1);
    }

    /** {@code compute_g_values}: row j holds the depth g-values of ngram {@code ids[j..j+ngramLen)}. */
    public byte[][] gValues(int[] ids) {
        int m = numNgrams(ids.length);
        byte[][] out = new byte[m][keys.length];
        for (int j = 0; j < m; j++) {
            long h = SynthIdHash.accumulate(initialHash, ids, j, j + ngramLen);
            byte[] row = out[j];
            for (int d = 0; d < keys.length; d++) {
                row[d] = (byte) g(layerKey(h, d));
            }
        }
        return out;
    }

    /** Hash of every ngram ({@code numNgrams(ids.length)} values). */
    long[] ngramHashes(int[] ids) {
        int m = numNgrams(ids.length);
        long[] out = new long[m];
        for (int j = 0; j < m; j++) {
            out[j] = SynthIdHash.accumulate(initialHash, ids, j, j + ngramLen);
        }
        return out;
    }

    /** Hash of every ngram's context. */
    long[] contextHashes(int[] ids) {
        int m = numNgrams(ids.length);
        long[] out = new long[m];
        for (int j = 0; j < m; j++) {
            out[j] = contextHash(ids, j);
        }
        return out;
    }

    /**
     * {@code compute_context_repetition_mask}: true (counted) unless ngram j's context hash is among
     * the previous {@code contextHistorySize} context hashes, where the history starts as that
     * many zeros (so a context hashing to 0 counts as repeated early on, as upstream).
     */
    public boolean[] contextRepetitionMask(int[] ids) {
        return repetitionMask(contextHashes(ids), contextHistorySize);
    }

    static boolean[] repetitionMask(long[] contextHashes, int historySize) {
        int m = contextHashes.length;
        boolean[] mask = new boolean[m];
        History h = new History(historySize, m);
        for (int j = 0; j < m; j++) {
            mask[j] = !h.seen(contextHashes[j]);
            h.push(contextHashes[j]);
        }
        return mask;
    }

    /**
     * {@code compute_eos_token_mask(ids, eos)[ngramLen-1:]}: true while the scored token precedes
     * the first {@code eos} id; all true when {@code eos < 0} (no EOS masking).
     */
    public boolean[] eosTokenMask(int[] ids, int eos) {
        int m = numNgrams(ids.length);
        int first = ids.length;
        if (eos >= 0) {
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == eos) {
                    first = i;
                    break;
                }
            }
        }
        boolean[] mask = new boolean[m];
        for (int j = 0; j < m; j++) {
            mask[j] = j + ngramLen - 1 < first;
        }
        return mask;
    }

    // ---------------------------------------------------------------- generation

    /**
     * g-values of layer {@code d} for continuations {@code candidates[0..n)} of a context hash,
     * written to {@code out[0..n)}; {@code ngram[i]} must hold {@code accumulate_hash(ctx, [cand_i])}.
     */
    void layerG(long[] ngram, int n, int d, byte[] out) {
        long key = keys[d];
        if (table != null && tableMask >= 0) {
            byte[] t = table;
            int mask = tableMask;
            for (int i = 0; i < n; i++) {
                out[i] = t[(int) (SynthIdHash.step(ngram[i], key) & mask)];
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (byte) g(SynthIdHash.step(ngram[i], key));
            }
        }
    }

    /**
     * The "last {@code size} context hashes" of upstream's state: a window over the pushed hashes
     * that initially holds {@code size} zeros. Counts per hash make membership O(1).
     */
    static final class History {
        private final int size;
        private final long[] pushed;
        private final LongCounter counts;
        private int n;

        History(int size, int capacity) {
            this.size = size;
            this.pushed = new long[Math.max(1, Math.min(size, Math.max(capacity, 1)))];
            this.counts = new LongCounter(Math.max(16, Math.min(size, capacity) * 2));
        }

        boolean seen(long c) {
            if (size == 0) {
                return false;
            }
            return counts.get(c) > 0 || (c == 0L && n < size);
        }

        void push(long c) {
            if (size == 0) {
                return;
            }
            int slot = n % pushed.length;
            if (n >= pushed.length) {
                counts.add(pushed[slot], -1); // the oldest pushed hash leaves the window
            }
            pushed[slot] = c;
            counts.add(c, 1);
            n++;
        }
    }

    /** Open-addressing long -> count map; entries are never removed (counts drop to zero). */
    static final class LongCounter {
        private long[] keys;
        private int[] vals;
        private boolean[] used;
        private int size;

        LongCounter(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
            keys = new long[cap];
            vals = new int[cap];
            used = new boolean[cap];
        }

        private static int mix(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }

        int get(long k) {
            int mask = keys.length - 1;
            for (int i = mix(k) & mask; used[i]; i = (i + 1) & mask) {
                if (keys[i] == k) {
                    return vals[i];
                }
            }
            return 0;
        }

        void add(long k, int delta) {
            int mask = keys.length - 1;
            int i = mix(k) & mask;
            for (; used[i]; i = (i + 1) & mask) {
                if (keys[i] == k) {
                    vals[i] += delta;
                    return;
                }
            }
            used[i] = true;
            keys[i] = k;
            vals[i] = delta;
            if (++size * 2 > keys.length) {
                grow();
            }
        }

        private void grow() {
            long[] ok = keys;
            int[] ov = vals;
            boolean[] ou = used;
            keys = new long[ok.length * 2];
            vals = new int[ok.length * 2];
            used = new boolean[ok.length * 2];
            size = 0;
            for (int i = 0; i < ok.length; i++) {
                if (ou[i]) {
                    add(ok[i], ov[i]);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "SynthIdAlgorithm[" + variant + ", ngram_len=" + ngramLen + ", depth=" + keys.length
                + ", context_history_size=" + contextHistorySize + ", keys hidden]";
    }
}
