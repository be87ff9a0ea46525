package io.provmark.core.compat.vllm;

/**
 * vLLM's Stateless Bernoulli Watermarking primitives (spec §2.6): the Jenkins token hash, the
 * seeds, and the green test. All arithmetic wraps exactly as vLLM's int32/int64 tensors do.
 */
public final class Sbw {
    private static final int INT31_MAX = 0x7FFFFFFF;

    private Sbw() {
    }

    /**
     * Token hash h(x): (x + 1) as int32, then the Jenkins shift-add mix with arithmetic right
     * shifts, sign-extended. h(-1) = 0, so padding contributes nothing.
     */
    public static long hash(long x) {
        int i = (int) (x + 1);
        i -= i << 6;
        i ^= i >> 17;
        i -= i << 9;
        i ^= i << 4;
        i -= i << 3;
        i ^= i << 10;
        i ^= i >> 15;
        return i;
    }

    /**
     * Selfhash seed: the signed minimum of K·h(v)·h(v) and K·h(c)·h(v) over context entries
     * 1..W-1 (entry 0, the oldest, is ignored, as upstream does). Products wrap modulo 2^64.
     */
    public static long selfhashSeed(long key, int[] ctx, int from, int width, int token) {
        long hv = hash(token);
        long seed = key * hv * hv;
        for (int i = 1; i < width; i++) {
            long term = key * (hash(ctx[from + i]) * hv);
            if (term < seed) {
                seed = term;
            }
        }
        return seed;
    }

    /** h of context entries 1..W-1, the selfhash prefix (entry 0 is ignored upstream). */
    public static long[] prefixHashes(int[] ctx, int from, int width) {
        long[] h = new long[Math.max(0, width - 1)];
        for (int i = 1; i < width; i++) {
            h[i - 1] = hash(ctx[from + i]);
        }
        return h;
    }

    /** {@link #selfhashSeed} from precomputed {@link #prefixHashes}. */
    public static long selfhashSeed(long key, long[] prefixHashes, int token) {
        long hv = hash(token);
        long seed = key * hv * hv;
        for (long hc : prefixHashes) {
            long term = key * (hc * hv);
            if (term < seed) {
                seed = term;
            }
        }
        return seed;
    }

    /** Lefthash seed as vLLM's generator computes it: K times the raw sum of the context ids (padding -1 included). */
    public static long lefthashGeneratorSeed(long key, int[] ctx, int from, int width) {
        long sum = 0;
        for (int i = 0; i < width; i++) {
            sum += ctx[from + i];
        }
        return key * sum;
    }

    /** Lefthash seed as vLLM's detector computes it: K times the sum of the hashed context ids. */
    public static long lefthashDetectorSeed(long key, int[] ctx, int from, int width) {
        long sum = 0;
        for (int i = 0; i < width; i++) {
            sum += hash(ctx[from + i]);
        }
        return key * sum;
    }

    /** The Philox word deciding token v under a seed: counter (v div 4, 0, 0, 0), key (seed low, seed high), word v mod 4. */
    public static int word(long seed, int token) {
        return Philox4x32.word(token >>> 2, 0, 0, 0, (int) seed, (int) (seed >>> 32), token & 3);
    }

    /** The green threshold floor(gamma · (2^31 - 1)), computed as vLLM does (double product, truncation). */
    public static long threshold(double gamma) {
        return (long) (gamma * INT31_MAX);
    }

    /** Whether a word is green under the threshold. */
    public static boolean green(int word, long threshold) {
        return (word & INT31_MAX) < threshold;
    }

    /** Exact null probability of green: threshold / 2^31 (the low 31 bits of a uniform word). */
    public static double nullGreenProbability(long threshold) {
        return threshold * 0x1p-31;
    }
}
