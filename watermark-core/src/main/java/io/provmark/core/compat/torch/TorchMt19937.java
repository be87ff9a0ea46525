package io.provmark.core.compat.torch;

import java.math.BigInteger;

/**
 * Bit-exact model of torch's CPU generator ({@code torch.Generator('cpu')}, torch 1.13 … 2.13).
 *
 * <p>The engine is the standard 32-bit MT19937 (Matsumoto–Nishimura, tempered output).
 * {@code manual_seed(s)} accepts {@code 0 <= s < 2^64} but only its low 32 bits reach
 * {@code init_genrand}, so seeds {@code 7} and {@code 7 + 2^32} give the same stream.
 *
 * <p>Draw helpers reproduce torch's CPU kernels for the cases the compat schemes use:
 * <ul>
 *   <li>{@link #rand(int)}: {@code torch.rand(n, generator=g)} float32 = {@code (next32() & 0xFFFFFF) * 2^-24};</li>
 *   <li>{@link #randint(long, long, int)}: {@code torch.randint(lo, hi, (n,))} with {@code hi - lo <= 2^32}
 *       = {@code lo + next32() % (hi - lo)} (unsigned);</li>
 *   <li>{@link TorchRandperm}: {@code torch.randperm(n, generator=g)}.</li>
 * </ul>
 * Draws are serial (one word each, in index order), as torch does for these sizes on CPU.
 *
 * <p>Not thread-safe; a generator is cheap to create (one 624-word state).
 */
public final class TorchMt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER = 0x80000000;
    private static final int LOWER = 0x7fffffff;
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private final int[] mt = new int[N];
    private int index;

    /** A generator in the state of {@code torch.Generator('cpu').manual_seed(seed)}; {@code seed} is read as unsigned 64-bit. */
    public TorchMt19937(long seed) {
        manualSeed(seed);
    }

    /** {@code torch.Generator('cpu').manual_seed(seed)} with {@code seed} read as an unsigned 64-bit value. */
    public static TorchMt19937 seeded(long seed) {
        return new TorchMt19937(seed);
    }

    /**
     * {@code manual_seed} for a Python integer; torch accepts {@code 0 <= seed < 2^64}.
     *
     * @throws IllegalArgumentException when the seed is outside torch's accepted range
     */
    public static TorchMt19937 seeded(BigInteger seed) {
        return new TorchMt19937(checkedSeed(seed));
    }

    /** The unsigned 64-bit value of a Python seed, rejecting what torch rejects (negative or ≥ 2^64). */
    public static long checkedSeed(BigInteger seed) {
        if (seed.signum() < 0 || seed.compareTo(TWO_64) >= 0) {
            throw new IllegalArgumentException("torch manual_seed needs 0 <= seed < 2^64");
        }
        return seed.longValue();
    }

    /** Reseeds in place, as {@code g.manual_seed(seed)} (unsigned 64-bit; only the low 32 bits matter). */
    public void manualSeed(long seed) {
        int s = (int) seed; // torch: mt19937(seed) -> init_genrand(seed & 0xffffffff)
        mt[0] = s;
        for (int i = 1; i < N; i++) {
            int prev = mt[i - 1];
            mt[i] = 1812433253 * (prev ^ (prev >>> 30)) + i;
        }
        index = N;
    }

    /** The next tempered 32-bit MT19937 output, as the bits of an int (use {@link #next32Unsigned()} for the value). */
    public int next32() {
        if (index >= N) {
            twist();
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** Skips {@code n} outputs (as {@code n} calls of {@link #next32()}), without tempering them. */
    public void discard(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        while (n > 0) {
            if (index >= N) {
                twist();
            }
            int step = (int) Math.min(n, N - index);
            index += step;
            n -= step;
        }
    }

    /** The next 32-bit output as a non-negative long in {@code [0, 2^32)}. */
    public long next32Unsigned() {
        return next32() & 0xFFFFFFFFL;
    }

    /** One float32 of {@code torch.rand}: 24 random bits times 2^-24, in {@code [0, 1)}. */
    public float nextFloat() {
        return (next32() & 0xFFFFFF) * 0x1.0p-24f;
    }

    /** {@code torch.rand(n, generator=g)} (float32). */
    public float[] rand(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = nextFloat();
        }
        return out;
    }

    /** One value of {@code torch.randint(lo, hi, ...)}: {@code lo + next32() % (hi - lo)}. */
    public long nextInt(long lo, long hi) {
        long range = hi - lo;
        if (hi <= lo || range > 0x1_0000_0000L || range <= 0) {
            throw new IllegalArgumentException("randint needs lo < hi and hi - lo <= 2^32 (other ranges use a 64-bit path)");
        }
        return lo + Long.remainderUnsigned(next32Unsigned(), range);
    }

    /** {@code torch.randint(lo, hi, (size,), generator=g)} (int64 output), drawn serially. */
    public long[] randint(long lo, long hi, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0");
        }
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = nextInt(lo, hi);
        }
        return out;
    }

    /** {@code torch.randperm(n, generator=g)}; see {@link TorchRandperm#randperm(TorchMt19937, int)}. */
    public int[] randperm(int n) {
        return TorchRandperm.randperm(this, n);
    }

    private void twist() {
        int[] s = mt;
        int i = 0;
        for (; i < N - M; i++) {
            int y = (s[i] & UPPER) | (s[i + 1] & LOWER);
            s[i] = s[i + M] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        for (; i < N - 1; i++) {
            int y = (s[i] & UPPER) | (s[i + 1] & LOWER);
            s[i] = s[i + (M - N)] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        int y = (s[N - 1] & UPPER) | (s[0] & LOWER);
        s[N - 1] = s[M - 1] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        index = 0;
    }

    @Override
    public String toString() {
        return "TorchMt19937[state hidden]"; // the seed may be derived from a compat key
    }
}
