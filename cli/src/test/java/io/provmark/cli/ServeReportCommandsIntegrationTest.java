package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.verifier.VerifierConfig;
import io.provmark.verifier.VerifierServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code provmark report verify} on a report made by a real service run; {@code serve} argument checks. */
class ServeReportCommandsIntegrationTest {
    @TempDir
    Path tmp;

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), name + " in " + json);
        return m.group(1);
    }

    @Test
    void reportVerifyAcceptsAServiceReportAndRejectsAFlippedByte() throws Exception {
        Path keysetFile = tmp.resolve("keys.pmk");
        Keyset ks = Keyset.generate();
        KeysetFile.write(keysetFile, ks, Cli.PASS.toCharArray());
        VerifierConfig c = new VerifierConfig(tmp.resolve("data"));
        c.port = 0;
        c.keyset = keysetFile;
        c.passphrase = Cli.PASS.toCharArray();
        c.workers = 1;
        Path reportDir;
        try (VerifierServer s = VerifierServer.start(c)) {
            String token = s.bootstrapAdminToken().orElseThrow();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + s.port();
            java.util.function.BiFunction<String, String, String> post = (path, body) -> {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                            .header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(201, r.statusCode(), r.body());
                    return r.body();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            String profile = ProfileJson.write(Profile.defaults("red-green", ks.primaryId(), "none", 1000));
            String profileId = field(post.apply("/api/profiles", "{\"name\":\"p\",\"profile\":" + profile + "}"), "id");
            String caseId = field(post.apply("/api/cases", "{\"title\":\"t\"}"), "id");
            String evId = field(post.apply("/api/cases/" + caseId + "/evidence?kind=token-ids",
                    "{\"tokens\":[5,17,3,99,4,250,8,1,2,3,4,5,6,7,8,9]}\n"), "id");
            String jobId = field(post.apply("/api/jobs", "{\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + evId
                    + "\",\"profileId\":\"" + profileId + "\"}"), "id");
            String state = "";
            for (int i = 0; i < 600 && !state.equals("done") && !state.equals("failed"); i++) {
                Thread.sleep(50);
                state = field(http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + jobId))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body(), "state");
            }
            assertEquals("done", state);
            reportDir = tmp.resolve("data").resolve("reports").resolve(jobId);
        }
        Cli.Result ok = Cli.run("report", "verify", reportDir.toString());
        assertEquals(0, ok.code(), ok::toString);
        assertTrue(ok.out().contains("report verified"), ok::toString);
        assertTrue(ok.out().contains("CMS (ECDSA P-256) detached signature over report.json: ok"), ok::toString);

        Path report = reportDir.resolve("report.json");
        Files.setPosixFilePermissions(report, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        byte[] b = Files.readAllBytes(report);
        b[b.length / 2] ^= 0x01;
        Files.write(report, b);
        Cli.Result bad = Cli.run("report", "verify", reportDir.toString());
        assertEquals(ExitCodes.BAD_INPUT, bad.code(), bad::toString);
        assertTrue(bad.err().contains("report verification FAILED"), bad::toString);
    }

    @Test
    void serveRejectsABadPortAndReportVerifyAMissingDir() {
        Cli.Result r = Cli.run("serve", "--port", "70000", "--data-dir", tmp.resolve("d").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        Cli.Result v = Cli.run("report", "verify", tmp.resolve("nope").toString());
        assertEquals(ExitCodes.BAD_INPUT, v.code(), v::toString);
        assertTrue(v.err().contains("not a directory"), v::toString);
    }
}
