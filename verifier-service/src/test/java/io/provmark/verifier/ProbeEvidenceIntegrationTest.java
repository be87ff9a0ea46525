package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A provmark probe answers file as evidence: chain of custody checked at intake, then detected like token ids. */
class ProbeEvidenceIntegrationTest {
    @TempDir
    Path data;

    /** Probe records (the docs/probe.md shape) around the harness's watermarked token-id records. */
    private static String probeRun(Harness h, String tokenJsonl) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String line : tokenJsonl.split("\n")) {
            JsonNode rec = Harness.JSON.readTree(line);
            ObjectNode o = Harness.JSON.createObjectNode();
            o.put("id", rec.get("id").asText());
            o.put("prompt", "Tell me about " + rec.get("id").asText());
            o.put("answer", "(text of " + rec.get("id").asText() + ")");
            o.set("answer_tokens", rec.get("tokens"));
            String request = "{\"model\":\"suspect\",\"prompt\":\"Tell me about " + rec.get("id").asText() + "\"}";
            String response = "{\"id\":\"cmpl-" + rec.get("id").asText() + "\",\"choices\":[{\"text\":\"...\"}]}";
            o.put("request", request);
            o.put("request_sha256", ReportFiles.sha256(request.getBytes(StandardCharsets.UTF_8)));
            o.put("response", response);
            o.put("response_sha256", ReportFiles.sha256(response.getBytes(StandardCharsets.UTF_8)));
            o.put("model", "suspect");
            o.put("attempts", 1);
            o.put("http_status", 200);
            o.putObject("usage").put("completion_tokens", rec.get("tokens").size());
            sb.append(Harness.JSON.writeValueAsString(o)).append('\n');
        }
        return sb.toString();
    }

    private static void expectError(Harness.Resp r, int status, String fragment) {
        assertEquals(status, r.status(), r.text());
        assertTrue(r.text().contains(fragment), r.text());
    }

    @Test
    void probeRunIsCheckedAtIntakeAndDetected() throws Exception {
        try (Harness h = new Harness(data).start(1)) {
            String caseId = h.createCase(h.admin);
            String profileId = h.createProfile();
            String run = probeRun(h, h.watermarkedJsonl(4, 120));
            String path = "/api/cases/" + caseId + "/evidence?kind=probe-run&name=probe.jsonl";

            // a response body edited after the probe no longer matches its recorded hash
            String tampered = run.replaceFirst("choices", "choiceZ");
            expectError(h.call("POST", path, h.admin, tampered), 400, "does not match its recorded response_sha256");
            String[] lines = run.split("\n");
            expectError(h.call("POST", path, h.admin, run + lines[0] + "\n"), 400, "appears twice");
            expectError(h.call("POST", path, h.admin, "{\"id\":\"a\"}\n"), 400, "a probe record needs the");
            try (Stream<Path> s = Files.list(data.resolve("evidence"))) {
                assertEquals(0, s.count(), "rejected uploads store nothing");
            }

            JsonNode ev = h.ok(201, h.call("POST", path, h.admin, run));
            assertEquals("probe-run", ev.get("kind").asText());
            assertEquals(4, ev.get("records").asInt());
            String jobId = h.ok(201, h.call("POST", "/api/jobs", h.admin,
                    RoleMatrixIntegrationTest.jobBody(caseId, ev.get("id").asText(), profileId))).get("id").asText();
            JsonNode done = h.waitForJob(jobId, "done", "failed");
            assertEquals("done", done.get("state").asText(), done.toString());
            Path dir = data.resolve("reports").resolve(jobId);
            ReportVerifier.Result v = ReportVerifier.verify(dir);
            assertTrue(v.ok(), v.failure());
            JsonNode report = Harness.JSON.readTree(Files.readAllBytes(dir.resolve(ReportFiles.REPORT)));
            // 4 watermarked answers of 120 tokens (fixed seeds, red-green gamma 0.25 delta 2): the Holm-corrected
            // p-value is astronomically small; deterministic, so no false-failure probability to speak of
            assertTrue(report.get("summary").get("significant").asBoolean(), report.get("summary").toString());
            assertEquals(4, report.get("results").size());

            // text-only answers need a tokenizer: this profile has none, so the job fails with the reason
            String textOnly = "{\"id\":\"t1\",\"answer\":\"Some harvested answer.\"}\n";
            String textEv = h.ok(201, h.call("POST", path, h.admin, textOnly)).get("id").asText();
            String failJob = h.ok(201, h.call("POST", "/api/jobs", h.admin,
                    RoleMatrixIntegrationTest.jobBody(caseId, textEv, profileId))).get("id").asText();
            JsonNode failed = h.waitForJob(failJob, "done", "failed");
            assertEquals("failed", failed.get("state").asText(), failed.toString());
            assertTrue(failed.get("error").asText().contains("no answer_tokens"), failed.toString());
        }
    }
}
