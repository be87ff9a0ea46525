package io.provmark.verifier;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prometheus metrics of one server instance, in its own registry (several servers may share a JVM,
 * e.g. in tests). Request metrics are labelled by endpoint <em>template</em>, never by the concrete
 * path, so ids in URLs cannot blow up the label cardinality. Job and evidence figures are read from
 * the database at scrape time, so they are right after a restart and across workers.
 */
final class Metrics {
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    static final List<String> JOB_STATES = List.of("queued", "running", "done", "failed", "cancelled");
    /** Upper bounds (seconds) of the job duration histogram: jobs run from milliseconds to hours. */
    static final double[] JOB_BUCKETS = {0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Set<String> knownEndpoints;
    private final Counter requests;
    private final Histogram latency;
    private final Counter detectCalls;
    private final Counter detectTokens;
    private final Counter denials;

    /** @param knownEndpoints endpoint templates ("/api/jobs/{jobId}") that may appear as label values */
    Metrics(Db db, Set<String> knownEndpoints) {
        this.knownEndpoints = new HashSet<>(knownEndpoints);
        requests = Counter.builder().name("provmark_http_requests_total")
                .help("HTTP requests by method, endpoint template and status")
                .labelNames("method", "endpoint", "status").build();
        latency = Histogram.builder().name("provmark_http_request_duration_seconds").unit(Unit.SECONDS)
                .help("HTTP request handling time by method, endpoint template and status")
                .classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .labelNames("method", "endpoint", "status").build();
        detectCalls = Counter.builder().name("provmark_detect_calls_total")
                .help("Authorized POST /api/detect calls by outcome (scored, invalid, rate_limited)")
                .labelNames("outcome").build();
        detectTokens = Counter.builder().name("provmark_detect_tokens_total")
                .help("Tokens submitted to POST /api/detect in calls that were scored").build();
        denials = Counter.builder().name("provmark_rate_limit_denials_total")
                .help("Requests refused with 429 by a per-token rate limiter")
                .labelNames("limiter").build();
        for (String o : List.of("scored", "invalid", "rate_limited")) {
            detectCalls.labelValues(o); // present at 0 from the start, so rate() works from the first scrape
        }
        for (String l : List.of("detect", "jobs")) {
            denials.labelValues(l);
        }
        registry.register(requests);
        registry.register(latency);
        registry.register(detectCalls);
        registry.register(detectTokens);
        registry.register(denials);
        registry.register(GaugeWithCallback.builder().name("provmark_jobs")
                .help("Jobs in the database by state").labelNames("state")
                .callback(cb -> {
                    Map<String, Long> counts = new LinkedHashMap<>();
                    JOB_STATES.forEach(s -> counts.put(s, 0L));
                    db.jdbi.useHandle(h -> h.createQuery("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
                            .mapToMap().forEach(r -> counts.put((String) r.get("state"), ((Number) r.get("n")).longValue())));
                    counts.forEach((s, n) -> cb.call(n, s));
                }).build());
        registry.register(GaugeWithCallback.builder().name("provmark_evidence_stored_bytes").unit(Unit.BYTES)
                .help("Bytes of evidence stored (content-addressed: identical uploads are stored once)")
                .callback(cb -> cb.call(db.jdbi.withHandle(h -> h.createQuery(
                        "SELECT COALESCE(SUM(z), 0) FROM (SELECT MAX(size_bytes) AS z FROM evidence GROUP BY sha256) u")
                        .mapTo(Long.class).one()))).build());
        registry.register(GaugeWithCallback.builder().name("provmark_evidence_uploads")
                .help("Evidence uploads accepted (database rows)")
                .callback(cb -> cb.call(db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM evidence")
                        .mapTo(Long.class).one()))).build());
        registry.register(new JobDurations(db));
        JvmMetrics.builder().register(registry);
    }

    /** Endpoint templates for the label whitelist: every routed endpoint path. */
    static Set<String> knownTemplates(List<Endpoint> endpoints, List<String> publicEndpoints) {
        Set<String> out = new HashSet<>();
        endpoints.forEach(e -> out.add(e.path()));
        publicEndpoints.forEach(p -> out.add(p.substring(p.indexOf(' ') + 1)));
        return out;
    }

    /** The matched endpoint template of a finished request, or null (no route matched). */
    static String template(io.javalin.http.Context ctx) {
        try {
            return ctx.endpointHandlerPath();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Records one finished HTTP request; unknown templates (404s, static files) are labelled "other". */
    void request(String method, String endpoint, int status, double seconds) {
        String m = method.equals("GET") || method.equals("POST") || method.equals("HEAD") ? method : "other";
        String e = endpoint != null && knownEndpoints.contains(endpoint) ? endpoint : "other";
        String s = Integer.toString(status);
        requests.labelValues(m, e, s).inc();
        latency.labelValues(m, e, s).observe(seconds);
    }

    void detectScored(int tokens) {
        detectCalls.labelValues("scored").inc();
        detectTokens.inc(tokens);
    }

    void detectInvalid() {
        detectCalls.labelValues("invalid").inc();
    }

    void detectRateLimited() {
        detectCalls.labelValues("rate_limited").inc();
    }

    void denied(String limiter) {
        denials.labelValues(limiter).inc();
    }

    /** The text exposition format 0.0.4. */
    byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        writer.write(out, registry.scrape());
        return out.toByteArray();
    }

    /**
     * Duration of finished jobs (last attempt's start to finish), by final state, computed from the
     * jobs table at scrape time: it survives restarts and counts jobs finished by any worker. Finished
     * rows never change, so the bucket counts only grow, as a Prometheus histogram's must.
     */
    private static final class JobDurations implements Collector {
        private final Db db;

        JobDurations(Db db) {
            this.db = db;
        }

        @Override
        public String getPrometheusName() {
            return "provmark_job_duration_seconds";
        }

        @Override
        public MetricSnapshot collect() {
            StringBuilder sql = new StringBuilder("SELECT state, COUNT(*) AS n, COALESCE(SUM(finished_at - started_at), 0) AS total_ms");
            for (int i = 0; i < JOB_BUCKETS.length; i++) {
                sql.append(", SUM(CASE WHEN finished_at - started_at <= ").append(Math.round(JOB_BUCKETS[i] * 1000))
                        .append(" THEN 1 ELSE 0 END) AS b").append(i);
            }
            sql.append(" FROM jobs WHERE finished_at IS NOT NULL AND started_at IS NOT NULL GROUP BY state");
            List<Map<String, Object>> rows = db.jdbi.withHandle(h -> h.createQuery(sql.toString()).mapToMap().list());
            List<HistogramSnapshot.HistogramDataPointSnapshot> points = new ArrayList<>();
            double[] bounds = new double[JOB_BUCKETS.length + 1];
            System.arraycopy(JOB_BUCKETS, 0, bounds, 0, JOB_BUCKETS.length);
            bounds[JOB_BUCKETS.length] = Double.POSITIVE_INFINITY;
            for (Map<String, Object> r : rows) {
                long n = ((Number) r.get("n")).longValue();
                long[] perBucket = new long[bounds.length]; // non-cumulative, as ClassicHistogramBuckets wants
                long below = 0;
                for (int i = 0; i < JOB_BUCKETS.length; i++) {
                    long cumulative = ((Number) r.get("b" + i)).longValue();
                    perBucket[i] = cumulative - below;
                    below = cumulative;
                }
                perBucket[JOB_BUCKETS.length] = n - below;
                points.add(new HistogramSnapshot.HistogramDataPointSnapshot(ClassicHistogramBuckets.of(bounds, perBucket),
                        ((Number) r.get("total_ms")).doubleValue() / 1000.0, Labels.of("state", (String) r.get("state")),
                        Exemplars.EMPTY, 0L));
            }
            return new HistogramSnapshot(new MetricMetadata("provmark_job_duration_seconds",
                    "Duration of finished jobs (last attempt), by final state", Unit.SECONDS), points);
        }
    }
}
