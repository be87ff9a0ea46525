package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /api/audit/export streams the chain as JSONL that AuditChain (and provmark audit verify) recomputes offline. */
class AuditExportIntegrationTest {
    @TempDir
    Path tmp;

    private static AuditChain.Result verify(String export, String anchor) throws Exception {
        return AuditChain.verify(new BufferedReader(new StringReader(export)), anchor);
    }

    @Test
    void exportVerifiesOfflineAndEveryTamperingIsFound() throws Exception {
        try (Harness h = new Harness(tmp.resolve("data")).start(0)) {
            String auditor = h.token("auditor");
            String legal = h.token("legal");
            String caseId = h.createCase(legal);
            h.uploadEvidence(caseId, legal, "{\"tokens\":[1,2,3]}\n");
            assertEquals(403, h.call("GET", "/api/audit/export", legal, (byte[]) null).status());
            assertEquals(401, h.call("GET", "/api/audit/export", null, (byte[]) null).status());

            Harness.Resp r = h.call("GET", "/api/audit/export", auditor, (byte[]) null);
            assertEquals(200, r.status(), r.text());
            String export = r.text();
            String[] lines = export.split("\n");
            assertEquals(6, lines.length, export); // 3 tokens, case, evidence, and the export itself
            JsonNode last = Harness.JSON.readTree(lines[5]);
            assertEquals("audit.export", last.get("action").asText());
            assertEquals("auditor-user (auditor)", last.get("actor").asText());
            for (String l : lines) {
                // every line is the RFC 8785 form of the entry, with exactly the hashed fields and the hash
                assertArrayEquals(Jcs.canonicalize(Harness.JSON.readValue(l, Object.class)), l.getBytes(StandardCharsets.UTF_8));
            }
            assertFalse(export.contains("pmv_"), "tokens must not be exported");

            AuditChain.Result ok = verify(export, null);
            assertTrue(ok.ok(), ok.problem());
            assertEquals(6, ok.entries());
            assertEquals(last.get("hash").asText(), ok.head());
            JsonNode a = h.ok(200, h.call("GET", "/api/audit", auditor, (byte[]) null));
            assertEquals(a.get("entries").get(5).get("hash").asText(), ok.head());

            // an anchor (e.g. from a signed report) must be one of the entries' hashes
            String third = Harness.JSON.readTree(lines[2]).get("hash").asText();
            AuditChain.Result anchored = verify(export, "sha256:" + third);
            assertTrue(anchored.ok(), anchored.problem());
            assertEquals(3L, anchored.anchorSeq());
            AuditChain.Result foreign = verify(export, "ab".repeat(32));
            assertFalse(foreign.ok());
            assertTrue(foreign.problem().contains("is not the hash of any entry"), foreign.problem());
            assertThrows(IllegalArgumentException.class, () -> verify(export, "nothex"));

            // altered detail
            List<String> t = new ArrayList<>(Arrays.asList(lines));
            t.set(3, t.get(3).replace("ACME v. Distiller", "ACME v. Nobody"));
            AuditChain.Result altered = verify(String.join("\n", t) + "\n", null);
            assertFalse(altered.ok());
            assertEquals("line 4: entry 4 was altered (hash mismatch)", altered.problem());
            assertEquals(3, altered.entries());
            // removed entry
            t = new ArrayList<>(Arrays.asList(lines));
            t.remove(1);
            AuditChain.Result removed = verify(String.join("\n", t) + "\n", null);
            assertEquals("line 2: entry 2 is missing (found entry 3)", removed.problem());
            // swapped entries
            t = new ArrayList<>(Arrays.asList(lines));
            String tmpLine = t.get(1);
            t.set(1, t.get(2));
            t.set(2, tmpLine);
            assertFalse(verify(String.join("\n", t) + "\n", null).ok());
            // a re-hashed forgery (hash recomputed for the altered entry) breaks the next link instead
            JsonNode e4 = Harness.JSON.readTree(lines[3]);
            String forged = AuditLog.hash(e4.get("seq").asLong(), e4.get("at").asLong(), e4.get("actorId").asText(),
                    e4.get("actor").asText(), e4.get("action").asText(), e4.get("target").asText(), "title=forged",
                    e4.get("prevHash").asText());
            t = new ArrayList<>(Arrays.asList(lines));
            t.set(3, t.get(3).replace(e4.get("detail").asText(), "title=forged").replace(e4.get("hash").asText(), forged));
            assertEquals("line 5: entry 5 does not link to entry 4", verify(String.join("\n", t) + "\n", null).problem());
            // malformed and extra fields
            assertTrue(verify(lines[0] + "\n{\"seq\":2\n", null).problem().startsWith("line 2: malformed JSON"));
            assertTrue(verify(lines[0].replace("{\"action\"", "{\"x\":1,\"action\""), null).problem()
                    .contains("unknown field \"x\""));
            assertEquals("the export has no entries", verify("", null).problem());
            assertNull(ok.problem());
        }
    }
}
