package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 3161 timestamps against a real Bouncy Castle TSA on loopback, checked by the verifier and by openssl. */
class TimestampIntegrationTest {
    @TempDir
    Path tmp;

    static Harness start(Path dataDir, Consumer<VerifierConfig> tweak) throws Exception {
        Harness h = new Harness(dataDir);
        VerifierConfig c = Harness.config(dataDir, 1);
        tweak.accept(c);
        h.server = VerifierServer.start(c);
        h.admin = Files.readString(h.server.bootstrapTokenFile()).trim();
        return h;
    }

    /** Uploads watermarked evidence, runs a job and waits for its end; returns the job's final state. */
    static JsonNode runJob(Harness h, String jsonl) throws Exception {
        String profileId = h.createProfile();
        String caseId = h.createCase(h.admin);
        String evidenceId = h.uploadEvidence(caseId, h.admin, jsonl);
        JsonNode job = h.ok(201, h.call("POST", "/api/jobs", h.admin,
                "{\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + evidenceId + "\",\"profileId\":\"" + profileId + "\"}"));
        return h.waitForJob(job.get("id").asText(), "done", "failed");
    }

    @Test
    void jobWithTsaGivesATimestampThatTheVerifierAndOpensslAccept() throws Exception {
        try (TestTsa tsa = new TestTsa(); Harness h = start(tmp.resolve("data"), c -> c.tsaUrl = tsa.url())) {
            JsonNode done = runJob(h, h.watermarkedJsonl(2, 150));
            assertEquals("done", done.get("state").asText(), done.toString());
            assertEquals(1, tsa.requests.get());
            Path dir = h.download(done.get("id").asText(), Files.createDirectories(tmp.resolve("report")));
            assertTrue(Files.exists(dir.resolve(ReportFiles.REPORT_TSR)));
            assertTrue(Files.readString(dir.resolve(ReportFiles.SUMS)).contains("  " + ReportFiles.REPORT_TSR + "\n"));
            JsonNode report = Harness.JSON.readTree(dir.resolve(ReportFiles.REPORT).toFile());
            assertEquals(tsa.url(), report.get("timestamp").get("authority").asText());

            ReportVerifier.Result r = ReportVerifier.verify(dir);
            assertTrue(r.ok(), r.failure());
            assertNotNull(r.timestamp());
            assertTrue(r.checks().stream().anyMatch(c -> c.startsWith("RFC 3161 timestamp over report.json: ok, genTime ")), r.checks().toString());
            assertEquals(ReportFiles.sha256(tsa.cert.getEncoded()), r.timestamp().tsaCertSha256());

            String pdf = ReportPdfIntegrationTest.pdfText(Files.readAllBytes(dir.resolve(ReportFiles.PDF))).replaceAll("\\s+", " ");
            assertTrue(pdf.contains("openssl ts -verify -data report.json -token_in -in report.json.tsr -CAfile tsa.pem"), pdf);
            assertTrue(pdf.contains(r.timestamp().genTime().toString()), pdf);

            // the real openssl accepts the stored token for the exact report bytes
            Path pem = tsa.writePem(tmp.resolve("tsa.pem"));
            String out = openssl(0, "ts", "-verify", "-data", dir.resolve(ReportFiles.REPORT).toString(), "-token_in",
                    "-in", dir.resolve(ReportFiles.REPORT_TSR).toString(), "-CAfile", pem.toString());
            assertTrue(out.contains("Verification: OK"), out);
            // ... and rejects it for other bytes
            Path other = Files.writeString(tmp.resolve("other.json"), "{}");
            openssl(1, "ts", "-verify", "-data", other.toString(), "-token_in",
                    "-in", dir.resolve(ReportFiles.REPORT_TSR).toString(), "-CAfile", pem.toString());

            // a flipped byte in the token fails the report check, and (for bytes inside the signed
            // TSTInfo or the signature) the token check alone, without SHA256SUMS's help
            byte[] tsr = Files.readAllBytes(dir.resolve(ReportFiles.REPORT_TSR));
            byte[] reportBytes = Files.readAllBytes(dir.resolve(ReportFiles.REPORT));
            for (int i : new int[] {0, tsr.length / 3, tsr.length / 2, tsr.length - 1}) {
                byte[] bad = tsr.clone();
                bad[i] ^= 0x01;
                Files.write(dir.resolve(ReportFiles.REPORT_TSR), bad);
                ReportVerifier.Result br = ReportVerifier.verify(dir);
                assertFalse(br.ok(), "flipping byte " + i + " of the token went unnoticed");
            }
            byte[] lastByte = tsr.clone();
            lastByte[tsr.length - 1] ^= 0x01; // inside the ECDSA signature value
            assertThrows(Exception.class, () -> Timestamping.verify(lastByte, reportBytes, null));
            Files.write(dir.resolve(ReportFiles.REPORT_TSR), tsr);
            assertTrue(ReportVerifier.verify(dir).ok());
            // the token is over report.json: another document does not match its imprint
            Exception e = assertThrows(Exception.class, () -> Timestamping.verify(tsr, "{}".getBytes(StandardCharsets.UTF_8), null));
            assertTrue(e.getMessage().contains("imprint"), e.getMessage());

            // removing the token: report.json still names it, SHA256SUMS still lists it
            Files.delete(dir.resolve(ReportFiles.REPORT_TSR));
            assertFalse(ReportVerifier.verify(dir).ok());
        }
    }

    @Test
    void pinnedTsaCertificateIsEnforced() throws Exception {
        try (TestTsa tsa = new TestTsa(); TestTsa impostor = new TestTsa("CN=someone else")) {
            Path goodPem = tsa.writePem(tmp.resolve("good.pem"));
            Path otherPem = impostor.writePem(tmp.resolve("other.pem"));
            try (Harness h = start(tmp.resolve("ok"), c -> {
                c.tsaUrl = tsa.url();
                c.tsaCertFile = goodPem;
            })) {
                JsonNode done = runJob(h, h.watermarkedJsonl(1, 100));
                assertEquals("done", done.get("state").asText(), done.toString());
            }
            try (Harness h = start(tmp.resolve("pinned-other"), c -> {
                c.tsaUrl = tsa.url();
                c.tsaCertFile = otherPem;
            })) {
                JsonNode failed = runJob(h, h.watermarkedJsonl(1, 100));
                assertEquals("failed", failed.get("state").asText(), failed.toString());
                assertTrue(failed.get("error").asText().contains("not signed by the pinned TSA certificate"), failed.toString());
                assertNoReport(h);
            }
        }
    }

    @Test
    void tsaDownOrMisbehavingFailsTheJobVisiblyAndLeavesNoReport() throws Exception {
        try (TestTsa tsa = new TestTsa(); Harness h = start(tmp.resolve("data"), c -> c.tsaUrl = tsa.url())) {
            String jsonl = h.watermarkedJsonl(1, 100);

            tsa.mode = TestTsa.Mode.UNAVAILABLE;
            JsonNode failed = runJob(h, jsonl);
            assertEquals("failed", failed.get("state").asText(), failed.toString());
            assertTrue(failed.get("error").asText().contains("RFC 3161 timestamp failed after 3 tries"), failed.toString());
            assertTrue(failed.get("error").asText().contains("HTTP 503"), failed.toString());
            assertEquals(3, tsa.requests.get(), "transient failures are retried twice");

            tsa.requests.set(0);
            tsa.mode = TestTsa.Mode.WRONG_IMPRINT;
            failed = runJob(h, jsonl);
            assertEquals("failed", failed.get("state").asText());
            assertTrue(failed.get("error").asText().contains("does not match the request"), failed.toString());
            assertEquals(1, tsa.requests.get(), "a bad reply is not retried");

            tsa.mode = TestTsa.Mode.REJECT;
            failed = runJob(h, jsonl);
            assertEquals("failed", failed.get("state").asText());
            assertTrue(failed.get("error").asText().contains("did not grant the timestamp"), failed.toString());
            assertNoReport(h);
        }
        // nothing listens: connection refused
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Harness h = start(tmp.resolve("refused"), c -> c.tsaUrl = "http://127.0.0.1:" + port + "/tsa")) {
            JsonNode failed = runJob(h, h.watermarkedJsonl(1, 100));
            assertEquals("failed", failed.get("state").asText());
            assertTrue(failed.get("error").asText().contains("unreachable"), failed.toString());
            assertNoReport(h);
        }
    }

    @Test
    void badTsaSettingsStopStartup() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> start(tmp.resolve("a"), c -> c.tsaUrl = "ftp://tsa.example/"));
        assertTrue(e.getMessage().contains("http:// or https://"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> start(tmp.resolve("b"), c -> {
            c.tsaUrl = "http://127.0.0.1:1/tsa";
            c.tsaCertFile = tmp.resolve("missing.pem");
        }));
        assertTrue(e.getMessage().contains("missing.pem"), e.getMessage());
        assertEquals("https://tsa.example/x", Timestamping.redact(java.net.URI.create("https://user:secret@tsa.example/x")));
    }

    private static void assertNoReport(Harness h) throws Exception {
        try (var s = Files.list(h.dataDir.resolve("reports"))) {
            assertEquals(0, s.filter(p -> !p.getFileName().toString().startsWith(".tmp-")).count(),
                    "a failed job must not leave a report directory");
        }
    }

    static String openssl(int expectedExit, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(expectedExit, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }
}
