package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash mid-job (kill -9) leaves a 'running' row whose lease expires and maybe a half-written
 * report temp dir. Simulated by editing the database of a stopped server, then starting a new one;
 * {@link KillDashNineIntegrationTest} does the real thing to a separate JVM.
 */
class RecoveryIntegrationTest {
    @TempDir
    Path tmp;

    private static void crash(Path data, String jobId, int attempts, boolean cancelRequested) throws Exception {
        try (Connection c = DriverManager.getConnection(Harness.jdbcUrl(data));
             PreparedStatement st = c.prepareStatement("UPDATE jobs SET state = 'running', worker = 'w-dead', lease_until = ?,"
                     + " attempts = ?, cancel_requested = ?, progress = 0.5 WHERE id = ?")) {
            st.setLong(1, System.currentTimeMillis() - 1);
            st.setInt(2, attempts);
            st.setInt(3, cancelRequested ? 1 : 0);
            st.setString(4, jobId);
            assertEquals(1, st.executeUpdate());
        }
    }

    @Test
    void lostJobsResumeOrFailVisiblyAndNoHalfReportSurvives() throws Exception {
        Path data = tmp.resolve("data");
        String resumed;
        String exhausted;
        String cancelled;
        String caseId;
        try (Harness h = new Harness(data).start(0)) {
            String profileId = h.createProfile();
            caseId = h.createCase(h.admin);
            String evidenceId = h.uploadEvidence(caseId, h.admin, h.watermarkedJsonl(2, 100));
            String body = RoleMatrixIntegrationTest.jobBody(caseId, evidenceId, profileId);
            resumed = h.ok(201, h.call("POST", "/api/jobs", h.admin, body)).get("id").asText();
            exhausted = h.ok(201, h.call("POST", "/api/jobs", h.admin, body)).get("id").asText();
            cancelled = h.ok(201, h.call("POST", "/api/jobs", h.admin, body)).get("id").asText();
        }
        crash(data, resumed, 1, false);
        crash(data, exhausted, 3, false);
        crash(data, cancelled, 1, true);
        Path half = data.resolve("reports").resolve(".tmp-" + resumed + "-crashed");
        Files.createDirectories(half);
        Files.writeString(half.resolve("report.json"), "{\"half\":");

        try (Harness h = new Harness(data).start(1)) {
            JsonNode r = h.waitForJob(resumed, "done", "failed");
            assertEquals("done", r.get("state").asText(), r.toString());
            assertEquals(2, r.get("attempts").asInt());
            JsonNode f = h.waitForJob(exhausted, "failed", "done");
            assertEquals("failed", f.get("state").asText());
            assertTrue(f.get("error").asText().contains("lease expired"), f.toString());
            JsonNode c = h.waitForJob(cancelled, "cancelled");
            assertTrue(c.get("error").asText().contains("cancelled"));
            assertFalse(Files.exists(half), "half-written report directory must be removed");
            ReportVerifier.Result v = ReportVerifier.verify(data.resolve("reports").resolve(resumed));
            assertTrue(v.ok(), v.failure());
            assertFalse(Files.exists(data.resolve("reports").resolve(exhausted)));
            JsonNode jobs = h.ok(200, h.call("GET", "/api/cases/" + caseId + "/jobs", h.admin, (byte[]) null)).get("jobs");
            assertEquals(3, jobs.size());
        }
    }
}
