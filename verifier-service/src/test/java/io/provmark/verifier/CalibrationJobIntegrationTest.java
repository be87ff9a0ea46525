package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.text.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calibration jobs: the realised false-positive rate on a human corpus is measured with core
 * Calibration, stored as the profile's latest calibration and cited by the next reports.
 */
class CalibrationJobIntegrationTest {
    @TempDir
    Path tmp;

    /** Unwatermarked documents from the Zipf model stand in for human text (token ids, extra fields ignored). */
    private static String corpus(int docs, int len) {
        Generator g = new Generator(new ZipfLogitsModel(Harness.VOCAB, 1.0, 1), 1.0);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < docs; i++) {
            int[] t = g.generate(null, new int[] {i % 1000}, len, 5000 + i);
            sb.append("{\"id\":\"h").append(i).append("\",\"source\":\"zipf\",\"tokens\":")
                    .append(Arrays.toString(t).replace(" ", "")).append("}\n");
        }
        return sb.toString();
    }

    /** Harness with a 1 MiB upload limit (a corpus is bigger than the default test limit of 64 KiB). */
    private static Harness start(Path data, int workers) throws Exception {
        Harness h = new Harness(data);
        VerifierConfig c = Harness.config(data, workers);
        c.maxUploadBytes = 1024 * 1024;
        h.server = VerifierServer.start(c);
        h.admin = Files.readString(h.server.bootstrapTokenFile()).trim();
        return h;
    }

    private static String body(String kind, String caseId, String ev, String profileId) {
        return "{\"kind\":\"" + kind + "\",\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + ev + "\",\"profileId\":\""
                + profileId + "\"}";
    }

    private static JsonNode runJob(Harness h, String kind, String caseId, String ev, String profileId) throws Exception {
        String id = h.ok(201, h.call("POST", "/api/jobs", h.admin, body(kind, caseId, ev, profileId))).get("id").asText();
        JsonNode j = h.waitForJob(id, "done", "failed");
        assertEquals("done", j.get("state").asText(), j.toString());
        Path dir = h.dataDir.resolve("reports").resolve(id);
        ReportVerifier.Result v = ReportVerifier.verify(dir);
        assertTrue(v.ok(), v.failure());
        return Harness.JSON.readTree(Files.readAllBytes(dir.resolve(ReportFiles.REPORT)));
    }

    @Test
    void calibrationIsStoredAndCitedByLaterReports() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = start(data, 1)) {
            String profileId = h.createProfile();
            String caseId = h.createCase(h.admin);
            String suspect = h.uploadEvidence(caseId, h.admin, h.watermarkedJsonl(1, 100));
            JsonNode before = runJob(h, "detect", caseId, suspect, profileId);
            assertEquals("detect", before.get("kind").asText());
            assertFalse(before.get("calibration").get("measured").asBoolean(), before.get("calibration").toString());

            JsonNode ev = h.ok(201, h.call("POST", "/api/cases/" + caseId + "/evidence?kind=corpus&name=human.jsonl",
                    h.admin, corpus(200, 100)));
            assertEquals(200, ev.get("records").asInt());
            String corpusSha = ev.get("sha256").asText();
            JsonNode cal = runJob(h, "calibrate", caseId, ev.get("id").asText(), profileId);
            assertEquals("calibrate", cal.get("kind").asText());
            JsonNode c = cal.get("calibration");
            assertTrue(c.get("measured").asBoolean());
            assertEquals(cal.get("job").get("id").asText(), c.get("job_id").asText());
            assertEquals(corpusSha, c.get("corpus").get("sha256").asText());
            assertEquals(200, c.get("corpus").get("documents").asInt());
            assertEquals(20000, c.get("corpus").get("tokens").asInt());
            assertEquals(h.keyset().primary().fingerprint(), c.get("key_fingerprint").asText());
            JsonNode levels = c.get("overall").get("levels");
            assertEquals(3, levels.size());
            assertEquals(0.01, levels.get(0).get("alpha").asDouble());
            assertEquals(0.001, levels.get(1).get("alpha").asDouble());
            assertEquals(0.0001, levels.get(2).get("alpha").asDouble());
            // 200 unwatermarked documents: rejections at alpha = 0.01 ~ Binomial(200, <= 0.01) (the exact discrete
            // test is conservative); P(X >= 11) < 1e-5, so this fails falsely with probability below 1e-5.
            assertTrue(levels.get(0).get("rejections").asInt() <= 10, levels.toString());
            assertTrue(levels.get(0).get("ci_lower").asDouble() <= levels.get(0).get("ci_upper").asDouble());
            assertEquals(5, c.get("buckets").size());
            assertEquals(200, cal.get("results").size());

            JsonNode after = runJob(h, "detect", caseId, suspect, profileId);
            JsonNode cited = after.get("calibration");
            assertTrue(cited.get("measured").asBoolean(), cited.toString());
            assertEquals(c.get("job_id").asText(), cited.get("job_id").asText());
            assertEquals(corpusSha, cited.get("corpus").get("sha256").asText());
            assertEquals(c.get("overall"), cited.get("overall"));

            // a second profile (same key, other parameters) has no calibration of its own
            Profile other = Profile.defaults("gumbel", h.keyset().primaryId(), "none", Harness.VOCAB);
            String otherId = h.ok(201, h.call("POST", "/api/profiles", h.admin, "{\"name\":\"g\",\"profile\":"
                    + ProfileJson.write(other) + "}")).get("id").asText();
            assertFalse(runJob(h, "detect", caseId, suspect, otherId).get("calibration").get("measured").asBoolean());
        }
    }

    @Test
    void textCorpusIsTokenizedWithTheProfileTokenizerOrFailsVisibly() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = new Harness(data).start(1)) {
            String caseId = h.createCase(h.admin);
            String text = "{\"id\":1,\"text\":\"The committee met on Tuesday to discuss the budget.\",\"genre\":\"news\"}\n"
                    + "{\"id\":2,\"text\":\"She walked to the station and waited for the late train home.\"}\n";
            String ev = h.ok(201, h.call("POST", "/api/cases/" + caseId + "/evidence?kind=corpus", h.admin, text))
                    .get("id").asText();
            // tokenizer none: the job fails with a reason naming the problem
            String noneId = h.createProfile();
            String failed = h.ok(201, h.call("POST", "/api/jobs", h.admin, body("calibrate", caseId, ev, noneId)))
                    .get("id").asText();
            JsonNode f = h.waitForJob(failed, "failed", "done");
            assertEquals("failed", f.get("state").asText());
            assertTrue(f.get("error").asText().contains("no tokenizer"), f.toString());

            int vocab = Tokenizers.byId("cl100k_base").vocabSize();
            Profile p = Profile.defaults("red-green", h.keyset().primaryId(), "cl100k_base", vocab);
            String pid = h.ok(201, h.call("POST", "/api/profiles", h.admin, "{\"name\":\"cl\",\"profile\":"
                    + ProfileJson.write(p) + "}")).get("id").asText();
            JsonNode c = runJob(h, "calibrate", caseId, ev, pid).get("calibration");
            assertEquals(2, c.get("corpus").get("documents").asInt());
            assertTrue(c.get("corpus").get("tokens").asInt() >= 20, c.toString());
        }
    }

    @Test
    void badCorpusIsRejectedAtIntakeAndWrongKindsAreRefused() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = new Harness(data).start(0)) {
            String profileId = h.createProfile();
            String caseId = h.createCase(h.admin);
            for (String[] bad : new String[][] {
                {"{\"id\":1}\n", "exactly one of"},
                {"{\"text\":\"a\",\"tokens\":[1]}\n", "exactly one of"},
                {"{\"tokens\":[1,-2]}\n", "non-negative"},
                {"{\"text\":5}\n", "must be a string"},
                {"[1,2]\n", "expected a JSON object"},
                {"\n\n", "no documents"}}) {
                Harness.Resp r = h.call("POST", "/api/cases/" + caseId + "/evidence?kind=corpus", h.admin, bad[0]);
                assertEquals(400, r.status(), r.text());
                assertTrue(r.json().get("error").asText().contains(bad[1]), r.text());
            }
            assertEquals(0, h.ok(200, h.call("GET", "/api/cases/" + caseId + "/evidence", h.admin, (byte[]) null))
                    .get("evidence").size());
            String corpusEv = h.ok(201, h.call("POST", "/api/cases/" + caseId + "/evidence?kind=corpus", h.admin,
                    corpus(3, 10))).get("id").asText();
            Harness.Resp r = h.call("POST", "/api/jobs", h.admin, body("detect", caseId, corpusEv, profileId));
            assertEquals(422, r.status(), r.text());
            r = h.call("POST", "/api/jobs", h.admin, body("attribute", caseId, corpusEv, profileId));
            assertEquals(422, r.status(), r.text());
            r = h.call("POST", "/api/jobs", h.admin, "{\"kind\":\"calibrate\",\"caseId\":\"" + caseId + "\",\"evidenceId\":\""
                    + corpusEv + "\",\"profileId\":\"" + profileId + "\",\"options\":{\"controls\":3}}");
            assertEquals(400, r.status(), r.text());
        }
    }
}
