package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogIntegrationTest {
    @TempDir
    Path tmp;

    private static void sql(Path data, String stmt) throws Exception {
        try (Connection c = DriverManager.getConnection(Harness.jdbcUrl(data))) {
            assertEquals(1, c.createStatement().executeUpdate(stmt));
        }
    }

    @Test
    void everyActionIsChainedAndTamperingIsDetected() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = new Harness(data).start(0)) {
            String auditor = h.token("auditor");
            String legal = h.token("legal");
            String caseId = h.createCase(legal);
            h.uploadEvidence(caseId, legal, "{\"tokens\":[1,2,3]}\n");
            h.call("POST", "/api/cases", legal, "{\"title\":"); // rejected: not audited as a change
            JsonNode a = h.ok(200, h.call("GET", "/api/audit", auditor, (byte[]) null));
            assertTrue(a.get("chainValid").asBoolean(), a.toString());
            List<String> actions = new ArrayList<>();
            a.get("entries").forEach(e -> actions.add(e.get("action").asText()));
            assertEquals(List.of("token.create", "token.create", "token.create", "case.create", "evidence.upload"), actions);
            assertEquals("legal-user (legal)", a.get("entries").get(3).get("actor").asText());
            assertEquals(a.get("entries").get(3).get("hash").asText(), a.get("entries").get(4).get("prevHash").asText());
            assertFalse(a.toString().contains("pmv_"), "tokens must not be logged");
        }
        sql(data, "UPDATE audit_log SET detail = 'title=something else' WHERE seq = 4");
        try (Harness h = new Harness(data).start(0)) {
            h.admin = java.nio.file.Files.readString(data.resolve("bootstrap-admin-token")).trim();
            JsonNode a = h.ok(200, h.call("GET", "/api/audit", h.admin, (byte[]) null));
            assertFalse(a.get("chainValid").asBoolean());
            assertEquals("entry 4 was altered (hash mismatch)", a.get("problem").asText());
        }
        sql(data, "DELETE FROM audit_log WHERE seq = 4");
        try (Harness h = new Harness(data).start(0)) {
            h.admin = java.nio.file.Files.readString(data.resolve("bootstrap-admin-token")).trim();
            JsonNode a = h.ok(200, h.call("GET", "/api/audit", h.admin, (byte[]) null));
            assertEquals("entry 4 is missing (next is 5)", a.get("problem").asText());
        }
    }
}
