package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /metrics on a real server: valid text format 0.0.4, counters that move, access rules, DB-backed gauges. */
class MetricsIntegrationTest {
    private static final String METRICS_TOKEN = "scrape-token-0123456789-abcdefghijklmnop";
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: (-?\\d+))?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"(,|$)");

    @TempDir
    Path tmp;

    /** Parses the exposition text; every line must be a comment or {@code name{labels} value}. Key: name + sorted labels. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        assertTrue(text.endsWith("\n"), "exposition must end with a newline");
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                assertTrue(line.split(" ").length >= 3, line);
                if (line.startsWith("# TYPE ")) {
                    assertTrue(line.matches("# TYPE \\S+ (counter|gauge|histogram|summary|untyped)"), line);
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null && !m.group(2).isEmpty()) {
                Matcher l = LABEL.matcher(m.group(2));
                int end = 0;
                while (l.find() && l.start() == end) {
                    labels.put(l.group(1), l.group(2));
                    end = l.end();
                }
                assertEquals(m.group(2).length(), end, "bad labels in: " + line);
            }
            String v = m.group(3);
            double d = v.equals("+Inf") ? Double.POSITIVE_INFINITY : v.equals("-Inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(v);
            assertFalse(out.containsKey(key(m.group(1), labels)), "duplicate series " + line);
            out.put(key(m.group(1), labels), d);
        }
        return out;
    }

    static String key(String name, Map<String, String> labels) {
        return name + new TreeMap<>(labels);
    }

    static double get(Map<String, Double> m, String name, String... kv) {
        Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            labels.put(kv[i], kv[i + 1]);
        }
        return m.getOrDefault(key(name, labels), 0.0);
    }

    private Map<String, Double> scrape(Harness h, String token) throws Exception {
        HttpResponse<String> r = h.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.server.port() + "/metrics"))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        String type = r.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), type);
        return parse(r.body());
    }

    @Test
    void countersMoveAndGaugesFollowTheDatabase() throws Exception {
        Path tokenFile = tmp.resolve("metrics-token");
        Files.writeString(tokenFile, METRICS_TOKEN + "\n");
        Harness h = new Harness(tmp.resolve("data"));
        VerifierConfig c = Harness.config(h.dataDir, 1);
        c.metricsTokenFile = tokenFile;
        h.server = VerifierServer.start(c);
        h.admin = Files.readString(h.server.bootstrapTokenFile()).trim();
        try (h) {
            String legal = h.token("legal");
            String auditor = h.token("auditor");
            Map<String, Double> before = scrape(h, h.admin);
            assertTrue(before.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes")), "JVM metrics missing");
            assertEquals(0.0, get(before, "provmark_jobs", "state", "done"));
            assertTrue(before.containsKey(key("provmark_jobs", Map.of("state", "queued"))), "every job state is present");

            String me = "/api/me";
            double me0 = get(before, "provmark_http_requests_total", "method", "GET", "endpoint", me, "status", "200");
            for (int i = 0; i < 3; i++) {
                h.ok(200, h.call("GET", me, legal, (byte[]) null));
            }
            assertEquals(403, h.call("GET", "/api/tokens", legal, (byte[]) null).status());
            String caseId = h.createCase(legal);
            assertEquals(404, h.call("GET", "/api/cases/" + caseId + "-nope", legal, (byte[]) null).status());
            assertEquals(404, h.call("GET", "/api/no-such-endpoint/" + caseId, legal, (byte[]) null).status());

            // evidence: the same bytes twice are stored once
            String jsonl = h.watermarkedJsonl(2, 60);
            String ev = h.uploadEvidence(caseId, legal, jsonl);
            h.uploadEvidence(caseId, legal, jsonl);
            String profileId = h.createProfile();
            String job = h.ok(201, h.call("POST", "/api/jobs", legal,
                    RoleMatrixIntegrationTest.jobBody(caseId, ev, profileId))).get("id").asText();
            h.waitForJob(job, "done", "failed");
            h.ok(200, h.call("POST", "/api/detect", h.admin, "{\"profileId\":\"" + profileId + "\",\"tokens\":[4,5,6,7,8,9,10]}"));
            assertEquals(422, h.call("POST", "/api/detect", h.admin, "{\"profileId\":\"" + profileId + "\",\"tokens\":[4000]}").status());

            Map<String, Double> after = scrape(h, auditor);
            assertEquals(me0 + 3, get(after, "provmark_http_requests_total", "method", "GET", "endpoint", me, "status", "200"));
            assertEquals(get(before, "provmark_http_request_duration_seconds_count", "method", "GET", "endpoint", me, "status", "200") + 3,
                    get(after, "provmark_http_request_duration_seconds_count", "method", "GET", "endpoint", me, "status", "200"));
            assertEquals(1.0, get(after, "provmark_http_requests_total", "method", "GET", "endpoint", "/api/tokens", "status", "403"));
            assertEquals(1.0, get(after, "provmark_http_requests_total", "method", "GET", "endpoint", "/api/cases/{caseId}", "status", "404"));
            assertTrue(get(after, "provmark_http_requests_total", "method", "GET", "endpoint", "other", "status", "404") >= 1.0);
            assertEquals(1.0, get(after, "provmark_http_requests_total", "method", "POST", "endpoint", "/api/detect", "status", "200"));
            assertTrue(after.keySet().stream().noneMatch(k -> k.contains(caseId)), "a concrete id became a label value");

            assertEquals(1.0, get(after, "provmark_detect_calls_total", "outcome", "scored"));
            assertEquals(1.0, get(after, "provmark_detect_calls_total", "outcome", "invalid"));
            assertEquals(7.0, get(after, "provmark_detect_tokens_total"));
            assertEquals(0.0, get(after, "provmark_rate_limit_denials_total", "limiter", "detect"));

            assertEquals(1.0, get(after, "provmark_jobs", "state", "done"));
            assertEquals(0.0, get(after, "provmark_jobs", "state", "queued"));
            assertEquals(1.0, get(after, "provmark_job_duration_seconds_count", "state", "done"));
            assertEquals(1.0, get(after, "provmark_job_duration_seconds_bucket", "state", "done", "le", "+Inf"));
            double prev = 0;
            for (double le : Metrics.JOB_BUCKETS) {
                double b = get(after, "provmark_job_duration_seconds_bucket", "state", "done", "le", Double.toString(le));
                assertTrue(b >= prev, "buckets must be cumulative");
                prev = b;
            }
            assertEquals(1.0, prev, "the job is in the last finite bucket (" + Metrics.JOB_BUCKETS[Metrics.JOB_BUCKETS.length - 1] + " s)");
            assertTrue(get(after, "provmark_job_duration_seconds_sum", "state", "done") >= 0);
            assertEquals(jsonl.getBytes(StandardCharsets.UTF_8).length, get(after, "provmark_evidence_stored_bytes"));
            assertEquals(2.0, get(after, "provmark_evidence_uploads"));

            // access: the scraper token works on /metrics only; roles other than admin/auditor get 403
            scrape(h, METRICS_TOKEN);
            assertEquals(401, h.call("GET", "/api/me", METRICS_TOKEN, (byte[]) null).status());
            assertEquals(401, h.call("GET", "/metrics", METRICS_TOKEN + "x", (byte[]) null).status());
            assertEquals(401, h.call("GET", "/metrics", null, (byte[]) null).status());
            assertEquals(403, h.call("GET", "/metrics", legal, (byte[]) null).status());
            String text = h.call("GET", "/metrics", h.admin, (byte[]) null).text();
            assertFalse(text.contains(METRICS_TOKEN) || text.contains(h.admin), "a token in the metrics");
        }
    }

    @Test
    void aBadMetricsTokenFileStopsTheStartWithoutEchoingIt() throws Exception {
        Path tokenFile = tmp.resolve("short-token");
        Files.writeString(tokenFile, "short-secret-value");
        VerifierConfig c = Harness.config(tmp.resolve("data"), 0);
        c.metricsTokenFile = tokenFile;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> VerifierServer.start(c).close());
        assertTrue(e.getMessage().contains("32 to 190 printable ASCII"), e.getMessage());
        assertFalse(e.getMessage().contains("short-secret-value"));
    }
}
