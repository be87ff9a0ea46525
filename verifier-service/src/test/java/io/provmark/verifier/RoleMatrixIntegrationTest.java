package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.profile.ProfileJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint × every role (and no token, an unknown token, the metrics scraper token): the expected status. */
class RoleMatrixIntegrationTest {
    @TempDir
    Path tmp;

    @Test
    void everyEndpointEveryRole() throws Exception {
        Path data = tmp.resolve("data");
        String caseId;
        String evidenceId;
        String profileId;
        String doneJob;
        String admin;
        Map<Role, String> tokens = new EnumMap<>(Role.class);
        // phase 1: with workers, produce a finished job (its report endpoints must answer 200)
        try (Harness h = new Harness(data).start(1)) {
            admin = h.admin;
            tokens.put(Role.ADMIN, h.admin);
            for (Role r : List.of(Role.RESEARCHER, Role.LEGAL, Role.AUDITOR)) {
                tokens.put(r, h.token(r.id()));
            }
            profileId = h.createProfile();
            caseId = h.createCase(admin);
            evidenceId = h.uploadEvidence(caseId, admin, h.watermarkedJsonl(1, 50));
            doneJob = h.ok(201, h.call("POST", "/api/jobs", admin, jobBody(caseId, evidenceId, profileId))).get("id").asText();
            assertEquals("done", h.waitForJob(doneJob, "done", "failed").get("state").asText());
        }
        // phase 2: no workers, so a freshly created job stays queued and can always be cancelled
        String metricsToken = "matrix-metrics-token-0123456789abcdefghij";
        java.nio.file.Files.writeString(tmp.resolve("metrics-token"), metricsToken);
        VerifierConfig cfg = Harness.config(data, 0);
        cfg.metricsTokenFile = tmp.resolve("metrics-token");
        try (Harness h = new Harness(data)) {
            h.server = VerifierServer.start(cfg);
            h.admin = admin;
            assertEquals(200, h.call("GET", "/api/health", null, (byte[]) null).status());
            List<String> failures = new ArrayList<>();
            int calls = 0;
            for (Endpoint e : VerifierServer.ENDPOINTS) {
                List<String> callers = new ArrayList<>();
                for (Role r : Role.values()) {
                    callers.add(r.id());
                }
                callers.add("none");
                callers.add("bogus");
                callers.add("metrics");
                for (String who : callers) {
                    String jobId = doneJob;
                    if (e.path().endsWith("/cancel")) {
                        jobId = h.ok(201, h.call("POST", "/api/jobs", admin, jobBody(caseId, evidenceId, profileId))).get("id").asText();
                    }
                    String path = e.path().replace("{caseId}", caseId).replace("{jobId}", jobId).replace("<file>", "report.json");
                    String body = null;
                    switch (e.method() + " " + e.path()) {
                        case "POST /api/tokens": body = "{\"name\":\"m\",\"role\":\"auditor\"}"; break;
                        case "POST /api/profiles": body = "{\"name\":\"m\",\"profile\":" + ProfileJson.write(h.profile()) + "}"; break;
                        case "POST /api/cases": body = "{\"title\":\"m\"}"; break;
                        case "POST /api/cases/{caseId}/evidence":
                            path += "?kind=token-ids";
                            body = "{\"tokens\":[1,2,3]}\n";
                            break;
                        case "POST /api/jobs": body = jobBody(caseId, evidenceId, profileId); break;
                        case "POST /api/detect": body = "{\"profileId\":\"" + profileId + "\",\"tokens\":[5,6,7,8,9]}"; break;
                        default: break;
                    }
                    String token = who.equals("none") ? null : who.equals("bogus") ? "pmv_not-a-real-token"
                            : who.equals("metrics") ? metricsToken : tokens.get(Role.parse(who));
                    // the scraper token is valid on GET /metrics only; it is no API token anywhere else
                    int expected = who.equals("metrics") ? (e.path().equals("/metrics") ? 200 : 401)
                            : who.equals("none") || who.equals("bogus") ? 401
                            : e.roles().contains(Role.parse(who)) ? e.successStatus() : 403;
                    Harness.Resp r = h.call(e.method(), path, token, body);
                    calls++;
                    if (r.status() != expected) {
                        failures.add(e.method() + " " + e.path() + " as " + who + ": expected " + expected + ", got " + r.status() + " " + r.text());
                    } else if (expected >= 400) {
                        assertTrue(r.json().get("error").asText().length() > 5, r.text());
                    }
                }
            }
            assertTrue(failures.isEmpty(), String.join("\n", failures));
            assertEquals(VerifierServer.ENDPOINTS.size() * 7, calls);
            // key material is never in an admin response either
            String keys = h.call("GET", "/api/keys", admin, (byte[]) null).text();
            assertFalse(keys.contains(java.util.HexFormat.of().formatHex(h.keyset().primary().material())));
            assertTrue(keys.contains(h.keyset().primary().fingerprint()));
        }
    }

    static String jobBody(String caseId, String evidenceId, String profileId) {
        return "{\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + evidenceId + "\",\"profileId\":\"" + profileId + "\"}";
    }
}
