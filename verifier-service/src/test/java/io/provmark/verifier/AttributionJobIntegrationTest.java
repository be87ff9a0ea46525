package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Schemes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attribution jobs end to end over real HTTP and a real database: a keyset of three cohort keys
 * (fixed material, so every run is the same experiment), answers of the built-in Zipf teacher
 * watermarked with cohort B's key, unwatermarked answers, crash recovery and cancel while running.
 */
class AttributionJobIntegrationTest {
    private static final int VOCAB = 1000;
    @TempDir
    static Path keysDir;
    private static Path keysetFile;
    private static Keyset keyset;
    private static WatermarkKey keyA;
    private static WatermarkKey keyB;

    @TempDir
    Path tmp;

    @BeforeAll
    static void keys() throws Exception {
        SplittableRandom r = new SplittableRandom(20260607L);
        List<WatermarkKey> ks = new ArrayList<>();
        for (String id : List.of("cohort-a", "cohort-b", "cohort-c")) {
            byte[] m = new byte[32];
            r.nextBytes(m);
            ks.add(new WatermarkKey(id, m, 0L));
        }
        keyset = new Keyset("cohort-a", ks);
        keyA = ks.get(0);
        keyB = ks.get(1);
        keysetFile = keysDir.resolve("cohorts.pmk");
        KeysetFile.write(keysetFile, keyset, Harness.PASSPHRASE);
    }

    private static Harness start(Path data, int workers, long maxUpload) throws Exception {
        Harness h = new Harness(data);
        VerifierConfig c = Harness.config(data, workers);
        c.keyset = keysetFile;
        c.maxUploadBytes = maxUpload;
        h.server = VerifierServer.start(c);
        h.admin = Files.readString(h.server.bootstrapTokenFile()).trim();
        return h;
    }

    private static Profile profile() {
        return Profile.defaults("red-green", keyA.id(), "none", VOCAB);
    }

    private static String createProfile(Harness h) throws Exception {
        return h.ok(201, h.call("POST", "/api/profiles", h.admin, "{\"name\":\"cohorts\",\"profile\":"
                + ProfileJson.write(profile()) + "}")).get("id").asText();
    }

    /** n answers of len tokens after an 8-token random prompt; watermarked with key, or not when key is null. */
    static String answers(WatermarkKey key, int n, int len, long seed) {
        Embedder emb = key == null ? null : Schemes.create(profile().withKeyId(key.id()), key).embedder();
        Generator g = new Generator(new ZipfLogitsModel(VOCAB, 1.0, 1), 1.0);
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int[] prompt = new int[8];
            for (int k = 0; k < prompt.length; k++) {
                prompt[k] = r.nextInt(VOCAB);
            }
            int[] t = g.generate(emb, prompt, len, seed * 1_000_003L + i);
            sb.append("{\"id\":\"a").append(i).append("\",\"prompt_tokens\":").append(ints(prompt))
                    .append(",\"tokens\":").append(ints(t)).append("}\n");
        }
        return sb.toString();
    }

    private static String ints(int[] a) {
        return Arrays.toString(a).replace(" ", "");
    }

    static String jobBody(String caseId, String evidenceId, String profileId, String options) {
        return "{\"kind\":\"attribute\",\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + evidenceId + "\",\"profileId\":\""
                + profileId + "\"" + (options == null ? "" : ",\"options\":" + options) + "}";
    }

    private static JsonNode report(Path data, String jobId) throws Exception {
        Path dir = data.resolve("reports").resolve(jobId);
        ReportVerifier.Result v = ReportVerifier.verify(dir);
        assertTrue(v.ok(), v.failure());
        return Harness.JSON.readTree(Files.readAllBytes(dir.resolve(ReportFiles.REPORT)));
    }

    /** The PDF's text with line breaks folded, so a sentence can be found whole. */
    private static String pdfText(Path data, String jobId) throws Exception {
        byte[] pdf = Files.readAllBytes(data.resolve("reports").resolve(jobId).resolve(ReportFiles.PDF));
        try (org.apache.pdfbox.pdmodel.PDDocument doc = org.apache.pdfbox.Loader.loadPDF(pdf)) {
            return new org.apache.pdfbox.text.PDFTextStripper().getText(doc).replaceAll("\\s+", " ");
        }
    }

    @Test
    void attributesTheCohortWhoseKeyTheAnswersCarryAndNotCleanAnswers() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = start(data, 1, 256 * 1024)) {
            String researcher = h.token("researcher");
            String profileId = createProfile(h);
            String caseId = h.createCase(h.admin);
            String marked = h.uploadEvidence(caseId, researcher, answers(keyB, 30, 100, 11));
            String clean = h.uploadEvidence(caseId, researcher, answers(null, 30, 100, 12));
            String opts = "{\"controls\":20,\"controlSeed\":99}";
            JsonNode j1 = h.ok(201, h.call("POST", "/api/jobs", researcher, jobBody(caseId, marked, profileId, opts)));
            assertEquals("attribute", j1.get("kind").asText());
            String cleanJob = h.ok(201, h.call("POST", "/api/jobs", researcher, jobBody(caseId, clean, profileId, opts)))
                    .get("id").asText();
            JsonNode done = h.waitForJob(j1.get("id").asText(), "done", "failed");
            assertEquals("done", done.get("state").asText(), done.toString());
            assertEquals(1.0, done.get("progress").asDouble());

            JsonNode r = report(data, j1.get("id").asText());
            assertEquals("attribute", r.get("kind").asText());
            assertTrue(r.get("question").asText().contains("learn from outputs watermarked"), r.get("question").asText());
            JsonNode a = r.get("attribution");
            assertEquals(30, a.get("num_answers").asInt());
            assertEquals(3000, a.get("num_tokens").asInt());
            assertTrue(a.get("num_scored").asInt() > 1000 && a.get("num_scored").asInt() <= 3000, a.toString());
            // The answers carry cohort B's watermark (teacher = the answers themselves): ~2,800 distinct scored
            // tuples with a green fraction near 0.67 against gamma = 0.25 (log10 p about -470 when measured);
            // missing 1e-6 would need the watermark to vanish. Deterministic (fixed keys and seeds).
            assertEquals(List.of("cohort-b"), list(a.get("attributed_keys")));
            assertEquals("attributed", a.get("verdict").asText());
            // the PDF's plain-language verdict is the attribution's, not the per-record detection's
            String pdf = pdfText(data, j1.get("id").asText());
            assertTrue(pdf.contains("The suspect's answers carry the watermark of key cohort-b"), pdf);
            JsonNode perKey = a.get("per_key");
            assertEquals(3, perKey.size());
            assertEquals("cohort-a", perKey.get(0).get("key_id").asText()); // the profile's key comes first
            for (JsonNode k : perKey) {
                boolean isB = k.get("key_id").asText().equals("cohort-b");
                assertEquals(isB, k.get("attributed").asBoolean(), k.toString());
                if (isB) {
                    assertTrue(k.get("log10_p_value").asDouble() < -6, k.toString());
                    assertEquals(keyB.fingerprint(), k.get("key_fingerprint").asText());
                }
            }
            // Cohorts A and C never watermarked these answers: their p-values are null draws. Not attributed
            // at Holm alpha = 0.001 (family-wise false-failure probability <= 0.001 a priori; fixed seeds).
            assertFalse(perKey.get(0).get("attributed").asBoolean());
            JsonNode curve = a.get("curve");
            assertEquals(30, curve.get(curve.size() - 1).get("answers").asInt());
            assertEquals(1, curve.get(0).get("answers").asInt());
            JsonNode rk = a.get("controls").get("random_keys");
            assertEquals(20, rk.get("m").asInt());
            assertEquals(20, rk.get("p_values").size());
            assertTrue(rk.has("ks_p_value") && rk.has("empirical_p_value"), rk.toString());
            JsonNode params = a.get("parameters");
            assertTrue(params.get("prompt_exclusion").asBoolean());
            assertEquals("corpus", params.get("dedup_scope").asText());
            assertEquals(99, params.get("control_seed").asInt());
            assertEquals(0.001, params.get("alpha").asDouble());
            assertTrue(params.get("all_keys").asBoolean());
            String evSha = r.get("inputs").get(0).get("sha256").asText();
            assertEquals("sha256:" + evSha, a.get("inputs").get("answers_file_sha256").asText());
            assertTrue(a.get("inputs").get("num_prompt_identities").asInt() > 0);
            assertTrue(a.get("inputs").get("answers_canonical_sha256").asText().startsWith("sha256:"));
            assertFalse(r.get("calibration").get("measured").asBoolean());
            String text = Files.readString(data.resolve("reports").resolve(j1.get("id").asText()).resolve(ReportFiles.REPORT));
            for (WatermarkKey k : keyset.keys()) {
                assertFalse(text.contains(HexFormat.of().formatHex(k.material())), "key material in the report");
            }

            JsonNode cd = h.waitForJob(cleanJob, "done", "failed");
            assertEquals("done", cd.get("state").asText(), cd.toString());
            JsonNode ca = report(data, cleanJob).get("attribution");
            // Unwatermarked answers: no key attributed (Holm FWER <= 0.001 over 3 keys) and the profile key's
            // p-value above 1e-4 (probability <= 1e-4 under the null; exact discrete tests are conservative).
            assertEquals("not attributed", ca.get("verdict").asText(), ca.toString());
            String cleanPdf = pdfText(data, cleanJob);
            assertTrue(cleanPdf.contains("No key was attributed"), cleanPdf);
            assertEquals(List.of(), list(ca.get("attributed_keys")));
            assertTrue(ca.get("p_value").asDouble() > 1e-4, ca.toString());
        }
    }

    @Test
    void badKindsEvidenceAndOptionsAreRefusedAndNothingIsQueued() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = start(data, 0, 64 * 1024)) {
            String profileId = createProfile(h);
            String caseId = h.createCase(h.admin);
            String ev = h.uploadEvidence(caseId, h.admin, answers(null, 2, 20, 5));
            String text = h.ok(201, h.call("POST", "/api/cases/" + caseId + "/evidence?kind=text", h.admin, "some text"))
                    .get("id").asText();
            String otherCase = h.createCase(h.admin);
            String foreign = h.uploadEvidence(otherCase, h.admin, answers(null, 2, 20, 6));
            expect(h, 400, "unknown job kind", "{\"kind\":\"guess\",\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + ev
                    + "\",\"profileId\":\"" + profileId + "\"}");
            expect(h, 422, "token-ids or probe-run evidence", jobBody(caseId, text, profileId, null));
            expect(h, 400, "options.controls", jobBody(caseId, ev, profileId, "{\"controls\":100000}"));
            expect(h, 400, "unknown option", jobBody(caseId, ev, profileId, "{\"noPromptExclusion\":true}"));
            expect(h, 400, "options.alpha", jobBody(caseId, ev, profileId, "{\"alpha\":1.5}"));
            expect(h, 400, "minContextCount needs", jobBody(caseId, ev, profileId, "{\"minContextCount\":3}"));
            expect(h, 404, "unknown evidence", jobBody(caseId, ev, profileId, "{\"referenceEvidenceId\":\"nope\"}"));
            expect(h, 422, "does not belong", jobBody(caseId, ev, profileId, "{\"promptsEvidenceId\":\"" + foreign + "\"}"));
            expect(h, 400, "takes no options", "{\"kind\":\"detect\",\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + ev
                    + "\",\"profileId\":\"" + profileId + "\",\"options\":{\"controls\":1}}");
            JsonNode jobs = h.ok(200, h.call("GET", "/api/cases/" + caseId + "/jobs", h.admin, (byte[]) null)).get("jobs");
            assertEquals(0, jobs.size());
        }
    }

    private static void expect(Harness h, int status, String fragment, String body) throws Exception {
        Harness.Resp r = h.call("POST", "/api/jobs", h.admin, body);
        assertEquals(status, r.status(), r.text());
        assertTrue(r.json().get("error").asText().contains(fragment), r.text());
    }

    @Test
    void auxiliaryInputsAreHashedAndShippedAndALostWorkerResumes() throws Exception {
        Path data = tmp.resolve("data");
        String jobId;
        String promptsSha;
        String refSha;
        try (Harness h = start(data, 0, 256 * 1024)) {
            String profileId = createProfile(h);
            String caseId = h.createCase(h.admin);
            String ev = h.uploadEvidence(caseId, h.admin, answers(keyA, 10, 60, 21));
            String prompts = answers(null, 5, 10, 22);
            String ref = answers(null, 10, 60, 23);
            JsonNode p = h.ok(201, h.call("POST", "/api/cases/" + caseId + "/evidence?kind=token-ids&name=prompts.jsonl",
                    h.admin, prompts));
            JsonNode rf = h.ok(201, h.call("POST", "/api/cases/" + caseId + "/evidence?kind=token-ids&name=clean.jsonl",
                    h.admin, ref));
            promptsSha = p.get("sha256").asText();
            refSha = rf.get("sha256").asText();
            jobId = h.ok(201, h.call("POST", "/api/jobs", h.admin, jobBody(caseId, ev, profileId,
                    "{\"controls\":5,\"controlSeed\":1,\"allKeys\":false,\"promptsEvidenceId\":\"" + p.get("id").asText()
                            + "\",\"referenceEvidenceId\":\"" + rf.get("id").asText() + "\"}"))).get("id").asText();
        }
        // the process died while the job ran: a 'running' row with an expired lease (as RecoveryIntegrationTest)
        try (Connection c = DriverManager.getConnection(Harness.jdbcUrl(data));
             PreparedStatement st = c.prepareStatement("UPDATE jobs SET state = 'running', worker = 'w-dead', lease_until = ?,"
                     + " attempts = 1, progress = 0.35 WHERE id = ?")) {
            st.setLong(1, System.currentTimeMillis() - 1);
            st.setString(2, jobId);
            assertEquals(1, st.executeUpdate());
        }
        try (Harness h = start(data, 1, 256 * 1024)) {
            JsonNode j = h.waitForJob(jobId, "done", "failed");
            assertEquals("done", j.get("state").asText(), j.toString());
            assertEquals(2, j.get("attempts").asInt());
            assertEquals("attribute", j.get("kind").asText());
            Path dir = data.resolve("reports").resolve(jobId);
            JsonNode a = report(data, jobId).get("attribution");
            assertTrue(Files.exists(dir.resolve("inputs").resolve(promptsSha + ".jsonl")));
            assertTrue(Files.exists(dir.resolve("inputs").resolve(refSha + ".jsonl")));
            assertEquals("sha256:" + promptsSha, a.get("inputs").get("prompts_file_sha256").asText());
            assertEquals("sha256:" + refSha, a.get("inputs").get("reference_file_sha256").asText());
            assertEquals(1, a.get("per_key").size());
            assertEquals(1, a.get("controls").get("reference").size());
            assertEquals(5, a.get("controls").get("random_keys").get("m").asInt());
            // 10 watermarked answers of 60 tokens (~500 scored tuples): attributed at alpha = 0.001 unless the
            // watermark vanished; deterministic with fixed keys and seeds.
            assertEquals(List.of("cohort-a"), list(a.get("attributed_keys")));
            // a clean reference corpus under the same key: a null draw, p > 1e-4 with probability >= 1 - 1e-4
            assertTrue(a.get("controls").get("reference").get(0).get("p_value").asDouble() > 1e-4, a.toString());
        }
    }

    @Test
    void cancelWhileTheAttributionRunsStopsTheJobWithoutAReport() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = start(data, 1, 1024 * 1024)) {
            String profileId = createProfile(h);
            String caseId = h.createCase(h.admin);
            // 30k tokens and 300 control keys: the attribution stage takes seconds, orders of magnitude longer than
            // the one HTTP round trip between seeing that stage (progress >= 0.35) and the cancel landing.
            String ev = h.uploadEvidence(caseId, h.admin, answers(null, 150, 200, 31));
            String jobId = h.ok(201, h.call("POST", "/api/jobs", h.admin, jobBody(caseId, ev, profileId,
                    "{\"controls\":300,\"controlSeed\":3}"))).get("id").asText();
            JsonNode j = null;
            for (int i = 0; i < 1200; i++) {
                j = h.ok(200, h.call("GET", "/api/jobs/" + jobId, h.admin, (byte[]) null));
                if (!"queued".equals(j.get("state").asText()) && j.get("progress").asDouble() >= 0.35) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals("running", j.get("state").asText(), j.toString());
            assertTrue(j.get("progress").asDouble() >= 0.35 && j.get("progress").asDouble() < 0.9, j.toString());
            h.ok(200, h.call("POST", "/api/jobs/" + jobId + "/cancel", h.admin, (byte[]) null));
            JsonNode c = h.waitForJob(jobId, "cancelled", "done", "failed");
            assertEquals("cancelled", c.get("state").asText(), c.toString());
            assertEquals("cancelled while running", c.get("error").asText());
            assertFalse(Files.exists(data.resolve("reports").resolve(jobId)));
            try (var st = Files.list(data.resolve("reports"))) {
                assertEquals(0, st.count(), "no report and no temp directory");
            }
        }
    }

    private static List<String> list(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }
}
