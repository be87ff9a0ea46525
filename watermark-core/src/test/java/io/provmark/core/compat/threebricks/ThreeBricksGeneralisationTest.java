package io.provmark.core.compat.threebricks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.torch.TorchMt19937;
import io.provmark.core.compat.torch.TorchRandperm;
import io.provmark.core.profile.ProfileException;
import io.provmark.core.stats.LogTails;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.commons.numbers.gamma.Erfc;
import org.junit.jupiter.api.Test;

/** Configurations beyond the public files, against references written from the spec. */
class ThreeBricksGeneralisationTest {
    static final ObjectMapper M = new ObjectMapper();
    static final BigInteger MOD = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    @SuppressWarnings("unchecked")
    static ThreeBricksCompat of(String json) {
        try {
            return ThreeBricksCompat.fromProfile(M.readValue(json.replace('\'', '"'), Map.class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static long refSeed(BigInteger seed, BigInteger salt, int[] window) {
        BigInteger s = seed;
        for (int t : window) {
            s = s.multiply(salt).add(BigInteger.valueOf(t)).mod(MOD); // Python's % is non-negative
        }
        return s.longValue();
    }

    @Test
    void windowSeedsMatchPythonIntegers() {
        SplittableRandom r = new SplittableRandom(1);
        String[][] keys = {{"42", "35317"}, {"0", "35317"}, {"-5", "35317"}, {"18446744073709551615", "-7"},
            {"123456789012345678901234567890", "18446744073709551614"}};
        for (String[] k : keys) {
            ThreeBricksCompat c = of("{'scheme':'three-bricks','vocab_size':50257,'config':{'method':'openai','ngram':4,"
                    + "'seed':" + k[0] + ",'salt_key':" + k[1] + "}}");
            for (int t = 0; t < 50; t++) {
                int[] w = {r.nextInt(50257), r.nextInt(50257), r.nextInt(50257), r.nextInt(50257)};
                assertEquals(refSeed(new BigInteger(k[0]), new BigInteger(k[1]), w), c.windowSeed(w, 0, 4), String.join(",", k));
            }
        }
    }

    @Test
    void marylandAndOpenaiScoresMatchFullDraws() {
        SplittableRandom r = new SplittableRandom(2);
        ThreeBricksCompat md = of("{'scheme':'three-bricks','vocab_size':50257,'config':{'method':'maryland','ngram':4,'seed':42,'gamma':0.25},"
                + "'detector':{'payload_max':6}}");
        ThreeBricksCompat oa = of("{'scheme':'three-bricks','vocab_size':50257,'config':{'method':'openai','ngram':4,'seed':42},"
                + "'detector':{'payload_max':3}}");
        for (int t = 0; t < 20; t++) {
            long seed = r.nextLong();
            int token = t < 3 ? 50_256 - t : r.nextInt(50_257); // payload ids wrap around the vocabulary
            int[] perm = TorchRandperm.randperm(new TorchMt19937(seed), 50_257);
            Set<Integer> green = new HashSet<>();
            for (int i = 0; i < (int) (0.25 * 50_257); i++) {
                green.add(perm[i]);
            }
            float[] ms = md.tokenScores(seed, token);
            for (int p = 0; p <= 6; p++) {
                assertEquals(green.contains((token + p) % 50_257) ? 1f : 0f, ms[p]);
            }
            float[] rs = new TorchMt19937(seed).rand(50_257);
            float[] os = oa.tokenScores(seed, token);
            for (int p = 0; p <= 3; p++) {
                assertEquals((float) -Math.log(1 - (double) rs[(token + p) % 50_257]), os[p]);
            }
        }
    }

    @Test
    void pValueFormulas() {
        ThreeBricksCompat md = of("{'scheme':'three-bricks','vocab_size':32000,'config':{'method':'maryland','ngram':1,'gamma':0.1}}");
        ThreeBricksCompat mz = of("{'scheme':'three-bricks','vocab_size':32000,'config':{'method':'marylandz','ngram':1,'gamma':0.1}}");
        ThreeBricksCompat oa = of("{'scheme':'three-bricks','vocab_size':32000,'config':{'method':'openai','ngram':1}}");
        ThreeBricksCompat oz = of("{'scheme':'three-bricks','vocab_size':32000,'config':{'method':'openaiz','ngram':1}}");
        assertTrue(Double.isNaN(md.pValue(0, 40))); // betainc(0, ...) is NaN, and max(NaN, eps) stays NaN
        assertEquals(Math.exp(LogTails.binomialLogSurvival(40, 9, 0.1)), md.pValue(9, 40), 1e-15);
        assertEquals(1e-200, md.pValue(300, 300)); // 1e-300 floored
        assertTrue(Double.isNaN(md.pValue(41, 40))); // b = 1 + N - S <= 0
        double z = (9 - 0.1 * 40) / Math.sqrt(0.1 * 0.9 * 40);
        assertEquals(0.5 * Erfc.value(z / Math.sqrt(2)), mz.pValue(9, 40));
        assertEquals(1.0, oa.pValue(0, 40));
        assertEquals(Math.exp(LogTails.gammaLogSurvival(40, 55.5)), oa.pValue(55.5, 40), 1e-15);
        assertTrue(Double.isNaN(oa.pValue(0, 0)));
        double zo = (55.5 / 40 - 1) / ((Math.PI / Math.sqrt(6)) / Math.sqrt(40));
        assertEquals(0.5 * Erfc.value(zo / Math.sqrt(2)), oz.pValue(55.5, 40));
    }

    @Test
    void scoringMethodsAndPromptConvention() {
        ThreeBricksCompat none = of("{'scheme':'three-bricks','vocab_size':1000,'config':{'method':'maryland','ngram':2,'gamma':0.5}}");
        ThreeBricksCompat v1 = of("{'scheme':'three-bricks','vocab_size':1000,'config':{'method':'maryland','ngram':2,'gamma':0.5},"
                + "'detector':{'scoring_method':'v1'}}");
        ThreeBricksCompat v2 = of("{'scheme':'three-bricks','vocab_size':1000,'config':{'method':'maryland','ngram':2,'gamma':0.5},"
                + "'detector':{'scoring_method':'v2'}}");
        int[] tokens = {1, 2, 3, 1, 2, 4, 1, 2, 3, 1, 2, 3};
        // positions 3..11 scored (position ngram = 2 never); windows (1,2) repeat with targets 4 and 3.
        assertEquals(9, none.detect(tokens, null, false).upstream().get("num_scored"));
        Set<List<Integer>> w = new HashSet<>();
        Set<List<Integer>> wt = new HashSet<>();
        for (int cur = 3; cur < tokens.length; cur++) {
            w.add(List.of(tokens[cur - 2], tokens[cur - 1]));
            wt.add(List.of(tokens[cur - 2], tokens[cur - 1], tokens[cur]));
        }
        assertEquals(w.size(), v1.detect(tokens, null, false).upstream().get("num_scored"));
        assertEquals(wt.size(), v2.detect(tokens, null, false).upstream().get("num_scored"));
        // With a prompt, positions inside it are context only.
        CompatResult part = none.detect(new int[] {1, 2, 3, 1, 2, 3}, new int[] {1, 2, 3, 1, 2, 4}, true);
        assertEquals(6, part.upstream().get("num_scored"));
        assertEquals(0, part.perToken().get(0).get("index"));
        // exact evidence counts each (seed, token) pair once: (1,2)->3 and (2,3)->1 and (3,1)->2 repeat
        assertTrue(part.evidence().numScored() < 6);
    }

    @Test
    void payloadDecodingAsMainEval() {
        ThreeBricksCompat c = of("{'scheme':'three-bricks','vocab_size':32000,'config':{'method':'openai','ngram':1},"
                + "'detector':{'payload_max':4}}");
        int[] tokens = new int[60];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(32000);
        }
        Map<String, Object> up = c.detect(tokens, null, false).upstream();
        @SuppressWarnings("unchecked")
        List<Double> all = (List<Double>) up.get("p_values");
        int best = 0;
        for (int j = 1; j < all.size(); j++) {
            best = all.get(j) < all.get(best) ? j : best;
        }
        assertEquals(best, up.get("payload"));
        double p = all.get(best);
        double adj = p > Math.min(1.0 / 5, 1e-5) ? 1 - Math.pow(1 - p, 5) : 5 * p;
        assertEquals(adj, (Double) up.get("p_value"));
    }

    static void rejects(String json, String field) {
        ProfileException e = assertThrows(ProfileException.class, () -> of(json));
        assertEquals(field, e.field(), e.getMessage());
        assertFalse(e.getMessage().contains("987654321"), "key leaked: " + e.getMessage());
    }

    @Test
    void profileRejections() {
        String pre = "{'scheme':'three-bricks','vocab_size':32000,'config':{";
        rejects(pre + "'ngram':2}}", "config.method");
        rejects(pre + "'method':'openainp','ngram':2}}", "config.method");
        rejects(pre + "'method':'openai'}}", "config.ngram");
        rejects(pre + "'method':'openai','ngram':0}}", "config.ngram");
        rejects(pre + "'method':'openai','ngram':2,'seeding':'additive'}}", "config.seeding");
        rejects(pre + "'method':'openai','ngram':2,'seed':'987654321'}}", "config.seed");
        rejects(pre + "'method':'openai','ngram':2,'seed':987654321.5}}", "config.seed");
        rejects(pre + "'method':'openai','ngram':2,'gamma':0.25}}", "config.gamma");
        rejects(pre + "'method':'maryland','ngram':2,'gamma':1.5}}", "config.gamma");
        rejects(pre + "'method':'maryland','ngram':2,'hash_key':35317}}", "config.hash_key");
        rejects(pre + "'method':'openai','ngram':2},'detector':{'scoring_method':'v3'}}", "detector.scoring_method");
        rejects(pre + "'method':'openai','ngram':2},'detector':{'payload_max':-1}}", "detector.payload_max");
        rejects(pre + "'method':'openai','ngram':2},'detector':{'aggregation':'max'}}", "detector.aggregation");
        rejects("{'scheme':'three-bricks','config':{'method':'openai','ngram':2}}", "vocab_size");
        ThreeBricksCompat ok = of(pre + "'method':'openai','ngram':2,'seed':987654321}}");
        assertFalse(ok.toString().contains("987654321"));
    }
}
