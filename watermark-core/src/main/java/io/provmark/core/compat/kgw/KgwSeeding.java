package io.provmark.core.compat.kgw;

import io.provmark.core.compat.torch.TorchMt19937;
import io.provmark.core.compat.torch.TorchRandperm;
import java.math.BigInteger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a KGW implementation turns a prefix of token ids into the value it passes to
 * {@code torch.Generator.manual_seed}. Both upstreams compute a PRF value {@code prf_key} (a Python
 * integer, or a wrapped signed int64 for the table-based PRFs) and call
 * {@code manual_seed(prf_key % (2^64 - 1))} with Python's non-negative modulo; only the low 32 bits
 * of that reach MT19937.
 *
 * <p>Instances are immutable and thread-safe. They hold the hash key, so they never print it.
 */
public abstract class KgwSeeding {
    /** 2^64 - 1 as an unsigned long. */
    private static final long M = -1L;
    private static final BigInteger M_BIG = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** lm-watermarking's hashint table: randperm(1000003) from a generator seeded with 2971215073 (fib47). */
    public static final long ORIGINAL_TABLE_SEED = 2971215073L;
    public static final int TABLE_SIZE = 1_000_003;
    private static final Map<Long, int[]> TABLES = new ConcurrentHashMap<>();

    private final int width;

    KgwSeeding(int width) {
        if (width < 1) {
            throw new IllegalArgumentException("context width must be >= 1");
        }
        this.width = width;
    }

    /** How many of the last ids of the prefix the PRF reads. */
    public int width() {
        return width;
    }

    /**
     * The value passed to {@code manual_seed} (unsigned 64-bit) for the prefix {@code seq[0..end)};
     * only {@code seq[end - width() .. end)} is read. Needs {@code end >= width()}.
     */
    public abstract long manualSeed(int[] seq, int end);

    /** Upstream's signed {@code prf_key} before the modulo, for diagnostics and vector checks. */
    public abstract BigInteger prfKey(int[] seq, int end);

    /** Python's {@code p % (2^64-1)} for a signed int64 {@code p}, as an unsigned long. */
    static long pyModFromInt64(long p) {
        return p >= 0 ? p : p - 1; // p + 2^64 - 1 == p - 1 (mod 2^64), and lies in [2^63-1, 2^64-2]
    }

    /** {@code (a * b) mod (2^64 - 1)} for unsigned a and b. */
    static long mulMod(long a, long b) {
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a); // unsigned high word
        long s = hi + lo; // 2^64 == 1 (mod 2^64 - 1)
        if (Long.compareUnsigned(s, lo) < 0) {
            s += 1; // carry out of 2^64 counts as 1 again
        }
        return s == M ? 0 : s;
    }

    /** {@code randperm(1000003)} from a generator seeded with {@code seed} (cached: 4 MB per seed, at most 8 seeds). */
    public static int[] fixedTable(long seed) {
        int[] t = TABLES.get(seed);
        if (t == null) {
            t = TorchRandperm.randperm(new TorchMt19937(seed), TABLE_SIZE);
            if (TABLES.size() < 8) {
                TABLES.putIfAbsent(seed, t);
            }
        }
        return t;
    }

    /**
     * {@code prf_key = key * sum(prefix[-width:])} (lm-watermarking {@code additive_prf}; with width 1 and
     * key {@code hashing_key} also HF's {@code lefthash}, which reads only the last id whatever its
     * context width). Python big integers: no overflow.
     */
    public static KgwSeeding additive(BigInteger key, int width) {
        return new Additive(key, width);
    }

    /**
     * {@code prf_key = min_j (key * H(c_j) * H(c_last))} over the last {@code width} ids, in wrapping
     * signed int64 with a signed min, {@code H(x) = table[x % 1000003] + 1} (lm-watermarking
     * {@code anchored_minhash_prf}; HF {@code selfhash} with the table seeded by the hashing key).
     *
     * @param key a signed int64 (torch rejects larger Python ints in the tensor product)
     */
    public static KgwSeeding anchoredMinhash(long key, int[] table, int width) {
        return new AnchoredMinhash(key, table, width);
    }

    private static final class Additive extends KgwSeeding {
        private final BigInteger key;
        private final long keyMod;

        Additive(BigInteger key, int width) {
            super(width);
            if (key.signum() < 0) {
                throw new IllegalArgumentException("additive_prf key must be >= 0");
            }
            this.key = key;
            this.keyMod = key.mod(M_BIG).longValue();
        }

        @Override
        public long manualSeed(int[] seq, int end) {
            long s = 0;
            for (int i = end - width(); i < end; i++) {
                s += seq[i];
            }
            return mulMod(keyMod, s);
        }

        @Override
        public BigInteger prfKey(int[] seq, int end) {
            long s = 0;
            for (int i = end - width(); i < end; i++) {
                s += seq[i];
            }
            return key.multiply(BigInteger.valueOf(s));
        }

        @Override
        public String toString() {
            return "additive_prf[width=" + width() + ", key hidden]";
        }
    }

    private static final class AnchoredMinhash extends KgwSeeding {
        private final long key;
        private final int[] table;

        AnchoredMinhash(long key, int[] table, int width) {
            super(width);
            if (table.length != TABLE_SIZE) {
                throw new IllegalArgumentException("hash table must have 1000003 entries");
            }
            this.key = key;
            this.table = table;
        }

        long prf(int[] seq, int end) {
            long anchor = table[seq[end - 1] % TABLE_SIZE] + 1L;
            long min = Long.MAX_VALUE;
            for (int i = end - width(); i < end; i++) {
                long v = key * (table[seq[i] % TABLE_SIZE] + 1L) * anchor; // wraps like torch int64
                if (v < min) {
                    min = v;
                }
            }
            return min;
        }

        @Override
        public long manualSeed(int[] seq, int end) {
            return pyModFromInt64(prf(seq, end));
        }

        @Override
        public BigInteger prfKey(int[] seq, int end) {
            return BigInteger.valueOf(prf(seq, end));
        }

        @Override
        public String toString() {
            return "anchored_minhash_prf[width=" + width() + ", key hidden]";
        }
    }
}
