package io.provmark.core.compat.torch;

/**
 * {@code torch.randperm(n, generator=g)} on CPU for {@code n < 214748364} (= floor((2^32-1)/20)):
 * forward Fisher–Yates, {@code r = [0..n-1]; for i in 0..n-2: z = next32() % (n - i); swap(r[i], r[i+z])},
 * one 32-bit draw per step. Larger {@code n} take another torch path and are rejected here.
 *
 * <p>Because position {@code i} is final after step {@code i}, the first {@code k} entries (a KGW
 * greenlist {@code perm[:k]}) need only {@code k} draws, and whether one id lands among them can be
 * decided by following that id alone ({@link #inPrefix}), without an array.
 */
public final class TorchRandperm {
    /** Largest n (exclusive) for which torch uses the 32-bit forward Fisher–Yates path. */
    public static final int MAX_N = 214748364;

    private TorchRandperm() {
    }

    /** The whole permutation, as {@code torch.randperm(n, generator=g)}; advances {@code g} by {@code n-1} words. */
    public static int[] randperm(TorchMt19937 g, int n) {
        checkN(n);
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        for (int i = 0; i < n - 1; i++) {
            int j = i + (int) (g.next32Unsigned() % (n - i)); // both non-negative: plain remainder
            int t = r[i];
            r[i] = r[j];
            r[j] = t;
        }
        return r;
    }

    /**
     * {@code torch.randperm(n, generator=g)[:k]} in permutation order, using {@code min(k, n-1)} draws
     * (torch itself draws {@code n-1}; callers that reuse {@code g} afterwards must use {@link #randperm}).
     */
    public static int[] prefix(TorchMt19937 g, int n, int k) {
        checkN(n);
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("prefix length must be in [0, n]");
        }
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        int steps = Math.min(k, n - 1);
        for (int i = 0; i < steps; i++) {
            int j = i + (int) (g.next32Unsigned() % (n - i)); // both non-negative: plain remainder
            int t = r[i];
            r[i] = r[j];
            r[j] = t;
        }
        int[] out = new int[k];
        System.arraycopy(r, 0, out, 0, k);
        return out;
    }

    /**
     * Whether {@code token} is among the first {@code k} entries of {@code randperm(n)} drawn from
     * {@code g}; follows only that id's position, stopping as soon as the answer is known.
     */
    public static boolean inPrefix(TorchMt19937 g, int n, int k, int token) {
        checkN(n);
        if (token < 0 || token >= n) {
            throw new IllegalArgumentException("token id outside [0, n)");
        }
        if (k >= n) {
            return k > 0;
        }
        int pos = token; // current position of the id; positions < i are final
        for (int i = 0; i < k; i++) {
            int j = i + (int) (g.next32Unsigned() % (n - i)); // both non-negative: plain remainder
            if (j == pos) {
                return true; // swapped into position i (< k), final from now on
            }
            if (pos == i) {
                pos = j; // moved away from i; still a candidate for later steps
            }
        }
        return false;
    }

    private static void checkN(int n) {
        if (n < 0 || n >= MAX_N) {
            throw new IllegalArgumentException("randperm size must be in [0, " + MAX_N + ")");
        }
    }
}
