package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportEndToEndIntegrationTest {
    @TempDir
    Path tmp;

    @Test
    void jobProducesASignedReportThatOpensslAndTheVerifierAccept() throws Exception {
        try (Harness h = new Harness(tmp.resolve("data")).start(2)) {
            String legal = h.token("legal");
            String researcher = h.token("researcher");
            String profileId = h.createProfile();
            String caseId = h.createCase(legal);
            String evidenceId = h.uploadEvidence(caseId, legal, h.watermarkedJsonl(3, 200));
            JsonNode job = h.ok(201, h.call("POST", "/api/jobs", researcher,
                    "{\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + evidenceId + "\",\"profileId\":\"" + profileId + "\"}"));
            JsonNode done = h.waitForJob(job.get("id").asText(), "done", "failed");
            assertEquals("done", done.get("state").asText(), done.toString());
            assertEquals(1.0, done.get("progress").asDouble());

            Path dir = h.download(job.get("id").asText(), Files.createDirectories(tmp.resolve("report")));
            ReportVerifier.Result r = ReportVerifier.verify(dir);
            assertTrue(r.ok(), r.failure());

            JsonNode report = Harness.JSON.readTree(dir.resolve(ReportFiles.REPORT).toFile());
            // 3 x 200 tokens watermarked with delta=2, gamma=0.25: the binomial tail is far below 1e-10.
            assertTrue(report.get("summary").get("holmLog10PValue").asDouble() < -10, report.toString());
            assertEquals(h.keyset().primary().fingerprint(), report.get("key").get("fingerprint").asText());
            // random-key controls: 20 keys that are not ours, on the same evidence. The pooled p-value under the
            // real key is far below every control's; a control below 1e-6 has probability <= 20 * 1e-6 = 2e-5
            // under the null (fixed seeds make the run deterministic anyway).
            JsonNode controls = report.get("controls");
            assertEquals(JobRunner.DETECT_CONTROLS, controls.get("random_key_p_values").size(), controls.toString());
            assertTrue(controls.get("pooled_log10_p_value").asDouble() < -10, controls.toString());
            for (JsonNode p : controls.get("random_key_p_values")) {
                assertTrue(p.asDouble() > 1e-6, controls.toString());
            }
            String text = Files.readString(dir.resolve(ReportFiles.REPORT));
            assertTrue(text.contains("not evidence of innocence"));
            assertTrue(text.contains("spoofed"));
            assertFalse(text.contains(java.util.HexFormat.of().formatHex(h.keyset().primary().material())),
                    "key material must never appear in a report");

            // openssl accepts the detached CMS signature over the exact report bytes
            Process p = new ProcessBuilder("openssl", "cms", "-verify", "-binary", "-inform", "DER",
                    "-in", dir.resolve(ReportFiles.REPORT_CMS).toString(),
                    "-content", dir.resolve(ReportFiles.REPORT).toString(),
                    "-CAfile", dir.resolve(ReportFiles.CMS_CERT_PEM).toString(), "-purpose", "any",
                    "-out", tmp.resolve("openssl-out").toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("Verification successful"), out);
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve(ReportFiles.REPORT)),
                    Files.readAllBytes(tmp.resolve("openssl-out"))));

            // one flipped byte anywhere, in any file, fails verification
            List<Path> files = new ArrayList<>();
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(Files::isRegularFile).forEach(files::add);
            }
            assertEquals(9, files.size(), files.toString()); // report.pdf included
            int flips = 0;
            for (Path f : files) {
                byte[] orig = Files.readAllBytes(f);
                // every byte of small files; for larger ones 150 evenly spaced positions incl. first and last
                int step = Math.max(1, orig.length / 150);
                for (int i = 0; i < orig.length; i = (i + step >= orig.length && i != orig.length - 1) ? orig.length - 1 : i + step) {
                    byte[] bad = orig.clone();
                    bad[i] ^= 0x01;
                    Files.write(f, bad);
                    ReportVerifier.Result br = ReportVerifier.verify(dir);
                    assertFalse(br.ok(), "flipping byte " + i + " of " + dir.relativize(f) + " went unnoticed");
                    flips++;
                }
                Files.write(f, orig);
            }
            assertTrue(flips > 700, "flips " + flips);
            assertTrue(ReportVerifier.verify(dir).ok());
            // an extra file is not part of the signed set either
            Files.writeString(dir.resolve("extra.txt"), "x");
            assertFalse(ReportVerifier.verify(dir).ok());
        }
    }
}
