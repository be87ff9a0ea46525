package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/** A real server on loopback over a SQLite file in a temp dir, plus an HTTP client. */
final class Harness implements AutoCloseable {
    static final char[] PASSPHRASE = "test passphrase, not secret".toCharArray();
    static final ObjectMapper JSON = new ObjectMapper();
    static final int VOCAB = 1000;

    final Path dataDir;
    VerifierServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String admin;

    Harness(Path dataDir) {
        this.dataDir = dataDir;
    }

    /**
     * Set -Dprovmark.test.postgres=jdbc:postgresql://HOST:PORT/DB?user=U to run the integration tests
     * against PostgreSQL (one schema per test data directory); default: SQLite in the data directory.
     */
    static final String POSTGRES = System.getProperty("provmark.test.postgres");

    /** The JDBC URL the server under test uses for this data directory. */
    static String jdbcUrl(Path dataDir) {
        if (POSTGRES == null || POSTGRES.isBlank()) {
            return "jdbc:sqlite:" + dataDir.toAbsolutePath().resolve("verifier.db");
        }
        String schema = "t" + ReportFiles.sha256(dataDir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 20);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(POSTGRES)) {
            c.createStatement().execute("CREATE SCHEMA IF NOT EXISTS " + schema);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot prepare PostgreSQL schema: " + e.getMessage(), e);
        }
        return POSTGRES + (POSTGRES.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    static VerifierConfig config(Path dataDir, int workers) {
        VerifierConfig c = new VerifierConfig(dataDir);
        c.jdbcUrl = POSTGRES == null || POSTGRES.isBlank() ? null : jdbcUrl(dataDir);
        c.port = 0;
        c.passphrase = PASSPHRASE.clone();
        try {
            c.keyset = keysetFile();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        c.workers = workers;
        c.maxUploadBytes = 64 * 1024;
        c.leaseMillis = 2_000;
        c.jobsPerMinute = 20;
        return c;
    }

    Harness start(int workers) throws Exception {
        server = VerifierServer.start(config(dataDir, workers));
        admin = Files.readString(server.bootstrapTokenFile()).trim();
        return this;
    }

    void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    record Resp(int status, byte[] body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    Resp call(String method, String path, String token, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Resp(r.statusCode(), r.body());
    }

    Resp call(String method, String path, String token, String body) throws Exception {
        return call(method, path, token, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    JsonNode ok(int expected, Resp r) {
        assertEquals(expected, r.status(), r.text());
        return r.json();
    }

    String token(String role) throws Exception {
        return ok(201, call("POST", "/api/tokens", admin, "{\"name\":\"" + role + "-user\",\"role\":\"" + role + "\"}"))
                .get("token").asText();
    }

    private static Path sharedKeysetFile;
    private static Keyset sharedKeyset;

    /** One keyset file for the whole test JVM: scrypt is slow by design, so generate and read it once. */
    static synchronized Path keysetFile() throws Exception {
        if (sharedKeysetFile == null) {
            Path dir = Files.createTempDirectory("provmark-test-keyset");
            dir.toFile().deleteOnExit();
            sharedKeyset = Keyset.generate();
            sharedKeysetFile = dir.resolve("keyset.pmk");
            KeysetFile.write(sharedKeysetFile, sharedKeyset, PASSPHRASE);
            sharedKeysetFile.toFile().deleteOnExit();
        }
        return sharedKeysetFile;
    }

    Keyset keyset() throws Exception {
        keysetFile();
        return sharedKeyset;
    }

    Profile profile() throws Exception {
        return Profile.defaults("red-green", keyset().primaryId(), "none", VOCAB);
    }

    String createProfile() throws Exception {
        String body = "{\"name\":\"rg\",\"profile\":" + ProfileJson.write(profile()) + "}";
        return ok(201, call("POST", "/api/profiles", admin, body)).get("id").asText();
    }

    String createCase(String token) throws Exception {
        return ok(201, call("POST", "/api/cases", token, "{\"title\":\"ACME v. Distiller\",\"description\":\"test\"}"))
                .get("id").asText();
    }

    /** Watermarked JSONL (fixed seeds) from the built-in Zipf model: deterministic tiny p-values. */
    String watermarkedJsonl(int records, int len) throws Exception {
        Profile p = profile();
        var scheme = Schemes.create(p, keyset().key(p.keyId()));
        Generator g = new Generator(new ZipfLogitsModel(VOCAB, 1.0, 1), 1.0);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < records; i++) {
            int[] t = g.generate(scheme.embedder(), new int[] {1, 2}, len, 1000 + i);
            sb.append("{\"id\":\"r").append(i).append("\",\"tokens\":").append(Arrays.toString(t).replace(" ", ""))
                    .append("}\n");
        }
        return sb.toString();
    }

    String uploadEvidence(String caseId, String token, String jsonl) throws Exception {
        return ok(201, call("POST", "/api/cases/" + caseId + "/evidence?kind=token-ids&name=suspect.jsonl", token, jsonl))
                .get("id").asText();
    }

    JsonNode waitForJob(String jobId, String... finalStates) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode j = ok(200, call("GET", "/api/jobs/" + jobId, admin, (byte[]) null));
            for (String s : finalStates) {
                if (s.equals(j.get("state").asText())) {
                    return j;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + jobId + " did not reach " + Arrays.toString(finalStates) + " within 30 s");
    }

    /** Downloads every report file through the API into {@code dir}. */
    Path download(String jobId, Path dir) throws Exception {
        JsonNode files = ok(200, call("GET", "/api/jobs/" + jobId + "/report", admin, (byte[]) null)).get("files");
        for (JsonNode f : files) {
            Resp r = call("GET", "/api/jobs/" + jobId + "/report/files/" + f.asText(), admin, (byte[]) null);
            assertEquals(200, r.status(), f.asText());
            Path out = dir.resolve(f.asText());
            Files.createDirectories(out.getParent());
            Files.write(out, r.body());
        }
        return dir;
    }
}
