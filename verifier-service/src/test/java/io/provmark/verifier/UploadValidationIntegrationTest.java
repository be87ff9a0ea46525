package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Over-size, malformed, non-UTF-8, deeply nested and unknown inputs: a clear 4xx and nothing stored. */
class UploadValidationIntegrationTest {
    @TempDir
    Path tmp;

    private static void expectError(Harness.Resp r, int status, String fragment) {
        assertEquals(status, r.status(), r.text());
        String msg = r.json().get("error").asText();
        assertTrue(msg.contains(fragment), "error '" + msg + "' should mention '" + fragment + "'");
    }

    @Test
    void badUploadsAreRejectedAndNothingIsHalfStored() throws Exception {
        Path data = tmp.resolve("data");
        try (Harness h = new Harness(data).start(0)) {
            String caseId = h.createCase(h.admin);
            String ev = "/api/cases/" + caseId + "/evidence?kind=token-ids";

            byte[] big = new byte[64 * 1024 + 1];
            Arrays.fill(big, (byte) ' ');
            expectError(h.call("POST", ev, h.admin, big), 413, "exceeds the limit");
            expectError(h.call("POST", ev, h.admin, "{\"tokens\":[1,2]}\n{\"tokens\":[1,2\n"), 400, "line 2: malformed JSON");
            expectError(h.call("POST", ev, h.admin, "{\"tokens\":[1,-2]}\n"), 400, "non-negative token id");
            expectError(h.call("POST", ev, h.admin, "{\"tokens\":[1],\"prompt\":[2]}\n"), 400, "unknown field \"prompt\"");
            expectError(h.call("POST", ev, h.admin, "\n\n"), 400, "no records");
            expectError(h.call("POST", ev, h.admin, new byte[] {'{', '"', 't', (byte) 0xff, '"', '}'}), 400, "not valid UTF-8");
            expectError(h.call("POST", "/api/cases/" + caseId + "/evidence?kind=text", h.admin, new byte[] {'a', (byte) 0xc3}),
                    400, "not valid UTF-8");
            String deep = "{\"tokens\":[1],\"id\":" + "[".repeat(50) + "]".repeat(50) + "}\n";
            expectError(h.call("POST", ev, h.admin, deep), 400, "nested too deeply");
            expectError(h.call("POST", "/api/cases/" + caseId + "/evidence?kind=pdf", h.admin, "x"), 400, "unknown evidence kind");
            expectError(h.call("POST", "/api/cases/" + caseId + "/evidence", h.admin, "x"), 400, "missing query parameter kind");
            expectError(h.call("POST", "/api/cases/nope/evidence?kind=text", h.admin, "x"), 404, "unknown case");

            // JSON request bodies: nesting, malformed, unknown fields
            expectError(h.call("POST", "/api/cases", h.admin, "{\"title\":" + "[".repeat(100) + "]".repeat(100) + "}"),
                    400, "nested too deeply");
            expectError(h.call("POST", "/api/cases", h.admin, "{\"title\":"), 400, "malformed JSON");
            expectError(h.call("POST", "/api/cases", h.admin, "{\"title\":\"t\",\"x\":1}"), 400, "unknown field \"x\"");
            expectError(h.call("POST", "/api/profiles", h.admin, "{\"name\":\"p\",\"profile\":{\"format\":\"nope\"}}"),
                    400, "invalid profile");
            // a tokenizer given as a file path would make the service read a file the caller names
            String pathProfile = io.provmark.core.profile.ProfileJson.write(h.profile())
                    .replaceFirst("\"tokenizer\"\\s*:\\s*\"none\"", "\"tokenizer\":\"hf:/etc/tokenizer.json\",\"tokenizer_sha256\":\""
                            + "0".repeat(64) + "\"");
            assertTrue(pathProfile.contains("hf:/etc/tokenizer.json"), pathProfile);
            expectError(h.call("POST", "/api/profiles", h.admin, "{\"name\":\"p\",\"profile\":" + pathProfile + "}"),
                    422, "is a file path");
            // an unknown tokenizer is refused at intake, naming it
            String unknown = io.provmark.core.profile.ProfileJson.write(h.profile())
                    .replaceFirst("\"tokenizer\"\\s*:\\s*\"none\"", "\"tokenizer\":\"hf:no-such-tokenizer\",\"tokenizer_sha256\":\""
                            + "0".repeat(64) + "\"");
            expectError(h.call("POST", "/api/profiles", h.admin, "{\"name\":\"p\",\"profile\":" + unknown + "}"),
                    422, "no-such-tokenizer");

            // nothing of the above was stored
            assertEquals(0, h.ok(200, h.call("GET", "/api/cases/" + caseId + "/evidence", h.admin, (byte[]) null)).get("evidence").size());
            try (Stream<Path> s = Files.list(data.resolve("evidence"))) {
                assertEquals(0, s.count());
            }

            // unknown profile / evidence on job creation, and text evidence under a tokenizer-less profile
            String profileId = h.createProfile();
            String textId = h.ok(201, h.call("POST", "/api/cases/" + caseId + "/evidence?kind=text&name=a.txt", h.admin,
                    "Some suspect answer.".getBytes(StandardCharsets.UTF_8))).get("id").asText();
            expectError(h.call("POST", "/api/jobs", h.admin, RoleMatrixIntegrationTest.jobBody(caseId, textId, "nope")), 404, "unknown profile");
            expectError(h.call("POST", "/api/jobs", h.admin, RoleMatrixIntegrationTest.jobBody(caseId, "nope", profileId)), 404, "unknown evidence");
            expectError(h.call("POST", "/api/jobs", h.admin, RoleMatrixIntegrationTest.jobBody(caseId, textId, profileId)), 422, "tokenizer");
            expectError(h.call("GET", "/api/jobs/nope", h.admin, (byte[]) null), 404, "unknown job");

            // a token id beyond the profile's vocabulary is accepted at intake (no profile yet) and fails the job visibly
            String evId = h.uploadEvidence(caseId, h.admin, "{\"tokens\":[1,2,99999]}\n");
            String jobId = h.ok(201, h.call("POST", "/api/jobs", h.admin, RoleMatrixIntegrationTest.jobBody(caseId, evId, profileId)))
                    .get("id").asText();
            h.stop();
            h.start(1);
            var job = h.waitForJob(jobId, "done", "failed");
            assertEquals("failed", job.get("state").asText());
            assertTrue(job.get("error").asText().contains("outside the profile's vocabulary"), job.toString());
            expectError(h.call("GET", "/api/jobs/" + jobId + "/report", h.admin, (byte[]) null), 409, "has no report");

            // detection jobs are rate limited per token (Harness allows 20 per minute)
            String researcher = h.token("researcher");
            // the bucket refills one permit per 3 s; 60 calls find it empty unless each call takes ~3 s
            Harness.Resp last = null;
            int accepted = 0;
            for (int i = 0; i < 60; i++) {
                last = h.call("POST", "/api/jobs", researcher, RoleMatrixIntegrationTest.jobBody(caseId, evId, profileId));
                if (last.status() != 201) {
                    break;
                }
                accepted++;
            }
            assertTrue(accepted >= 20, "accepted " + accepted + ", then " + last.status() + " " + last.text());
            expectError(last, 429, "rate limit");
        }
    }
}
