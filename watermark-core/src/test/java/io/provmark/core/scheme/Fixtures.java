package io.provmark.core.scheme;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SchemeParams;
import io.provmark.core.profile.SynthIdParams;
import java.util.SplittableRandom;

/**
 * Test fixtures: keys from a seeded generator (SecureRandom is slow and not reproducible; the
 * PRF only needs the bytes to be key-independent of the text) and the scheme configurations the
 * statistical tests cover.
 */
public final class Fixtures {
    private Fixtures() {
    }

    public static final int GPT2_VOCAB = 50_257;

    /** A 256-bit key whose bytes come from {@code SplittableRandom(seed)}. */
    public static WatermarkKey key(String id, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[32];
        r.nextBytes(b);
        return new WatermarkKey(id, b, 0);
    }

    /** The scheme configurations covered by the tests: name, params, context width. */
    public enum Config {
        RED_GREEN_LEFT_H1(new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH), 1),
        RED_GREEN_SELF_H2(new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.SELF_HASH), 2),
        UNIGRAM_H0(new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH), 0),
        GUMBEL_H2(new GumbelParams(0), 2),
        SYNTHID_MEAN_H3(new SynthIdParams(30, SynthIdParams.defaultWeights(30), SynthIdParams.Score.MEAN, 0), 3),
        SYNTHID_WEIGHTED_H3(new SynthIdParams(30, SynthIdParams.defaultWeights(30), SynthIdParams.Score.WEIGHTED_MEAN, 0), 3);

        public final SchemeParams params;
        public final int h;

        Config(SchemeParams params, int h) {
            this.params = params;
            this.h = h;
        }

        public Profile profile(String keyId, int vocab) {
            return profile(keyId, vocab, DedupRule.PRF_INPUT);
        }

        public Profile profile(String keyId, int vocab, DedupRule dedup) {
            return new Profile(params.scheme(), params, ProvmarkPrf.ID, h, "none", vocab, keyId, dedup, false, -1);
        }

        public WatermarkScheme scheme(long keySeed, int vocab) {
            return scheme(keySeed, vocab, DedupRule.PRF_INPUT);
        }

        public WatermarkScheme scheme(long keySeed, int vocab, DedupRule dedup) {
            WatermarkKey k = key("k" + keySeed, keySeed);
            return Schemes.create(profile(k.id(), vocab, dedup), k);
        }
    }

    /** Profile with every field spelled out. */
    public static Profile profile(SchemeParams params, int h, int vocab, String keyId, DedupRule dedup,
                                  boolean scorePartial, int eos) {
        return new Profile(params.scheme(), params, ProvmarkPrf.ID, h, "none", vocab, keyId, dedup, scorePartial, eos);
    }

    public static float[] randomLogits(SplittableRandom r, int n, double scale) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (r.nextGaussian() * scale);
        }
        return l;
    }

    public static int[] randomTokens(SplittableRandom r, int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(vocab);
        }
        return t;
    }
}
