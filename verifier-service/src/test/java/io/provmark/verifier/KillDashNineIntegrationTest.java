package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.profile.ProfileJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: the service runs as a separate JVM ({@link VerifierMain}), gets SIGKILL while a
 * job is running, and a new JVM on the same data directory must resume the job to a report that
 * verifies, with the evidence intact, no half-written report and a valid audit chain.
 */
class KillDashNineIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Short lease so the restarted process re-queues the dead worker's job within seconds, yet well
     * above the longest gap between lease renewals of a live worker (the report phase, scoring done →
     * report renamed into place, ≈ 1 s here, renews nothing): with 3 s, a worker starved on the shared
     * 2-core machine (load average 17) once lost its lease while alive and the job needed a third attempt.
     */
    private static final long LEASE_MILLIS = 8_000;
    /** Generous: two JVM starts and two runs of the job on a loaded 2-core machine. */
    private static final long DEADLINE_MILLIS = 240_000;
    /** Records × tokens of the evidence: one heartbeat (an fsynced database write) per record keeps the job running for seconds. */
    private static final int RECORDS = 2_000;
    private static final int TOKENS = 400;

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }

    /** A server JVM and where it listens. */
    private record Server(Process process, int port, Path log) {
    }

    private Server startServer(Path data, String jdbcUrl, String name) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // surefire puts the test classpath (test classes, main classes, dependencies) here
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = tmp.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xmx512m", "-cp", cp, VerifierMain.class.getName(),
                data.toString(), Harness.keysetFile().toString(), jdbcUrl, Long.toString(LEASE_MILLIS),
                Long.toString(64L * 1024 * 1024));
        pb.environment().put("PROVMARK_KEYSET_PASSPHRASE", new String(Harness.PASSPHRASE));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        started.add(p);
        long end = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (System.currentTimeMillis() < end) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.startsWith("LISTENING ")) {
                    return new Server(p, Integer.parseInt(line.substring(10).trim()), log);
                }
            }
            if (!p.isAlive()) {
                fail(name + " exited with " + p.exitValue() + " before listening:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        fail(name + " did not start listening:\n" + Files.readString(log));
        return null;
    }

    private HttpResponse<byte[]> call(Server s, String method, String path, String token, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private JsonNode ok(int expected, HttpResponse<byte[]> r) throws IOException {
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(expected, r.statusCode(), text);
        return JSON.readTree(text);
    }

    private JsonNode post(Server s, String path, String token, String json) throws Exception {
        return ok(201, call(s, "POST", path, token, json.getBytes(StandardCharsets.UTF_8)));
    }

    private JsonNode get(Server s, String path, String token) throws Exception {
        return ok(200, call(s, "GET", path, token, null));
    }

    /** Uniform random token ids (fixed seed): the job's result does not matter here, only its duration and durability. */
    private static byte[] bigEvidence() {
        Random rnd = new Random(42);
        StringBuilder sb = new StringBuilder(RECORDS * TOKENS * 4);
        for (int i = 0; i < RECORDS; i++) {
            sb.append("{\"id\":\"r").append(i).append("\",\"tokens\":[");
            for (int j = 0; j < TOKENS; j++) {
                sb.append(j == 0 ? "" : ",").append(rnd.nextInt(Harness.VOCAB));
            }
            sb.append("]}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sigkillDuringAJobThenRestartResumesItToAVerifyingReport() throws Exception {
        Path data = tmp.resolve("data");
        String jdbcUrl = Harness.jdbcUrl(data);
        Server first = startServer(data, jdbcUrl, "first");
        String admin = Files.readString(data.resolve("bootstrap-admin-token")).trim();
        String legal = post(first, "/api/tokens", admin, "{\"name\":\"alice\",\"role\":\"legal\"}").get("token").asText();
        String profile = ProfileJson.write(new Harness(data).profile()); // only its keyset and profile helpers
        String profileId = post(first, "/api/profiles", admin, "{\"name\":\"rg\",\"profile\":" + profile + "}").get("id").asText();
        String caseId = post(first, "/api/cases", legal, "{\"title\":\"kill -9\"}").get("id").asText();
        byte[] evidence = bigEvidence();
        String sha = ReportFiles.sha256(evidence);
        JsonNode ev = ok(201, call(first, "POST", "/api/cases/" + caseId + "/evidence?kind=token-ids&name=big.jsonl", legal, evidence));
        assertEquals(sha, ev.get("sha256").asText());
        String jobId = post(first, "/api/jobs", legal, "{\"caseId\":\"" + caseId + "\",\"evidenceId\":\"" + ev.get("id").asText()
                + "\",\"profileId\":\"" + profileId + "\"}").get("id").asText();

        // poll (no sleep: the window is seconds wide) until the worker is visibly mid-job, then SIGKILL the whole JVM
        long end = System.currentTimeMillis() + DEADLINE_MILLIS;
        JsonNode atKill = null;
        while (System.currentTimeMillis() < end) {
            JsonNode j = get(first, "/api/jobs/" + jobId, legal);
            String state = j.get("state").asText();
            if (state.equals("running") && j.get("progress").asDouble() >= 0.1) { // well into the scoring
                atKill = j;
                break;
            }
            assertTrue(state.equals("queued") || state.equals("running"),
                    "job finished before it could be killed (make the evidence bigger): " + j);
        }
        assertTrue(atKill != null, "job never reported progress");
        long pid = first.process().pid();
        first.process().destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no finally block runs
        int exit = first.process().waitFor();
        assertEquals(128 + 9, exit, "the JVM must have died from SIGKILL");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the killed JVM is gone");
        assertTrue(atKill.get("progress").asDouble() < 0.99, "killed while scoring, before the report: " + atKill);
        System.out.println("kill -9 at job progress " + atKill.get("progress").asDouble());

        Server second = startServer(data, jdbcUrl, "second");
        JsonNode done = null;
        long reportPhase = -1;
        while (System.currentTimeMillis() < end) {
            JsonNode j = get(second, "/api/jobs/" + jobId, legal);
            String state = j.get("state").asText();
            if (reportPhase < 0 && j.get("progress").asDouble() >= 0.9) {
                reportPhase = System.currentTimeMillis();
            }
            if (!state.equals("queued") && !state.equals("running")) {
                done = j;
                break;
            }
            Thread.sleep(20);
        }
        System.out.println("report phase took about " + (System.currentTimeMillis() - reportPhase) + " ms after the restart");
        assertTrue(done != null, "job did not finish after the restart; log:\n" + Files.readString(second.log()));
        // one lost attempt (the kill) is below maxAttempts = 3, so the job must be resumed, not failed
        assertEquals("done", done.get("state").asText(), done.toString());
        assertEquals(2, done.get("attempts").asInt(), "exactly one attempt lost, the killed one: " + done);
        System.out.println("resumed job ran " + (done.get("finishedAt").asLong() - done.get("startedAt").asLong()) + " ms");

        Path reportDir = data.resolve("reports").resolve(jobId);
        ReportVerifier.Result v = ReportVerifier.verify(reportDir);
        assertTrue(v.ok(), v.failure());
        JsonNode report = JSON.readTree(Files.readAllBytes(reportDir.resolve(ReportFiles.REPORT)));
        assertEquals(jobId, report.get("job").get("id").asText());
        assertEquals(2, report.get("job").get("attempt").asInt());
        assertEquals(sha, report.get("inputs").get(0).get("sha256").asText());
        assertEquals(RECORDS, report.get("summary").get("records").asInt());

        try (Stream<Path> s = Files.list(data.resolve("reports"))) {
            List<String> temps = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".tmp-")).toList();
            assertTrue(temps.isEmpty(), "half-written report directories left: " + temps);
        }
        assertEquals(sha, ReportFiles.sha256(Files.readAllBytes(data.resolve("evidence").resolve(sha))), "stored evidence changed");
        JsonNode evList = get(second, "/api/cases/" + caseId + "/evidence", legal).get("evidence");
        assertEquals(1, evList.size());
        assertEquals(sha, evList.get(0).get("sha256").asText());

        JsonNode audit = get(second, "/api/audit", admin);
        assertTrue(audit.get("chainValid").asBoolean(), audit.toString());
        boolean recovered = false;
        boolean jobDone = false;
        for (JsonNode e : audit.get("entries")) {
            recovered |= e.get("action").asText().equals("jobs.recover");
            jobDone |= e.get("action").asText().equals("job.done") && e.get("target").asText().equals(jobId);
        }
        assertTrue(recovered, "the lease recovery is in the audit log");
        assertTrue(jobDone, "the job's end is in the audit log");

        second.process().destroy(); // SIGTERM: the shutdown hook closes the server cleanly
        second.process().waitFor();
    }
}
