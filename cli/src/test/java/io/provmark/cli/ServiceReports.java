package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.Keyset;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.verifier.VerifierConfig;
import io.provmark.verifier.VerifierServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real verifier-service run over HTTP on loopback that produces one detect report, for the CLI's report tests. */
final class ServiceReports {
    private ServiceReports() {
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), name + " in " + json);
        return m.group(1);
    }

    /**
     * Starts the service on {@code dataDir} with the keyset file (one worker; a TSA when tsaUrl is
     * not null), creates a red-green profile, a case, token-ids evidence and a detect job as the
     * bootstrap admin, waits for the job and returns its report directory.
     */
    static Path detectReport(Path dataDir, Path keysetFile, Keyset ks, String tsaUrl) throws Exception {
        VerifierConfig c = new VerifierConfig(dataDir);
        c.port = 0;
        c.keyset = keysetFile;
        c.passphrase = Cli.PASS.toCharArray();
        c.workers = 1;
        c.tsaUrl = tsaUrl;
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
            return dataDir.resolve("reports").resolve(jobId);
        }
    }
}
