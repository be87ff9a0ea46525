package io.provmark.core.compat.kgw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.torch.TorchMt19937;
import io.provmark.core.compat.torch.TorchRandperm;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Configurations without public vectors (other vocabulary sizes, gammas, widths, keys): checked
 * against straightforward reference implementations written from the spec with Python-style big
 * integers and full permutations (only the torch RNG, already pinned by torch_rng.json, is shared).
 */
class KgwGeneralisationTest {
    static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    static final BigInteger TWO_63 = BigInteger.ONE.shiftLeft(63);
    static final BigInteger M = TWO_64.subtract(BigInteger.ONE);
    static final long KEY1 = 15485863L;
    static final long KEY2 = 4294967291L;
    static final int[] VOCABS = {32_000, 50_257, 151_936, 256_000};

    /** Python int -> wrapping signed int64, as torch stores it. */
    static BigInteger wrap64(BigInteger x) {
        BigInteger m = x.mod(TWO_64);
        return m.compareTo(TWO_63) >= 0 ? m.subtract(TWO_64) : m;
    }

    static long pyModSeed(BigInteger prf) {
        return prf.mod(M).longValue();
    }

    /** anchored_minhash_prf / HF selfhash, computed with big integers. */
    static BigInteger refMinhash(long key, int[] table, int[] ctx) {
        BigInteger anchor = BigInteger.valueOf(table[ctx[ctx.length - 1] % 1_000_003] + 1L);
        BigInteger min = null;
        for (int c : ctx) {
            BigInteger v = wrap64(wrap64(BigInteger.valueOf(key).multiply(BigInteger.valueOf(table[c % 1_000_003] + 1L))).multiply(anchor));
            min = min == null || v.compareTo(min) < 0 ? v : min;
        }
        return min;
    }

    static boolean[] refGreen(long seed, int vocab, double gamma) {
        int[] perm = TorchRandperm.randperm(new TorchMt19937(seed), vocab);
        boolean[] g = new boolean[vocab];
        for (int i = 0; i < (int) (vocab * gamma); i++) {
            g[perm[i]] = true;
        }
        return g;
    }

    static int[] randomIds(SplittableRandom r, int n, int vocab, int alphabet) {
        int[] a = new int[n];
        int[] alpha = new int[alphabet];
        for (int i = 0; i < alphabet; i++) {
            alpha[i] = r.nextInt(vocab);
        }
        for (int i = 0; i < n; i++) {
            a[i] = alphabet > 0 ? alpha[r.nextInt(alphabet)] : r.nextInt(vocab);
        }
        return a;
    }

    @Test
    void greenlistSizeIsPythonIntTruncation() {
        for (int v : VOCABS) {
            for (double g : new double[] {0.1, 0.25, 0.3, 0.5, 0.75, 0.9}) {
                int want = new java.math.BigDecimal(v * g).intValue(); // int() of the float64 product
                assertEquals(want, HfKgwCompat.of(v, g, 2.0, BigInteger.valueOf(KEY1), "lefthash", 1).greenlistSize(), v + " " + g);
                assertEquals(want, LmWatermarkingKgwCompat.of(v, g, 2.0, "simple_1").greenlistSize());
            }
        }
        assertEquals(12564, LmWatermarkingKgwCompat.of(50_257, 0.25, 2.0, "simple_1").greenlistSize());
        assertEquals(9600, HfKgwCompat.of(32_000, 0.3, 2.0, BigInteger.valueOf(KEY1), "lefthash", 1).greenlistSize()); // 9600.0 exactly
    }

    @Test
    void seedsMatchBigIntegerReference() {
        SplittableRandom r = new SplittableRandom(7);
        int[] origTable = KgwSeeding.fixedTable(KgwSeeding.ORIGINAL_TABLE_SEED);
        int negatives = 0;
        int total = 0;
        for (long key : new long[] {KEY1, KEY2, Long.MAX_VALUE, 1L}) {
            int[] hfTable = KgwSeeding.fixedTable(key);
            for (int cw : new int[] {1, 2, 4, 7}) {
                LmWatermarkingKgwCompat add = LmWatermarkingKgwCompat.of(256_000, 0.25, 2.0, "ff-additive_prf-" + cw + "-False-" + key);
                LmWatermarkingKgwCompat mh = LmWatermarkingKgwCompat.of(256_000, 0.25, 2.0, "ff-anchored_minhash_prf-" + cw + "-True-" + key);
                HfKgwCompat hfL = HfKgwCompat.of(256_000, 0.25, 2.0, BigInteger.valueOf(key), "lefthash", cw);
                HfKgwCompat hfS = HfKgwCompat.of(256_000, 0.25, 2.0, BigInteger.valueOf(key), "selfhash", cw);
                for (int t = 0; t < 40; t++) {
                    int[] ctx = randomIds(r, cw, 256_000, 0);
                    long sum = Arrays.stream(ctx).asLongStream().sum();
                    BigInteger addPrf = BigInteger.valueOf(key).multiply(BigInteger.valueOf(sum));
                    assertEquals(addPrf, add.prfKey(ctx));
                    assertEquals(pyModSeed(addPrf), add.manualSeed(ctx));
                    BigInteger mhPrf = refMinhash(key, origTable, ctx);
                    assertEquals(mhPrf, mh.prfKey(ctx));
                    assertEquals(pyModSeed(mhPrf), mh.manualSeed(ctx));
                    // HF lefthash: only the last id, whatever the width.
                    assertEquals(pyModSeed(BigInteger.valueOf(key).multiply(BigInteger.valueOf(ctx[cw - 1]))), hfL.manualSeed(ctx));
                    BigInteger hfPrf = refMinhash(key, hfTable, ctx);
                    assertEquals(pyModSeed(hfPrf), hfS.manualSeed(ctx));
                    negatives += hfPrf.signum() < 0 ? 1 : 0;
                    total++;
                }
            }
        }
        assertTrue(negatives > total / 10, "the wrapping-negative path must be exercised: " + negatives + "/" + total);
    }

    @Test
    void additiveSeedReducesBeforeTruncatingForHugeKeys() {
        // key * token >= 2^64 - 1: manual_seed gets (key * token) mod (2^64 - 1), not the low bits of the product.
        BigInteger key = TWO_64.subtract(BigInteger.valueOf(59)); // largest prime below 2^64, accepted by lefthash
        HfKgwCompat hf = HfKgwCompat.of(50_257, 0.25, 2.0, key, "lefthash", 1);
        LmWatermarkingKgwCompat orig = LmWatermarkingKgwCompat.of(50_257, 0.25, 2.0, "ff-additive_prf-1-False-" + key);
        BigInteger huge = new BigInteger("340282366920938463463374607431768211507"); // > 2^128: Python ints are unbounded
        LmWatermarkingKgwCompat origHuge = LmWatermarkingKgwCompat.of(50_257, 0.25, 2.0, "ff-additive_prf-2-False-" + huge);
        for (int tok : new int[] {0, 1, 2, 50_256, 12_345}) {
            long want = pyModSeed(key.multiply(BigInteger.valueOf(tok)));
            assertEquals(want, hf.manualSeed(new int[] {tok}));
            assertEquals(want, orig.manualSeed(new int[] {tok}));
            assertEquals(pyModSeed(huge.multiply(BigInteger.valueOf(tok + 7L))), origHuge.manualSeed(new int[] {7, tok}));
        }
    }

    @Test
    void hfLefthashWidth1EqualsOriginalAdditiveWidth1() {
        // cross_checks.json: identical greenlists for both keys, all V/gamma.
        SplittableRandom r = new SplittableRandom(11);
        for (int v : new int[] {32_000, 151_936}) {
            for (double g : new double[] {0.25, 0.5}) {
                for (long key : new long[] {KEY1, KEY2}) {
                    HfKgwCompat hf = HfKgwCompat.of(v, g, 2.0, BigInteger.valueOf(key), "lefthash", 1);
                    LmWatermarkingKgwCompat orig = LmWatermarkingKgwCompat.of(v, g, 2.0, "ff-additive_prf-1-False-" + key);
                    for (int t = 0; t < 3; t++) {
                        int[] ctx = {r.nextInt(v)};
                        assertArrayEquals(orig.greenlist(ctx), hf.greenlist(ctx));
                    }
                }
            }
        }
    }

    @Test
    void originalSelfhashDiffersFromHfSelfhashWidth4() {
        // cross_checks.json: 0 of 25 contexts identical (different table seed).
        SplittableRandom r = new SplittableRandom(12);
        LmWatermarkingKgwCompat orig = LmWatermarkingKgwCompat.of(50_257, 0.25, 2.0, "selfhash");
        HfKgwCompat hf = HfKgwCompat.of(50_257, 0.25, 2.0, BigInteger.valueOf(KEY1), "selfhash", 4);
        for (int t = 0; t < 5; t++) {
            int[] ctx = randomIds(r, 4, 50_257, 0);
            assertNotEquals(orig.manualSeed(ctx), hf.manualSeed(ctx));
        }
    }

    @Test
    void hfLefthashWidth4SeedsFromLastTokenOnly() {
        HfKgwCompat cw1 = HfKgwCompat.of(32_000, 0.25, 2.0, BigInteger.valueOf(KEY2), "lefthash", 1);
        HfKgwCompat cw4 = HfKgwCompat.of(32_000, 0.25, 2.0, BigInteger.valueOf(KEY2), "lefthash", 4);
        assertArrayEquals(cw1.greenlist(new int[] {999}), cw4.greenlist(new int[] {5, 6, 7, 999}));
        int[] tokens = randomIds(new SplittableRandom(3), 60, 32_000, 0);
        CompatResult r1 = cw1.detect(tokens, null, true);
        CompatResult r4 = cw4.detect(tokens, null, true);
        assertEquals(59.0, r1.upstream().get("num_tokens_scored"));
        assertEquals(56.0, r4.upstream().get("num_tokens_scored")); // ngrams of 5: the first 4 tokens are skipped
        for (int j = 0; j < 56; j++) {
            assertEquals(r1.perToken().get(j + 3).get("green"), r4.perToken().get(j).get("green"));
        }
    }

    /** lm-watermarking's _score_sequence written out from the spec, with full permutations. */
    static Map<String, Object> refOriginal(int vocab, double gamma, String prf, int cw, boolean self, long key,
                                           boolean ignoreRepeated, int[] tokens) {
        int n = cw + 1 - (self ? 1 : 0);
        int[] table = KgwSeeding.fixedTable(KgwSeeding.ORIGINAL_TABLE_SEED);
        Map<List<Integer>, Boolean> lookup = new LinkedHashMap<>();
        List<Boolean> flags = new ArrayList<>();
        for (int j = 0; j + n <= tokens.length; j++) {
            int[] ngram = Arrays.copyOfRange(tokens, j, j + n);
            int[] prefix = self ? ngram : Arrays.copyOf(ngram, n - 1);
            int[] ctx = Arrays.copyOfRange(prefix, prefix.length - cw, prefix.length);
            BigInteger p = prf.equals("additive_prf")
                    ? BigInteger.valueOf(key).multiply(BigInteger.valueOf(Arrays.stream(ctx).asLongStream().sum()))
                    : refMinhash(key, table, ctx);
            boolean green = refGreen(pyModSeed(p), vocab, gamma)[ngram[n - 1]];
            List<Integer> keyList = new ArrayList<>();
            for (int x : ngram) {
                keyList.add(x);
            }
            lookup.put(keyList, green);
            flags.add(green);
        }
        int t;
        int g;
        if (ignoreRepeated) {
            t = lookup.size();
            g = (int) lookup.values().stream().filter(b -> b).count();
        } else {
            t = flags.size();
            g = (int) flags.stream().filter(b -> b).count();
        }
        Map<String, Object> out = new HashMap<>();
        out.put("num_tokens_scored", t);
        out.put("num_green_tokens", g);
        out.put("z_score", (g - gamma * t) / Math.sqrt(t * gamma * (1 - gamma)));
        out.put("flags", flags);
        return out;
    }

    @Test
    void originalDetectorMatchesReferenceOnOtherConfigs() {
        SplittableRandom r = new SplittableRandom(99);
        Object[][] configs = {
            {32_000, 0.5, "simple_1", "additive_prf", 1, false, KEY1},
            {151_936, 0.1, "ff-additive_prf-2-False-" + KEY2, "additive_prf", 2, false, KEY2},
            {256_000, 0.25, "ff-anchored_minhash_prf-3-True-" + KEY2, "anchored_minhash_prf", 3, true, KEY2},
            {32_000, 0.75, "algorithm-3", "anchored_minhash_prf", 4, true, KEY1},
            {50_257, 0.5, "ff-anchored_minhash_prf-2-False-" + KEY1, "anchored_minhash_prf", 2, false, KEY1},
        };
        for (Object[] c : configs) {
            int v = (Integer) c[0];
            double gamma = (Double) c[1];
            for (boolean ignore : new boolean[] {false, true}) {
                Map<String, Object> root = profile(v, gamma, (String) c[2], ignore);
                LmWatermarkingKgwCompat compat = LmWatermarkingKgwCompat.fromProfile(root);
                for (int alphabet : new int[] {0, 4}) {
                    int[] tokens = randomIds(r, 40, v, alphabet);
                    Map<String, Object> ref = refOriginal(v, gamma, (String) c[3], (Integer) c[4], (Boolean) c[5], (Long) c[6], ignore, tokens);
                    CompatResult got = compat.detect(tokens, null, true);
                    String what = Arrays.toString(c) + " ignore=" + ignore + " alphabet=" + alphabet;
                    assertEquals(ref.get("num_tokens_scored"), got.upstream().get("num_tokens_scored"), what);
                    assertEquals(ref.get("num_green_tokens"), got.upstream().get("num_green_tokens"), what);
                    assertEquals((Double) ref.get("z_score"), (Double) got.upstream().get("z_score"), 1e-12, what);
                    List<?> flags = (List<?>) ref.get("flags");
                    for (int j = 0; j < flags.size(); j++) {
                        assertEquals(flags.get(j), got.perToken().get(j).get("green"), what + " j=" + j);
                    }
                }
            }
        }
    }

    static Map<String, Object> profile(int v, double gamma, String scheme, boolean ignore) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("seeding_scheme", scheme);
        config.put("gamma", gamma);
        Map<String, Object> det = new LinkedHashMap<>();
        det.put("ignore_repeated_ngrams", ignore);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", "lm-watermarking-kgw");
        root.put("vocab_size", v);
        root.put("config", config);
        root.put("detector", det);
        return root;
    }

    @Test
    void hfDetectorMatchesReferenceOnOtherConfigs() {
        SplittableRandom r = new SplittableRandom(5);
        for (int v : new int[] {32_000, 151_936}) {
            for (String scheme : new String[] {"lefthash", "selfhash"}) {
                for (int cw : new int[] {1, 3}) {
                    long key = cw == 1 ? KEY1 : KEY2;
                    HfKgwCompat compat = HfKgwCompat.of(v, 0.5, 2.0, BigInteger.valueOf(key), scheme, cw);
                    int[] table = KgwSeeding.fixedTable(key);
                    int[] tokens = randomIds(r, 30, v, 3);
                    boolean self = scheme.equals("selfhash");
                    int n = cw + 1 - (self ? 1 : 0);
                    int green = 0;
                    int t = 0;
                    CompatResult got = compat.detect(tokens, new int[0], true);
                    for (int j = 0; j + n <= tokens.length; j++) {
                        int[] ngram = Arrays.copyOfRange(tokens, j, j + n);
                        int[] prefix = self ? ngram : Arrays.copyOf(ngram, n - 1);
                        long seed = self ? pyModSeed(refMinhash(key, table, prefix))
                                : pyModSeed(BigInteger.valueOf(key).multiply(BigInteger.valueOf(prefix[prefix.length - 1])));
                        boolean g = refGreen(seed, v, 0.5)[ngram[n - 1]];
                        assertEquals(g, got.perToken().get(j).get("green"));
                        green += g ? 1 : 0;
                        t++;
                    }
                    double z = (green - 0.5 * t) / Math.sqrt(t * 0.5 * 0.5);
                    assertEquals((double) t, got.upstream().get("num_tokens_scored"));
                    assertEquals((double) green, got.upstream().get("num_green_tokens"));
                    assertEquals(z, (Double) got.upstream().get("z_score"), 1e-12);
                    assertEquals(HfKgwCompat.hfPValue(z), got.upstream().get("p_value"));
                }
            }
        }
    }

    @Test
    void hfPValueApproximationFacts() {
        assertEquals(0.5, HfKgwCompat.hfPValue(0.0));
        assertEquals(0.0, HfKgwCompat.hfPValue(7.6)); // exp(-2 z^2/pi) < 2^-53: 1 - e rounds to 1
        assertTrue(HfKgwCompat.hfPValue(7.5) > 0.0);
        assertEquals(1.0, HfKgwCompat.hfPValue(-9.0));
        // It is not the normal tail: at z = 3 the normal tail is 1.35e-3, HF gives 1.8e-3.
        assertEquals(0.5 * Math.exp(-2 * 9 / Math.PI), HfKgwCompat.hfPValue(3.0), 1e-15);
    }

    @Test
    void promptGivesContextButIsNotScored() {
        HfKgwCompat hf = HfKgwCompat.of(32_000, 0.25, 2.0, BigInteger.valueOf(KEY1), "selfhash", 4);
        int[] all = randomIds(new SplittableRandom(8), 50, 32_000, 0);
        int[] prompt = Arrays.copyOf(all, 20);
        int[] gen = Arrays.copyOfRange(all, 20, 50);
        CompatResult whole = hf.detect(all, null, true);
        CompatResult part = hf.detect(gen, prompt, true);
        assertEquals(30.0, part.upstream().get("num_tokens_scored"));
        for (int j = 0; j < 30; j++) {
            assertEquals(whole.perToken().get(j + 17).get("green"), part.perToken().get(j).get("green"));
            assertEquals(j, part.perToken().get(j).get("index"));
        }
        assertEquals(30, part.evidence().numTokens());
    }

    @Test
    void bosIsStrippedWhenConfigured() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", "hf-kgw");
        root.put("vocab_size", 32_000);
        root.put("config", new LinkedHashMap<>(Map.of("seeding_scheme", "lefthash")));
        root.put("detector", new LinkedHashMap<>(Map.of("bos_token_id", 1)));
        HfKgwCompat withBos = HfKgwCompat.fromProfile(root);
        HfKgwCompat plain = HfKgwCompat.of(32_000, 0.25, 2.0, BigInteger.valueOf(KEY1), "lefthash", 1);
        int[] body = randomIds(new SplittableRandom(4), 20, 32_000, 0);
        int[] withLeading = new int[21];
        withLeading[0] = 1;
        System.arraycopy(body, 0, withLeading, 1, 20);
        assertEquals(plain.detect(body, null, false).upstream(), withBos.detect(withLeading, null, false).upstream());
    }
}
