package io.provmark.core.compat.vllm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.compat.CompatResult;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.scheme.Sampling;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The algorithms generalise beyond the vectors' configurations: generation with the embedder under
 * other keys, vocabulary sizes (32000, 50257, 151936, 256000) and context widths is found by the
 * upstream-faithful detector, wrong keys are not, and the invariants of the spec hold.
 *
 * <p>All randomness is seeded, so every assertion is deterministic; the thresholds are chosen so
 * that, were the seeds redrawn, a false failure would be rare (stated per assertion).
 */
class VllmEmbedderTest {

    static Map<String, Object> profile(int vocab, String json) {
        return VllmVectors.profile(vocab, VllmVectors.json(json), null);
    }

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of(32000, "{\"key\":1234567890123,\"algorithm\":\"gumbel\",\"context_width\":3}"),
                Arguments.of(50257, "{\"key\":18446744073709551615,\"algorithm\":\"gumbel\",\"context_width\":1}"),
                Arguments.of(151936, "{\"key\":5,\"algorithm\":\"dual_key_gumbel\",\"alpha\":0.3,\"context_width\":2}"),
                Arguments.of(256000, "{\"key\":99,\"algorithm\":\"dual_key_gumbel\",\"alpha\":0.5}"),
                Arguments.of(32000, "{\"key\":8888,\"algorithm\":\"sbw\",\"context_width\":4}"),
                Arguments.of(151936, "{\"key\":4242424242,\"algorithm\":\"sbw\",\"context_width\":2,\"sbw_gamma\":0.25,\"sbw_delta\":3.0}"),
                Arguments.of(50257, "{\"key\":31337,\"algorithm\":\"red_green\",\"context_width\":2,\"gamma\":0.5}"),
                Arguments.of(256000, "{\"key\":271828,\"algorithm\":\"red_green\",\"context_width\":6}"),
                Arguments.of(32000, "{\"key\":161803,\"algorithm\":\"synthid\",\"context_width\":3,\"depth\":8}"),
                // the historical HMAC PRF costs one HMAC per token and step: a small vocabulary
                Arguments.of(2048, "{\"key\":7,\"prf\":\"hmac_sha256\",\"context_width\":2}"));
    }

    /**
     * 80 tokens from a Zipf(1.0) model (about 2.5-4 nats per step) through the embedder. Watermarked:
     * upstream p_value <= 1e-4 and evidence ln p <= ln 1e-4 (every scheme's expected p-value here is
     * below 1e-12). Wrong key: upstream p_value > 1e-4 (false failure 1e-4 under the null; the SBW
     * normal approximation is close to uniform at n = 80).
     */
    @ParameterizedTest(name = "{index}: V={0} {1}")
    @MethodSource("configurations")
    void embedderOutputIsDetectedAndWrongKeyIsNot(int vocab, String config) {
        VllmDetector det = VllmCompat.fromProfile(profile(vocab, config));
        ZipfLogitsModel model = new ZipfLogitsModel(vocab, 1.0, 2);
        int[] tokens = new Generator(model, 1.0).generate(det.embedder(), new int[0], 80, 20240611L + vocab);
        CompatResult r = det.detect(tokens, new int[0], false);
        double p = (Double) r.upstream().get("p_value");
        assertTrue(p <= 1e-4, config + ": p_value " + p);
        assertEquals(true, r.upstream().get("is_watermarked"));
        assertTrue(r.evidence().lnPValue() <= Math.log(1e-4), config + ": ln p " + r.evidence().lnPValue());

        VllmConfig wrong = det.config().algorithm() == VllmConfig.Algorithm.GUMBEL && det.config().prf() == VllmConfig.PrfName.HMAC_SHA256
                ? null : det.config().withKey(det.config().key() ^ 1);
        if (wrong != null) {
            CompatResult w = VllmDetector.of(wrong).detect(tokens, new int[0], false);
            assertTrue((Double) w.upstream().get("p_value") > 1e-4, config + ": wrong key p " + w.upstream().get("p_value"));
        }
    }

    /** vLLM's SBW lefthash bug: its own detector misses its own output; the evidence (generator seeding) finds it. */
    @Test
    void lefthashUpstreamDetectorMissesGeneratorOutput() {
        int vocab = 32000;
        VllmDetector det = VllmCompat.fromProfile(profile(vocab, "{\"key\":42,\"algorithm\":\"sbw\",\"sbw_scheme\":\"lefthash\"}"));
        int[] tokens = new Generator(new ZipfLogitsModel(vocab, 1.0, 2), 1.0).generate(det.embedder(), new int[0], 300, 77L);
        CompatResult r = det.detect(tokens, new int[0], true);
        // upstream: a mismatched key in effect, p ~ U(0,1); > 1e-3 fails with probability 1e-3 under that null
        assertTrue((Double) r.upstream().get("p_value") > 1e-3, "upstream p " + r.upstream().get("p_value"));
        assertTrue(r.evidence().log10PValue() < -20, "evidence log10 p " + r.evidence().log10PValue());
        // with the detector's seeding the evidence agrees with upstream's miss
        Map<String, Object> root = VllmVectors.profile(vocab, VllmVectors.json(
                "{\"key\":42,\"algorithm\":\"sbw\",\"sbw_scheme\":\"lefthash\"}"),
                VllmVectors.json("{\"evidence_lefthash_seeding\":\"detector\"}"));
        assertTrue(VllmCompat.fromProfile(root).detect(tokens, new int[0], false).evidence().log10PValue() > -3);
    }

    /** With single_turn and an unbounded history, generation skips exactly the positions the detector skips. */
    @Test
    void generationAndDetectionDedupAlign() {
        for (int width : new int[] {1, 2, 4}) {
            for (String alg : new String[] {"gumbel", "sbw"}) {
                int vocab = 64; // small, low-entropy fixture so that contexts repeat
                VllmDetector det = VllmCompat.fromProfile(profile(vocab, "{\"key\":11,\"algorithm\":\"" + alg
                        + "\",\"context_width\":" + width + ",\"deduplicate_contexts_max_history\":null}"));
                VllmGenerator g = det.embedder().generator();
                ZipfLogitsModel model = new ZipfLogitsModel(vocab, 2.0, 1);
                SplittableRandom rnd = new SplittableRandom(width * 31L + alg.length());
                int n = 200;
                int[] ids = new int[n];
                float[] logits = new float[vocab];
                VllmGenerator.Trace trace = new VllmGenerator.Trace();
                for (int i = 0; i < n; i++) {
                    model.logits(ids, i, logits);
                    double r = rnd.nextDouble();
                    ids[i] = g.next(ids, 0, i, logits, new VllmGenerator.Sampler() {
                        @Override
                        public int sample(float[] l, int k) {
                            return Sampling.sampleSoftmax(l, k, r);
                        }

                        @Override
                        public boolean routeToKeyB(float pA) {
                            return pA <= r;
                        }
                    }, trace);
                }
                assertTrue(trace.dedupSkips > 0, "fixture should repeat contexts");
                assertEquals(n - trace.dedupSkips, det.detectUpstream(ids).numScoredTokens(), alg + " W=" + width);
            }
        }
    }

    /** Pruned Gumbel argmax equals the exhaustive one, including ties, -inf and NaN logits. */
    @Test
    void prunedGumbelArgmaxEqualsExhaustive() {
        SplittableRandom rnd = new SplittableRandom(5);
        int vocab = 1003;
        VllmGenerator g = VllmCompat.fromProfile(profile(vocab, "{\"key\":77}")).embedder().generator();
        VllmPrf prf = VllmPrf.philox(77);
        for (int trial = 0; trial < 300; trial++) {
            float[] logits = new float[vocab];
            double scale = new double[] {0.01, 1, 5, 40}[trial % 4];
            for (int i = 0; i < vocab; i++) {
                logits[i] = (float) (rnd.nextGaussian() * scale);
                if (trial % 7 == 0 && i % 3 == 0) {
                    logits[i] = Float.NEGATIVE_INFINITY;
                }
                if (trial % 11 == 0 && i % 5 == 0) {
                    logits[i] = Float.NaN;
                }
                if (trial % 13 == 0) {
                    logits[i] = Math.round(logits[i]); // many equal logits
                }
            }
            int[] ctx = {rnd.nextInt(vocab), rnd.nextInt(vocab), -1, trial};
            VllmPrf.Context c = prf.absorb(ctx, 0, 4);
            assertEquals(g.gumbelArgmaxNaive(c, logits), g.gumbelArgmax(c, logits), "trial " + trial);
        }
    }

    /** The candidate form with every token as candidate equals the full-vocabulary step; biasLogits agrees with step. */
    @Test
    void candidateFormAndBiasLogitsAgreeWithStep() {
        int vocab = 4099;
        for (String cfg : new String[] {"{\"key\":3}", "{\"key\":3,\"algorithm\":\"dual_key_gumbel\",\"alpha\":0.4}",
                "{\"key\":3,\"algorithm\":\"sbw\"}", "{\"key\":3,\"algorithm\":\"red_green\"}",
                "{\"key\":3,\"algorithm\":\"synthid\",\"depth\":4}"}) {
            VllmEmbedder e = VllmCompat.embedder(profile(vocab, cfg));
            ZipfLogitsModel model = new ZipfLogitsModel(vocab, 1.2, 2);
            SplittableRandom rnd = new SplittableRandom(9);
            int[] ids = new int[40];
            int[] all = new int[vocab];
            for (int i = 0; i < vocab; i++) {
                all[i] = i;
            }
            float[] logits = new float[vocab];
            for (int i = 0; i < ids.length; i++) {
                model.logits(ids, i, logits);
                double r = rnd.nextDouble();
                int a = e.step(ids, i, logits.clone(), r);
                int b = e.step(ids, i, all, logits.clone(), vocab, r);
                assertEquals(a, b, cfg + " step " + i);
                float[] biased = logits.clone();
                e.biasLogits(ids, i, biased);
                if (cfg.equals("{\"key\":3}")) {
                    int finite = 0;
                    for (float f : biased) {
                        finite += f > Float.NEGATIVE_INFINITY ? 1 : 0;
                    }
                    // a fresh context leaves one token; a repeated one leaves the logits alone
                    assertTrue(finite == 1 && biased[a] == 0f || Arrays.equals(biased, logits), cfg + " bias " + i);
                } else if (!cfg.contains("dual")) {
                    assertEquals(Sampling.sampleSoftmax(biased, vocab, r), a, cfg + " bias " + i);
                }
                ids[i] = a;
            }
        }
    }

    /** SBW invariants: green fraction of the vocabulary, oldest context token ignored, key 0 context-free, greedy works. */
    @Test
    void sbwInvariants() {
        long threshold = Sbw.threshold(0.5);
        assertEquals(1073741823L, threshold);
        assertEquals(0, Sbw.hash(-1));
        for (int vocab : new int[] {32000, 50257, 151936, 256000}) {
            int[] ctx = {17, 4, 99, 1234};
            int green = 0;
            for (int v = 0; v < vocab; v++) {
                long seed = Sbw.selfhashSeed(42, ctx, 0, 4, v);
                assertEquals(seed, Sbw.selfhashSeed(42, new int[] {vocab - 1, 4, 99, 1234}, 0, 4, v), "oldest entry ignored");
                green += Sbw.green(Sbw.word(seed, v), threshold) ? 1 : 0;
            }
            // Binomial(V, ~1/2): |dev| > 6 sd has probability 2e-9
            double sd = Math.sqrt(vocab * 0.25);
            assertEquals(vocab * Sbw.nullGreenProbability(threshold), green, 6 * sd, "V=" + vocab);
        }
        int[] a = {1, 2, 3, 4};
        int[] b = {9, 8, 7, 6};
        for (int v = 0; v < 100; v++) {
            assertEquals(0, Sbw.selfhashSeed(0, a, 0, 4, v));
            assertEquals(Sbw.selfhashSeed(0, a, 0, 4, v), Sbw.selfhashSeed(0, b, 0, 4, v));
        }
        // lefthash: generator (raw sum) and detector (hashed sum) seeds differ
        assertNotEquals(Sbw.lefthashGeneratorSeed(42, a, 0, 4), Sbw.lefthashDetectorSeed(42, a, 0, 4));
    }

    /** Red-green: the green list is the tokens with float32 u < float32 gamma; its size is ~ gamma·V. */
    @Test
    void redGreenGreenListSize() {
        for (int vocab : new int[] {32000, 50257, 151936, 256000}) {
            for (double gamma : new double[] {0.1, 0.25, 0.5}) {
                VllmPrf prf = VllmPrf.philox(1000 + vocab);
                int[] w = new int[vocab];
                prf.absorb(new int[] {5, -1, 7, vocab - 1}, 0, 4).words(vocab, w);
                int green = 0;
                for (int x : w) {
                    green += VllmPrf.uniform(x) < (float) gamma ? 1 : 0;
                }
                double p0 = VllmDetector.redGreenNullProbability((float) gamma);
                double sd = Math.sqrt(vocab * p0 * (1 - p0));
                assertEquals(vocab * p0, green, 6 * sd, "V=" + vocab + " gamma=" + gamma); // 6 sd: 2e-9
            }
        }
    }

    /** Contexts exclude the prompt: with a prompt the generation equals the prompt-free one when logits ignore the prompt. */
    @Test
    void promptNeverEntersTheContext() {
        int vocab = 32000;
        VllmEmbedder e = VllmCompat.embedder(profile(vocab, "{\"key\":21,\"context_width\":4}"));
        int[] prompt = {5, 6, 7, 8, 9, 10};
        float[] logits = new float[vocab];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) rnd.nextGaussian();
        }
        int[] plain = new int[20];
        int[] withPrompt = Arrays.copyOf(prompt, prompt.length + 20);
        VllmEmbedder ep = e.withPromptLength(prompt.length);
        for (int i = 0; i < 20; i++) {
            plain[i] = e.step(plain, i, logits, 0.5);
            withPrompt[prompt.length + i] = ep.step(withPrompt, prompt.length + i, logits, 0.5);
        }
        assertArrayEquals(plain, Arrays.copyOfRange(withPrompt, prompt.length, withPrompt.length));
    }

    /** Dual-key: alpha 0 is key A's Gumbel, alpha 1 key B's; derived keys follow the spec's examples. */
    @Test
    void dualKeyDerivationAndExtremes() {
        long[][] ex = {{0, Long.parseUnsignedLong("15691511769010696906"), Long.parseUnsignedLong("9736202488081271922")},
                {42, 37150756557148556L, Long.parseUnsignedLong("15826636237805488045")},
                {1L << 32, Long.parseUnsignedLong("9864452095710749384"), Long.parseUnsignedLong("10834826187781349534")},
                {-1L, Long.parseUnsignedLong("11075965703501209888"), Long.parseUnsignedLong("7399018451426338514")},
                {7, Long.parseUnsignedLong("3490214442843822077"), Long.parseUnsignedLong("7720047515392181251")}};
        for (long[] e : ex) {
            assertEquals(e[1], DualKeys.derive(e[0], DualKeys.KEY_A));
            assertEquals(e[2], DualKeys.derive(e[0], DualKeys.KEY_B));
        }
        int vocab = 50257;
        long keyA = DualKeys.derive(42, DualKeys.KEY_A);
        VllmEmbedder dual0 = VllmCompat.embedder(profile(vocab, "{\"key\":42,\"algorithm\":\"dual_key_gumbel\",\"alpha\":0}"));
        VllmEmbedder gumbelA = VllmCompat.embedder(profile(vocab, "{\"key\":" + Long.toUnsignedString(keyA) + "}"));
        ZipfLogitsModel model = new ZipfLogitsModel(vocab, 1.0, 2);
        assertArrayEquals(new Generator(model, 1.0).generate(gumbelA, new int[0], 30, 3),
                new Generator(model, 1.0).generate(dual0, new int[0], 30, 3));
        assertFalse(VllmGenerator.routingProbabilityA(0.1) > 0.9f + 1e-6f);
    }
}
