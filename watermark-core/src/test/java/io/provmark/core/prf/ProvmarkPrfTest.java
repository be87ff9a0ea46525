package io.provmark.core.prf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.gumbel.GumbelScheme;
import io.provmark.core.scheme.redgreen.RedGreenScheme;
import io.provmark.core.scheme.synthid.SynthIdScheme;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.commons.statistics.distribution.BinomialDistribution;
import org.apache.commons.statistics.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

class ProvmarkPrfTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private static final String[] DOMAINS = {"red-green", "gumbel", "synthid"};
    private static final int[] VOCABS = {32000, 50257, 131072};

    private static WatermarkKey testKey1() {
        return new WatermarkKey("public-test-key-1", PrfVectors.counting(32), 0);
    }

    private static WatermarkKey randomKey(SplittableRandom rnd, int bytes) {
        byte[] b = new byte[bytes];
        rnd.nextBytes(b);
        return new WatermarkKey("k-test-" + Integer.toHexString(rnd.nextInt() & 0xFFFF), b, 0);
    }

    // ---- (a) committed vectors --------------------------------------------------------------

    private static String resourceVectors() throws IOException {
        try (InputStream in = ProvmarkPrfTest.class.getResourceAsStream("/prf/prf-vectors.json")) {
            assertNotNull(in, "test resource prf/prf-vectors.json is missing");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void committedVectorsEqualWhatTheCodeComputesNow() throws IOException {
        JsonNode committed = JSON.readTree(resourceVectors());
        JsonNode now = JSON.readTree(PrfVectors.json());
        // a failure here means provmark-prf-v1 changed: that breaks every existing watermark and
        // report; bump the PRF id instead of regenerating the vectors
        assertEquals(committed, now, "provmark-prf-v1 output differs from docs/spec/prf-vectors.json");
    }

    @Test
    void docsCopyOfVectorsIsIdenticalToTheTestResource() throws IOException {
        // surefire runs in the module directory; the spec copy lives at the repository root
        Path docs = Path.of("..", "docs", "spec", "prf-vectors.json");
        if (Files.exists(docs)) {
            assertEquals(resourceVectors().replace("\r\n", "\n"),
                    Files.readString(docs, StandardCharsets.UTF_8).replace("\r\n", "\n"),
                    "docs/spec/prf-vectors.json and src/test/resources/prf/prf-vectors.json differ");
        }
    }

    @Test
    void vectorsAreReproducedByTheIndependentImplementationAndTheSchemes() throws Exception {
        JsonNode doc = JSON.readTree(resourceVectors());
        long threshold = doc.path("green").path("threshold").asLong();
        assertEquals(1L << 30, threshold);
        int checked = 0;
        for (JsonNode k : doc.path("keys")) {
            String id = k.path("key_id").asText();
            assertTrue(id.startsWith("public-test-key-"), id);
            byte[] material = HEX.parseHex(k.path("key_hex").asText());
            WatermarkKey key = new WatermarkKey(id, material, 0);
            for (JsonNode d : k.path("domains")) {
                String domain = d.path("domain").asText();
                Ref ref = new Ref(material, domain);
                assertEquals(d.path("k_ctx_hex").asText(), HEX.formatHex(ref.kCtx));
                assertEquals(d.path("k_tok_hex").asText(), HEX.formatHex(ref.kTok));
                for (JsonNode e : d.path("left_hash")) {
                    int[] ctx = ints(e.path("context"));
                    assertEquals(e.path("seed_hex").asText(), HEX.formatHex(ref.leftHashSeed(ctx, 0, ctx.length)));
                    checked++;
                }
                for (JsonNode e : d.path("self_hash").path("h")) {
                    assertEquals(e.path("h_hex").asText(), String.format("%016x", ref.selfHash(e.path("token").asInt())));
                }
                for (JsonNode e : d.path("self_hash").path("seeds")) {
                    long s = Long.parseUnsignedLong(e.path("s_hex").asText(), 16);
                    assertEquals(e.path("seed_hex").asText(), HEX.formatHex(ref.selfHashSeed(s)));
                }
                for (JsonNode tab : d.path("words")) {
                    byte[] seed = HEX.parseHex(tab.path("seed_hex").asText());
                    for (JsonNode e : tab.path("tokens")) {
                        int w = ref.word(seed, e.path("token").asInt());
                        assertEquals(e.path("word").asLong(), w & 0xFFFFFFFFL);
                        assertEquals(e.path("green").asBoolean(), (w & 0xFFFFFFFFL) < threshold);
                        checked++;
                    }
                }
                checkSchemeWiring(key, domain, d);
            }
        }
        assertTrue(checked > 100, "too few vectors checked: " + checked);
    }

    /** The schemes pass their own name as the PRF domain and seed exactly as the spec says. */
    private static void checkSchemeWiring(WatermarkKey key, String domain, JsonNode d) {
        int vocab = 131072;
        int[] ctx = {1, 2, 3, 4, 5, 6, 7};
        JsonNode leftTable = null;
        JsonNode selfTable = null;
        for (JsonNode tab : d.path("words")) {
            if (tab.path("seed_from").asText().equals("left_hash " + Arrays.toString(ctx))) {
                leftTable = tab;
            } else if (tab.path("seed_from").asText().startsWith("self_hash")) {
                selfTable = tab;
            }
        }
        assertNotNull(leftTable, "vectors lack the words table for context " + Arrays.toString(ctx));
        Profile p;
        switch (domain) {
            case "red-green":
                p = new Profile(domain, new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH), ProvmarkPrf.ID,
                        ctx.length, "none", vocab, key.id(), DedupRule.PRF_INPUT, false, -1);
                break;
            case "gumbel":
                p = new Profile(domain, new GumbelParams(0), ProvmarkPrf.ID, ctx.length, "none", vocab, key.id(),
                        DedupRule.PRF_INPUT, false, -1);
                break;
            default:
                p = new Profile(domain, new SynthIdParams(30, SynthIdParams.defaultWeights(30), SynthIdParams.Score.MEAN, 0),
                        ProvmarkPrf.ID, ctx.length, "none", vocab, key.id(), DedupRule.PRF_INPUT, false, -1);
                break;
        }
        Object scheme = Schemes.create(p, key);
        for (JsonNode e : leftTable.path("tokens")) {
            int t = e.path("token").asInt();
            if (t >= vocab) {
                continue;
            }
            int[] seq = Arrays.copyOf(ctx, ctx.length + 1);
            seq[ctx.length] = t;
            int w;
            if (scheme instanceof RedGreenScheme) {
                RedGreenScheme rg = (RedGreenScheme) scheme;
                w = rg.wordAt(seq, 0, ctx.length);
                assertEquals(e.path("green").asBoolean(), rg.isGreen(w));
                assertEquals(0.25, rg.greenProbability());
            } else if (scheme instanceof GumbelScheme) {
                w = ((GumbelScheme) scheme).wordAt(seq, 0, ctx.length);
                assertEquals(e.path("gumbel_bits").asText(),
                        String.format("%016x", Double.doubleToRawLongBits(GumbelScheme.gumbel(w))));
                assertEquals(Double.parseDouble(e.path("score_dec").asText()), GumbelScheme.score(w), 1e-15);
            } else {
                SynthIdScheme s = (SynthIdScheme) scheme;
                w = s.wordAt(seq, 0, ctx.length);
                assertEquals(Integer.bitCount(w & ((1 << 30) - 1)), s.gValue(w)); // g_l = bit l, l < depth
            }
            assertEquals(e.path("word").asLong(), w & 0xFFFFFFFFL, domain + " token " + t);
        }
        if (domain.equals("red-green")) {
            assertNotNull(selfTable, "vectors lack the self-hash words table");
            Profile sp = new Profile(domain, new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.SELF_HASH),
                    ProvmarkPrf.ID, 1, "none", vocab, key.id(), DedupRule.PRF_INPUT, false, -1);
            RedGreenScheme rg = (RedGreenScheme) Schemes.create(sp, key);
            ProvmarkPrf prf = new ProvmarkPrf(key, domain);
            long h42 = prf.selfHashValue(42);
            int used = 0;
            for (JsonNode e : selfTable.path("tokens")) {
                int t = e.path("token").asInt();
                // the table is seeded with H(42): it applies to t whenever H(t) >= H(42) (42 is the min)
                if (t < vocab && Long.compareUnsigned(prf.selfHashValue(t), h42) >= 0) {
                    assertEquals(e.path("word").asLong(), rg.wordAt(new int[] {42, t}, 0, 1) & 0xFFFFFFFFL);
                    used++;
                }
            }
            assertTrue(used >= 2, "self-hash wiring checked on too few tokens: " + used);
        }
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }

    @Test
    void sci17MatchesCPrintfStyle() {
        assertEquals("5.0000000000000000e-01", PrfVectors.sci17(0.5));
        // the double nearest 0.1 is 0.1000000000000000055511...: 17 digits show it (as C and Python do)
        assertEquals("1.0000000000000001e-01", PrfVectors.sci17(0.1));
        assertEquals("-3.3333333333333331e-01", PrfVectors.sci17(-1.0 / 3));
        assertEquals("1.2345000000000000e+02", PrfVectors.sci17(123.45));
        // exact value of 2^-33 is 1.16415321826934814453125e-10: the 17th digit rounds half-even
        assertEquals("1.1641532182693481e-10", PrfVectors.sci17(0x1.0p-33));
    }

    // ---- (b) independent re-implementation with the JDK's stock AES modes -------------------

    /** Straight from docs/spec/prf.md, with AES/CTR and AES/CBC as any library offers them. */
    static final class Ref {
        final byte[] kCtx;
        final byte[] kTok;

        Ref(byte[] material, String domain) throws GeneralSecurityException {
            kCtx = hmac(material, "provmark-prf-v1:ctx:" + domain);
            kTok = hmac(material, "provmark-prf-v1:tok:" + domain);
        }

        private static byte[] hmac(byte[] k, String label) throws GeneralSecurityException {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(k, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.US_ASCII));
        }

        private byte[] cbcMac(byte[] msg) throws GeneralSecurityException {
            Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kCtx, "AES"), new IvParameterSpec(new byte[16]));
            byte[] ct = c.doFinal(msg);
            return Arrays.copyOfRange(ct, ct.length - 16, ct.length);
        }

        byte[] leftHashSeed(int[] ids, int from, int to) throws GeneralSecurityException {
            int h = to - from;
            int len = (4 * (1 + h) + 15) / 16 * 16;
            ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(h);
            for (int i = from; i < to; i++) {
                b.putInt(ids[i]);
            }
            return Arrays.copyOf(cbcMac(b.array()), 12);
        }

        long selfHash(int token) throws GeneralSecurityException {
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0xFFFFFFFE).putInt(token);
            return ByteBuffer.wrap(cbcMac(b.array())).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        }

        byte[] selfHashSeed(long s) throws GeneralSecurityException {
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0xFFFFFFFD).putLong(s);
            return Arrays.copyOf(cbcMac(b.array()), 12);
        }

        /** Keystream bytes [offset, offset + n) of AES-256-CTR, nonce = seed, counter block 0 first. */
        byte[] keystream(byte[] seed, long blockOffset, int n) throws GeneralSecurityException {
            byte[] iv = Arrays.copyOf(seed, 16);
            ByteBuffer.wrap(iv).order(ByteOrder.BIG_ENDIAN).putInt(12, (int) blockOffset);
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kTok, "AES"), new IvParameterSpec(iv));
            return c.doFinal(new byte[n]);
        }

        int[] words(byte[] seed, int vocab) throws GeneralSecurityException {
            ByteBuffer ks = ByteBuffer.wrap(keystream(seed, 0, 4 * vocab)).order(ByteOrder.LITTLE_ENDIAN);
            int[] out = new int[vocab];
            for (int t = 0; t < vocab; t++) {
                out[t] = ks.getInt(4 * t);
            }
            return out;
        }

        int word(byte[] seed, int token) throws GeneralSecurityException {
            byte[] blk = keystream(seed, token >>> 2, 16);
            return ByteBuffer.wrap(blk).order(ByteOrder.LITTLE_ENDIAN).getInt(4 * (token & 3));
        }
    }

    @Test
    void agreesWithIndependentImplementationOnRandomKeysContextsAndVocabs() throws Exception {
        SplittableRandom rnd = new SplittableRandom(0x5EEDL);
        for (int round = 0; round < 6; round++) {
            // 32- and 64-byte keys: HMAC must treat longer keys the same way here and there
            WatermarkKey key = randomKey(rnd, round % 2 == 0 ? 32 : 64);
            String domain = DOMAINS[round % 3];
            int vocab = VOCABS[round % 3];
            ProvmarkPrf prf = new ProvmarkPrf(key, domain);
            Ref ref = new Ref(key.material(), domain);
            for (int c = 0; c < 8; c++) {
                // contexts inside a longer array, so from > 0 is exercised; lengths cross block borders
                int h = c == 7 ? ProvmarkPrf.MAX_CONTEXT_WIDTH : rnd.nextInt(0, 14);
                int[] ids = new int[h + 5];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = rnd.nextInt(vocab);
                }
                int from = rnd.nextInt(0, 6);
                int to = Math.min(ids.length, from + h);
                byte[] seed = new byte[ProvmarkPrf.SEED_BYTES];
                prf.leftHashSeed(ids, from, to, seed);
                assertArrayEquals(ref.leftHashSeed(ids, from, to), seed, "left-hash seed, h=" + (to - from));

                int[] full = new int[vocab];
                prf.words(seed, vocab, full);
                assertArrayEquals(ref.words(seed, vocab), full, "full-vocab words, vocab=" + vocab);

                int n = 1 + rnd.nextInt(300);
                int[] cand = new int[n];
                for (int i = 0; i < n; i++) {
                    cand[i] = rnd.nextInt(vocab);
                }
                cand[0] = vocab - 1;
                cand[n - 1] = cand[0]; // duplicates are allowed
                int[] cw = new int[n];
                prf.words(seed, cand, n, cw);
                for (int i = 0; i < n; i++) {
                    assertEquals(full[cand[i]], cw[i], "candidate word of token " + cand[i]);
                    assertEquals(full[cand[i]], prf.word(seed, cand[i]), "single word of token " + cand[i]);
                }
                for (int t : new int[] {0, 1, 2, 3, 4, vocab - 1}) {
                    assertEquals(ref.word(seed, t), prf.word(seed, t));
                }
            }
            long[] table = prf.selfHashTable(1000);
            for (int t = 0; t < 1000; t += 37) {
                assertEquals(ref.selfHash(t), table[t]);
                assertEquals(ref.selfHash(t), prf.selfHashValue(t));
            }
            for (long s : new long[] {0L, 1L, -1L, rnd.nextLong(), table[5]}) {
                byte[] seed = new byte[ProvmarkPrf.SEED_BYTES];
                prf.selfHashSeed(s, seed);
                assertArrayEquals(ref.selfHashSeed(s), seed);
            }
        }
    }

    @Test
    void seedBufferMayBeLongerThanTwelveBytes() {
        // the schemes pass a 16-byte scratch seed: only its first 12 bytes may matter
        ProvmarkPrf prf = new ProvmarkPrf(testKey1(), "red-green");
        byte[] s12 = new byte[12];
        byte[] s16 = new byte[16];
        Arrays.fill(s16, (byte) 0x5A);
        prf.leftHashSeed(new int[] {5, 6}, 0, 2, s12);
        prf.leftHashSeed(new int[] {5, 6}, 0, 2, s16);
        assertArrayEquals(s12, Arrays.copyOf(s16, 12));
        int[] a = new int[100];
        int[] b = new int[100];
        prf.words(s12, 100, a);
        prf.words(s16, 100, b);
        assertArrayEquals(a, b);
        assertEquals(prf.word(s12, 77), prf.word(s16, 77));
    }

    @Test
    void contextLengthOutsideLimitsIsRejected() {
        ProvmarkPrf prf = new ProvmarkPrf(testKey1(), "gumbel");
        byte[] seed = new byte[12];
        int[] ids = new int[ProvmarkPrf.MAX_CONTEXT_WIDTH + 2];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> prf.leftHashSeed(ids, 0, ProvmarkPrf.MAX_CONTEXT_WIDTH + 1, seed));
        assertTrue(e.getMessage().contains("context length"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> prf.leftHashSeed(ids, 3, 2, seed));
        assertThrows(IllegalArgumentException.class, () -> new ProvmarkPrf(testKey1(), ""));
    }

    @Test
    void concurrentUseGivesTheSameWordsAsSingleThreadedUse() throws Exception {
        ProvmarkPrf prf = new ProvmarkPrf(testKey1(), "synthid");
        int vocab = 32000;
        int[][] expected = new int[16][vocab];
        byte[][] seeds = new byte[16][12];
        for (int i = 0; i < 16; i++) {
            prf.leftHashSeed(new int[] {i, i + 1}, 0, 2, seeds[i]);
            prf.words(seeds[i], vocab, expected[i]);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int job = 0; job < 32; job++) {
                int i = job % 16;
                results.add(pool.submit(() -> {
                    byte[] seed = new byte[12];
                    prf.leftHashSeed(new int[] {i, i + 1}, 0, 2, seed);
                    int[] w = new int[vocab];
                    prf.words(seed, vocab, w);
                    return Arrays.equals(seeds[i], seed) && Arrays.equals(expected[i], w);
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- (c) uniform ends ----------------------------------------------------------------

    @Test
    void uniformIsStrictlyInsideTheUnitIntervalAtBothEnds() {
        double lo = ProvmarkPrf.uniform(0);
        double hi = ProvmarkPrf.uniform(0xFFFFFFFF);
        assertEquals(0x1.0p-33, lo);
        assertEquals(1.0 - 0x1.0p-33, hi);
        assertTrue(lo > 0.0 && lo < 1.0);
        assertTrue(hi > 0.0 && hi < 1.0);
        // 1 - u is exact too, so neither end loses precision
        assertEquals(1.0 - 0x1.0p-33, ProvmarkPrf.oneMinusUniform(0));
        assertEquals(0x1.0p-33, ProvmarkPrf.oneMinusUniform(0xFFFFFFFF));
        for (int w : new int[] {0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF}) {
            assertEquals(1.0, ProvmarkPrf.uniform(w) + ProvmarkPrf.oneMinusUniform(w), 0.0);
            assertTrue(Double.isFinite(GumbelScheme.gumbel(w)), "gumbel(" + w + ")");
            assertTrue(Double.isFinite(GumbelScheme.score(w)) && GumbelScheme.score(w) > 0, "score(" + w + ")");
        }
        // extremes of the Gumbel noise: -ln(-ln 2^-33) and -ln(2^-33 (1 + 2^-34)) (approx.)
        assertEquals(-Math.log(33 * Math.log(2)), GumbelScheme.gumbel(0), 1e-12);
        assertEquals(33 * Math.log(2), GumbelScheme.gumbel(0xFFFFFFFF), 1e-9);
        assertEquals(33 * Math.log(2), GumbelScheme.score(0xFFFFFFFF), 1e-12);
    }

    // ---- (d) uniformity ------------------------------------------------------------------

    /**
     * Chi-square threshold at the 1e-6 upper quantile of chi-square(63): with a correct PRF the
     * statistic exceeds it with probability 1e-6 for a random key. The key and seed are fixed, so
     * the test is deterministic; that 1e-6 is the chance that the fixed choice was unlucky.
     */
    private static final double CHI2_63_UPPER_1E6 = ChiSquaredDistribution.of(63).inverseSurvivalProbability(1e-6);

    private static double chiSquare(long[] counts, double expected) {
        double x = 0;
        for (long c : counts) {
            x += (c - expected) * (c - expected) / expected;
        }
        return x;
    }

    @Test
    void wordsAcrossAVocabularyAreUniform() {
        assertTrue(CHI2_63_UPPER_1E6 > 120 && CHI2_63_UPPER_1E6 < 135, "quantile " + CHI2_63_UPPER_1E6);
        ProvmarkPrf prf = new ProvmarkPrf(testKey1(), "red-green");
        byte[] seed = new byte[12];
        prf.leftHashSeed(new int[] {314, 159}, 0, 2, seed);
        int n = 1 << 16;
        int[] w = new int[n];
        prf.words(seed, n, w);
        long[] high = new long[64];
        long[] low = new long[64];
        for (int x : w) {
            high[x >>> 26]++; // red-green and Gumbel depend on the high bits
            low[x & 63]++;    // SynthID's first layers are the low bits
        }
        // two tests: joint false-failure probability <= 2e-6
        double xHigh = chiSquare(high, n / 64.0);
        double xLow = chiSquare(low, n / 64.0);
        assertTrue(xHigh < CHI2_63_UPPER_1E6, "high-bit chi-square " + xHigh + " >= " + CHI2_63_UPPER_1E6);
        assertTrue(xLow < CHI2_63_UPPER_1E6, "low-bit chi-square " + xLow + " >= " + CHI2_63_UPPER_1E6);
    }

    // ---- (e) domain and key separation ---------------------------------------------------

    /**
     * Two independent word vectors of length 2^16 agree on the top bit in Binomial(2^16, 1/2)
     * positions; the acceptance band is the central 1 - 1e-7 of that law (false failure 1e-7 per
     * comparison, 6 comparisons: <= 6e-7). Equal full words have probability 2^-32 each, so
     * "no equal word" falsely fails with probability <= 6 * 2^16 * 2^-32 < 1e-4.
     */
    @Test
    void differentDomainsAndKeysGiveUnrelatedWords() throws Exception {
        int n = 1 << 16;
        BinomialDistribution agree = BinomialDistribution.of(n, 0.5);
        int lowBound = agree.inverseCumulativeProbability(0.5e-7);
        int highBound = agree.inverseSurvivalProbability(0.5e-7);
        WatermarkKey k1 = testKey1();
        WatermarkKey k2 = new WatermarkKey("public-test-key-2", PrfVectors.digest("SHA-256", "provmark test key 2"), 0);
        List<int[]> vectors = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int[] ctx = {11, 22};
        for (WatermarkKey k : new WatermarkKey[] {k1, k2}) {
            for (String domain : new String[] {"red-green", "gumbel"}) {
                ProvmarkPrf prf = new ProvmarkPrf(k, domain);
                byte[] seed = new byte[12];
                prf.leftHashSeed(ctx, 0, 2, seed);
                int[] w = new int[n];
                prf.words(seed, n, w);
                vectors.add(w);
                names.add(k.id() + "/" + domain);
            }
        }
        for (int a = 0; a < vectors.size(); a++) {
            for (int b = a + 1; b < vectors.size(); b++) {
                int[] x = vectors.get(a);
                int[] y = vectors.get(b);
                int same = 0;
                int equalWords = 0;
                for (int i = 0; i < n; i++) {
                    same += ((x[i] ^ y[i]) >>> 31) == 0 ? 1 : 0;
                    equalWords += x[i] == y[i] ? 1 : 0;
                }
                String pair = names.get(a) + " vs " + names.get(b);
                assertTrue(same >= lowBound && same <= highBound,
                        pair + ": top bits agree in " + same + " of " + n + " (band " + lowBound + ".." + highBound + ")");
                assertEquals(0, equalWords, pair + ": identical words");
            }
        }
        // the same seed bytes under another domain also give other words (the token subkey differs)
        byte[] seed = HEX.parseHex("000102030405060708090a0b");
        assertNotEquals(new ProvmarkPrf(k1, "red-green").word(seed, 7), new ProvmarkPrf(k1, "synthid").word(seed, 7));
        // and the context subkey differs per domain
        byte[] s1 = new byte[12];
        byte[] s2 = new byte[12];
        new ProvmarkPrf(k1, "red-green").leftHashSeed(ctx, 0, 2, s1);
        new ProvmarkPrf(k1, "synthid").leftHashSeed(ctx, 0, 2, s2);
        assertFalse(Arrays.equals(s1, s2));
    }

    @Test
    void toStringNamesKeyIdButNoKeyMaterial() {
        WatermarkKey k = testKey1();
        String s = new ProvmarkPrf(k, "gumbel").toString();
        assertTrue(s.contains("public-test-key-1") && s.contains(ProvmarkPrf.ID), s);
        assertFalse(s.contains(HEX.formatHex(k.material())), s);
        assertFalse(s.contains(java.util.Base64.getEncoder().encodeToString(k.material())), s);
    }
}
