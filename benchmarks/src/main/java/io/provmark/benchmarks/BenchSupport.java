package io.provmark.benchmarks;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.scheme.Contexts;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Shared fixtures: the benchmarked scheme configurations, a fixed (public, benchmark-only) key so
 * runs are reproducible, and precomputed inputs so a benchmark measures only the call under test.
 */
final class BenchSupport {
    private BenchSupport() {
    }

    private static boolean ctrWarm;

    /**
     * Gets the JDK's AES-CTR path compiled by C2 with its AES-NI intrinsic before anything is
     * measured. C2 only substitutes the intrinsic where it compiles a caller of
     * {@code CounterMode.implCrypt}, and that caller runs once per {@code doFinal}: at a few hundred
     * full-vocabulary passes a second, a fresh JVM needs well over ten seconds of steps to get
     * there, and until then each pass is several times slower than the intrinsic. Many cheap
     * calls on a throwaway key (not a provmark key) get the same compilation in well under a
     * second, so the benchmarks measure the steady state a long-running server reaches. Run with
     * {@code -jvmArgsAppend -Dprovmark.bench.coldCtr=true} to see the cold figures instead.
     */
    static synchronized void warmUpAesCtr() {
        if (ctrWarm || Boolean.getBoolean("provmark.bench.coldCtr")) {
            return;
        }
        try {
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            SecretKeySpec k = new SecretKeySpec(new byte[32], "AES");
            byte[] buf = new byte[64];
            for (int i = 0; i < 20_000; i++) {
                c.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(new byte[16]));
                c.doFinal(buf, 0, buf.length, buf, 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR unavailable", e);
        }
        ctrWarm = true;
    }

    /** Scheme names used as the {@code scheme} JMH parameter. */
    static final String RG_LEFT = "redgreen-lefthash";
    static final String RG_SELF = "redgreen-selfhash";
    static final String GUMBEL = "gumbel";
    static final String SYNTHID = "synthid";

    /** Zipf exponent of the benchmark logits: ~1 is high-entropy, text-like (the costly case for sampling). */
    static final double ZIPF_EXPONENT = 1.1;

    /** Context width of the logits model (how many trailing tokens pick the permutation). */
    static final int MODEL_CONTEXT = 4;

    /**
     * A key derived from a fixed seed. Not secret: a benchmark needs reproducible inputs, and
     * {@link WatermarkKey#generate} would read the blocking strong RNG on some machines.
     */
    static WatermarkKey benchKey() {
        byte[] material = new byte[WatermarkKey.MIN_BYTES];
        SplittableRandom rnd = new SplittableRandom(0x70726F766D61726BL);
        for (int i = 0; i < material.length; i++) {
            material[i] = (byte) rnd.nextInt(256);
        }
        return new WatermarkKey("bench-key", material, 0);
    }

    /**
     * The profile benchmarked for each name: the library defaults, except self-hash which uses
     * h = 4 (Kirchenbauer et al.'s recommended self-hash width; with the default h = 1 it would
     * differ from left-hash only by the min over two tokens).
     */
    static Profile profile(String scheme, int vocab) {
        switch (scheme) {
            case RG_LEFT:
                return Profile.defaults(RedGreenParams.SCHEME, "bench-key", "none", vocab);
            case RG_SELF:
                return new Profile(RedGreenParams.SCHEME,
                        new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.SELF_HASH), ProvmarkPrf.ID, 4, "none",
                        vocab, "bench-key", DedupRule.PRF_INPUT, false, -1);
            case GUMBEL:
                return Profile.defaults("gumbel", "bench-key", "none", vocab);
            case SYNTHID:
                return Profile.defaults("synthid", "bench-key", "none", vocab);
            default:
                throw new IllegalArgumentException("unknown benchmark scheme '" + scheme + "'; use one of "
                        + RG_LEFT + ", " + RG_SELF + ", " + GUMBEL + ", " + SYNTHID);
        }
    }

    static WatermarkScheme scheme(String scheme, int vocab) {
        return Schemes.create(profile(scheme, vocab), benchKey());
    }

    /**
     * {@code count} random contexts of {@code len} tokens whose last h tokens do not recur earlier
     * in the sequence, so the distortion-free schemes' repeated-context check (window 0: whole
     * sequence) does not fire and the watermark path runs on every call.
     */
    static int[][] distinctContexts(int count, int len, int vocab, int h, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] out = new int[count][];
        for (int k = 0; k < count; k++) {
            int[] ids;
            do {
                ids = new int[len];
                for (int i = 0; i < len; i++) {
                    ids[i] = rnd.nextInt(vocab);
                }
            } while (Contexts.isRepeatedContext(ids, len, Math.max(1, h), 0) || contains(out, ids));
            out[k] = ids;
        }
        return out;
    }

    private static boolean contains(int[][] seen, int[] ids) {
        for (int[] s : seen) {
            if (s != null && Arrays.equals(s, ids)) {
                return true;
            }
        }
        return false;
    }

    /** Zipf logits after each context (the model's output a serving stack would pass in). */
    static float[][] logits(int[][] contexts, int vocab) {
        ZipfLogitsModel model = new ZipfLogitsModel(vocab, ZIPF_EXPONENT, MODEL_CONTEXT);
        float[][] out = new float[contexts.length][vocab];
        for (int k = 0; k < contexts.length; k++) {
            model.logits(contexts[k], contexts[k].length, out[k]);
        }
        return out;
    }

    /** Ids of the {@code n} largest logits, largest first (what a top-k sampler hands the hook). */
    static int[] topK(float[] logits, int n) {
        long[] keys = new long[logits.length];
        for (int t = 0; t < logits.length; t++) {
            // descending by logit: sort ascending on the order-preserving bits of -logit
            int bits = Float.floatToIntBits(-logits[t]);
            int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF);
            keys[t] = ((long) sortable << 32) | t;
        }
        Arrays.sort(keys);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (int) keys[i];
        }
        return ids;
    }

    static float[] gather(float[] logits, int[] ids) {
        float[] out = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = logits[ids[i]];
        }
        return out;
    }

    static double[] uniforms(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] r = new double[count];
        for (int i = 0; i < count; i++) {
            r[i] = rnd.nextDouble();
        }
        return r;
    }
}
