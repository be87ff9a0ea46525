package io.provmark.core.compat.threebricks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.torch.VectorFiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reproduces the public Three Bricks vectors (three_bricks/*). */
class ThreeBricksVectorsTest {
    private static final double REL = 1e-9;

    static ThreeBricksCompat compat(JsonNode h, String scoring, int payloadMax) {
        String cls = h.get("detector_class").asText();
        String method = cls.replace("Detector", "").toLowerCase();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("method", method);
        config.put("ngram", h.get("ngram").intValue());
        config.put("seed", h.get("seed").intValue());
        config.put("seeding", h.get("seeding").asText());
        config.put("salt_key", h.get("salt_key").intValue());
        if (method.startsWith("maryland")) {
            config.put("gamma", h.get("gamma").doubleValue());
        }
        Map<String, Object> det = new LinkedHashMap<>();
        det.put("scoring_method", scoring);
        det.put("payload_max", payloadMax);
        det.put("pvalue_eps", h.get("pvalue_eps").doubleValue());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", "three-bricks");
        root.put("vocab_size", h.get("vocab_size").intValue());
        root.put("config", config);
        root.put("detector", det);
        return ThreeBricksCompat.fromProfile(root);
    }

    static void close(double want, double got, double rel, String what) {
        if (Double.isNaN(want)) {
            assertTrue(Double.isNaN(got), what + ": want NaN, got " + got);
            return;
        }
        if (want == got) {
            return;
        }
        assertTrue(Math.abs(want - got) <= rel * Math.max(Math.abs(want), Math.abs(got)), what + ": want " + want + ", got " + got);
    }

    @ParameterizedTest
    @ValueSource(strings = {"three_bricks_maryland_v32000_n2_s0_g0.25.json", "three_bricks_openai_v32000_n2_s0.json"})
    @SuppressWarnings("unchecked")
    void vectorFile(String file) {
        JsonNode v = VectorFiles.read("three_bricks/" + file);
        boolean openai = v.get("detector_class").asText().startsWith("Openai");
        ThreeBricksCompat base = compat(v, "none", 0);
        for (JsonNode g : v.get("pvalue_grid")) {
            close(g.get("pvalue").doubleValue(), base.pValue(g.get("score").doubleValue(), g.get("ntoks").intValue()),
                    REL, file + " grid " + g);
        }
        int ulpMismatch = 0;
        int scoresSeen = 0;
        for (JsonNode s : v.get("sequences")) {
            int[] tokens = VectorFiles.ints(s.get("tokens"));
            String name = file + " " + s.get("name").asText();
            JsonNode ws = s.get("window_seeds");
            int ngram = v.get("ngram").intValue();
            for (int j = 0; j < ws.size(); j++) {
                int cur = ngram + 1 + j;
                assertEquals(ws.get(j).asText(), Long.toUnsignedString(base.windowSeed(tokens, cur - ngram, cur)), name + " seed " + j);
            }
            for (String key : new String[] {"scoring_none", "scoring_v1", "scoring_v2", "scoring_v2_payload_max_4"}) {
                if (!s.has(key)) {
                    continue;
                }
                JsonNode want = s.get(key);
                String scoring = key.equals("scoring_v2_payload_max_4") ? "v2" : key.substring("scoring_".length());
                int pm = key.endsWith("max_4") ? 4 : 0;
                ThreeBricksCompat c = compat(v, scoring, pm);
                CompatResult r = c.detect(tokens, new int[0], true);
                String what = name + " " + key;
                Map<String, Object> up = r.upstream();
                assertEquals(want.get("num_scored").intValue(), up.get("num_scored"), what);
                // Token scores: Maryland exactly; Openai's float32 log differs by <= 1 ulp between torch builds.
                JsonNode ts = want.get("token_scores_float32");
                for (int i = 0; i < ts.size(); i++) {
                    List<Double> got = (List<Double>) r.perToken().get(i).get("scores");
                    for (int j = 0; j < ts.get(i).size(); j++) {
                        float w = (float) ts.get(i).get(j).doubleValue();
                        float g = got.get(j).floatValue();
                        int d = Math.abs(Float.floatToIntBits(w) - Float.floatToIntBits(g));
                        scoresSeen++;
                        if (d != 0) {
                            ulpMismatch++;
                        }
                        assertTrue(openai ? d <= 2 : d == 0, what + " token score " + i + "," + j + " want " + w + " got " + g);
                    }
                }
                JsonNode means = want.get("aggregate_mean");
                JsonNode pvs = want.get("pvalues");
                if (pm == 0) {
                    close(means.get(0).doubleValue(), (Double) up.get("score"), openai ? 1e-6 : 0, what + " mean");
                    close(pvs.get(0).doubleValue(), (Double) up.get("p_value"), openai ? 1e-4 : REL, what + " p");
                } else {
                    List<Double> all = (List<Double>) up.get("p_values");
                    for (int j = 0; j < pvs.size(); j++) {
                        close(pvs.get(j).doubleValue(), all.get(j), openai ? 1e-4 : REL, what + " p[" + j + "]");
                    }
                }
                assertTrue(r.evidence().numScored() <= (Integer) up.get("num_scored"));
            }
        }
        System.out.println(file + ": token scores differing from torch by 1-2 ulp: " + ulpMismatch + " / " + scoresSeen);
    }
}
