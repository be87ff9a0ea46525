package io.provmark.verifier;

import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.stats.LogP;
import io.provmark.core.stats.Multiplicity;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable job queue: rows in {@code jobs} move queued → running → done | failed | cancelled.
 * A worker claims a job with a conditional UPDATE and holds a lease it renews with every progress
 * update; a running job whose lease expired (its worker or the whole process died) is re-queued,
 * or failed with a reason after {@code maxAttempts}. Reports are built in a temp directory and
 * renamed into place, so a report directory is complete or absent.
 */
final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    static final List<String> LIMITS = List.of(
            "A small p-value says the tokens are unlikely to have been produced without this key's watermark; "
                    + "it does not by itself say how the watermark got there.",
            "A negative result (large p-value) is not evidence of innocence: paraphrasing, short texts, "
                    + "low-entropy text or a different tokenizer all weaken the signal.",
            "Learnable watermarks can be spoofed: a party that learned the watermark from many watermarked "
                    + "outputs can imprint it on text the key holder never produced.",
            "The p-value assumes the unwatermarked null model of the scheme (independent pseudo-random scores per "
                    + "distinct scored tuple after deduplication).");

    /** Significance level of the plain-language verdict; the same default as {@code provmark detect --alpha}. */
    static final double ALPHA = 0.001;
    private final VerifierServer s;
    /** Null when no TSA is configured. */
    private final Timestamping tsa;
    /** Per process; each worker thread appends its index, so two threads never share a lease. */
    private final String processId = "w-" + UUID.randomUUID();
    private ExecutorService pool;
    private ScheduledExecutorService sweeper;
    private volatile boolean stopping;

    JobRunner(VerifierServer s) {
        this.s = s;
        this.tsa = Timestamping.fromConfig(s.config);
    }

    void start() throws IOException {
        cleanTempReports();
        recoverExpired();
        int n = s.config.workers;
        if (n <= 0) {
            return;
        }
        pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "provmark-job-worker");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < n; i++) {
            String wid = processId + "-" + i;
            pool.submit(() -> workLoop(wid));
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "provmark-lease-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, s.config.leaseMillis / 2);
        sweeper.scheduleWithFixedDelay(this::recoverExpiredQuietly, period, period, TimeUnit.MILLISECONDS);
    }

    void stop() {
        stopping = true;
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (pool != null) {
            pool.shutdownNow();
            try {
                pool.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Removes report temp directories left by a crash mid-write; they were never visible. */
    private void cleanTempReports() throws IOException {
        try (Stream<Path> st = Files.list(s.reportsDir)) {
            for (Path p : (Iterable<Path>) st::iterator) {
                if (p.getFileName().toString().startsWith(".tmp-")) {
                    deleteTree(p);
                    LOG.warn("removed half-written report directory {}", p);
                }
            }
        }
    }

    private void recoverExpiredQuietly() {
        try {
            recoverExpired();
        } catch (RuntimeException e) {
            LOG.warn("lease sweep failed: {}", e.toString());
        }
    }

    /** Running jobs whose lease expired: cancelled if asked, re-queued, or failed after maxAttempts. */
    int recoverExpired() {
        long now = System.currentTimeMillis();
        int max = s.config.maxAttempts;
        int n = s.db.jdbi.inTransaction(h -> {
            int c = h.createUpdate("UPDATE jobs SET state = 'cancelled', finished_at = :now, worker = NULL, lease_until = NULL,"
                    + " error = 'cancelled (its worker was lost while the cancel was pending)'"
                    + " WHERE state = 'running' AND lease_until < :now AND cancel_requested = 1").bind("now", now).execute();
            c += h.createUpdate("UPDATE jobs SET state = 'failed', finished_at = :now, worker = NULL, lease_until = NULL,"
                    + " error = 'worker lost (lease expired) on each of ' || CAST(attempts AS VARCHAR(10)) || ' attempts; giving up'"
                    + " WHERE state = 'running' AND lease_until < :now AND attempts >= :max").bind("now", now).bind("max", max).execute();
            c += h.createUpdate("UPDATE jobs SET state = 'queued', worker = NULL, lease_until = NULL, progress = 0,"
                    + " error = 're-queued after its worker was lost (lease expired)'"
                    + " WHERE state = 'running' AND lease_until < :now AND attempts < :max").bind("now", now).bind("max", max).execute();
            return c;
        });
        if (n > 0) {
            LOG.warn("recovered {} job(s) whose worker was lost", n);
            s.audit.append(null, "service", "jobs.recover", "-", n + " running job(s) with an expired lease re-queued, failed or cancelled");
        }
        return n;
    }

    String enqueue(String caseId, String evidenceId, String profileId, String by) {
        return enqueue(caseId, evidenceId, profileId, by, JobKinds.DETECT, null);
    }

    /** A job of a kind (JobKinds) with its checked options (canonical JSON, or null). */
    String enqueue(String caseId, String evidenceId, String profileId, String by, String kind, String options) {
        String id = UUID.randomUUID().toString();
        s.db.jdbi.useHandle(h -> h.createUpdate("INSERT INTO jobs (id, case_id, evidence_id, profile_id, state, progress, attempts,"
                        + " cancel_requested, created_at, created_by, kind, kind_options)"
                        + " VALUES (:id, :c, :e, :p, 'queued', 0, 0, 0, :t, :by, :k, :o)")
                .bind("id", id).bind("c", caseId).bind("e", evidenceId).bind("p", profileId)
                .bind("t", System.currentTimeMillis()).bind("by", by).bind("k", kind).bind("o", options).execute());
        return id;
    }

    Map<String, Object> row(String id) {
        return s.db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE id = :id").bind("id", id).mapToMap().findOne())
                .orElseThrow(() -> new ApiException(404, "unknown job " + id));
    }

    Map<String, Object> describe(Map<String, Object> r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", r.get("id"));
        out.put("kind", JobKinds.kindOf(r));
        out.put("caseId", r.get("case_id"));
        out.put("evidenceId", r.get("evidence_id"));
        out.put("profileId", r.get("profile_id"));
        out.put("state", r.get("state"));
        out.put("progress", ((Number) r.get("progress")).doubleValue());
        out.put("error", r.get("error"));
        out.put("attempts", ((Number) r.get("attempts")).intValue());
        out.put("cancelRequested", ((Number) r.get("cancel_requested")).intValue() == 1);
        out.put("createdAt", r.get("created_at"));
        out.put("startedAt", r.get("started_at"));
        out.put("finishedAt", r.get("finished_at"));
        return out;
    }

    Map<String, Object> cancel(String id) {
        row(id);
        s.db.jdbi.useHandle(h -> {
            int n = h.createUpdate("UPDATE jobs SET state = 'cancelled', finished_at = :t, error = 'cancelled before it started'"
                    + " WHERE id = :id AND state = 'queued'").bind("id", id).bind("t", System.currentTimeMillis()).execute();
            if (n == 0) {
                h.createUpdate("UPDATE jobs SET cancel_requested = 1 WHERE id = :id AND state = 'running'").bind("id", id).execute();
            }
        });
        Map<String, Object> r = row(id);
        String st = (String) r.get("state");
        if (st.equals("done") || st.equals("failed")) {
            throw new ApiException(409, "job " + id + " already finished (" + st + ")");
        }
        return r;
    }

    Path reportDir(Map<String, Object> r) {
        if (!"done".equals(r.get("state"))) {
            throw new ApiException(409, "job " + r.get("id") + " has no report (state " + r.get("state") + ")");
        }
        return s.reportsDir.resolve((String) r.get("id"));
    }

    // ---------------------------------------------------------------- workers

    private void workLoop(String workerId) {
        while (!stopping && !Thread.currentThread().isInterrupted()) {
            try {
                Optional<String> job = claim(workerId);
                if (job.isEmpty()) {
                    Thread.sleep(100);
                    continue;
                }
                run(job.get(), workerId);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                LOG.error("worker loop error", e);
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** No transaction around it: the conditional UPDATE alone is atomic, and SQLite would deadlock upgrading a read lock. */
    private Optional<String> claim(String workerId) {
        return s.db.jdbi.withHandle(h -> {
            Optional<String> id = h.createQuery("SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at LIMIT 1")
                    .mapTo(String.class).findOne();
            if (id.isEmpty()) {
                return id;
            }
            long now = System.currentTimeMillis();
            int n = h.createUpdate("UPDATE jobs SET state = 'running', worker = :w, lease_until = :l, attempts = attempts + 1,"
                            + " started_at = :now, progress = 0 WHERE id = :id AND state = 'queued'")
                    .bind("w", workerId).bind("l", now + s.config.leaseMillis).bind("now", now).bind("id", id.get()).execute();
            return n == 1 ? id : Optional.<String>empty();
        });
    }

    /** Renews the lease and records progress; returns false when a cancel was requested or the lease was lost. */
    private boolean heartbeat(String id, String workerId, double progress) {
        int n = s.db.jdbi.withHandle(h -> h.createUpdate("UPDATE jobs SET progress = :p, lease_until = :l"
                        + " WHERE id = :id AND state = 'running' AND worker = :w AND cancel_requested = 0")
                .bind("p", progress).bind("l", System.currentTimeMillis() + s.config.leaseMillis)
                .bind("id", id).bind("w", workerId).execute());
        return n == 1;
    }

    private void finish(String id, String workerId, String state, String error) {
        int n = s.db.jdbi.withHandle(h -> h.createUpdate("UPDATE jobs SET state = :s, error = :e, finished_at = :t, lease_until = NULL,"
                        + " progress = CASE WHEN :s = 'done' THEN 1 ELSE progress END WHERE id = :id AND state = 'running' AND worker = :w")
                .bind("s", state).bind("e", error).bind("t", System.currentTimeMillis()).bind("id", id).bind("w", workerId).execute());
        if (n == 1) {
            s.audit.append(null, "service", "job." + state, id, error == null ? "" : "error=" + error);
        }
    }

    private static final class Cancelled extends Exception {
        Cancelled() {
            super("cancelled");
        }
    }

    private void run(String id, String workerId) {
        try {
            Path finalDir = s.reportsDir.resolve(id);
            if (Files.exists(finalDir)) {
                // the process died after the rename but before the row said done: keep a report that verifies
                if (ReportVerifier.verify(finalDir).ok()) {
                    finish(id, workerId, "done", null);
                    return;
                }
                deleteTree(finalDir);
            }
            buildReport(id, workerId, finalDir);
            finish(id, workerId, "done", null);
        } catch (Cancelled e) {
            int n = s.db.jdbi.withHandle(h -> h.createUpdate("UPDATE jobs SET state = 'cancelled', error = 'cancelled while running',"
                            + " finished_at = :t, lease_until = NULL WHERE id = :id AND state = 'running' AND worker = :w")
                    .bind("t", System.currentTimeMillis()).bind("id", id).bind("w", workerId).execute());
            if (n == 1) {
                s.audit.append(null, "service", "job.cancelled", id, "cancelled while running");
            }
        } catch (ApiException e) {
            finish(id, workerId, "failed", e.getMessage());
        } catch (Exception e) {
            if (stopping) {
                return; // the lease expires and another start re-queues it
            }
            LOG.error("job {} failed", id, e);
            finish(id, workerId, "failed", "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private void buildReport(String id, String workerId, Path finalDir) throws Exception {
        Map<String, Object> job = row(id);
        Map<String, Object> ev = s.db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM evidence WHERE id = :id")
                .bind("id", job.get("evidence_id")).mapToMap().one());
        Map<String, Object> prof = s.db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM profiles WHERE id = :id")
                .bind("id", job.get("profile_id")).mapToMap().one());
        Map<String, Object> cs = s.caseRow((String) job.get("case_id"));
        String sha = (String) ev.get("sha256");
        byte[] data = Files.readAllBytes(s.evidenceDir.resolve(sha));
        if (!ReportFiles.sha256(data).equals(sha)) {
            throw new ApiException(500, "stored evidence " + sha + " no longer matches its SHA-256; refusing to report");
        }
        String kind = (String) ev.get("kind");
        Profile profile = ProfileJson.read((String) prof.get("json"));
        if (!s.keyset.contains(profile.keyId())) {
            throw new ApiException(422, "the profile's key " + profile.keyId() + " is no longer in the service keyset");
        }
        WatermarkKey key = s.keyset.key(profile.keyId());
        Detector detector = new Detector(Schemes.create(profile, key));
        List<EvidenceParser.Item> items = EvidenceParser.parse(kind, data);
        if (EvidenceParser.TEXT.equals(kind)) {
            String text = EvidenceParser.decodeUtf8(data, "text evidence");
            int[] toks = io.provmark.core.profile.ProfileTokenizers.resolve(profile).encode(text); // checks the pinned vocabulary
            items = List.of(new EvidenceParser.Item("text", toks, new int[0]));
        }
        items = JobKinds.items(job, kind, data, profile, items); // job kinds: corpus documents, calibration without prompts
        double loopShare = JobKinds.loopShare(job);
        List<Evidence> results = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            EvidenceParser.Item it = items.get(i);
            checkVocab(it.tokens(), profile, it.id());
            checkVocab(it.prompt(), profile, it.id());
            results.add(detector.detect(it.tokens(), it.prompt(), false));
            if (!heartbeat(id, workerId, loopShare * (i + 1) / items.size())) {
                throw new Cancelled();
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
        }
        double[] ln = new double[results.size()];
        for (int i = 0; i < ln.length; i++) {
            ln[i] = results.get(i).lnPValue();
        }
        double[] holm = Multiplicity.holm(ln);
        int best = 0;
        for (int i = 1; i < holm.length; i++) {
            if (holm[i] < holm[best]) {
                best = i;
            }
        }
        // the curve and histogram pool every record into one stream, deduplicated across records
        Detector.SharedDedup shared = new Detector.SharedDedup(null);
        double[] pooled = new double[1024];
        int pooledLen = 0;
        for (EvidenceParser.Item it : items) {
            double[] v = detector.tape(it.tokens(), it.prompt(), false, shared).values();
            if (pooledLen + v.length > pooled.length) { // amortised growth: many records stay linear
                pooled = java.util.Arrays.copyOf(pooled, Math.max(pooled.length * 2, pooledLen + v.length));
            }
            System.arraycopy(v, 0, pooled, pooledLen, v.length);
            pooledLen += v.length;
        }
        pooled = java.util.Arrays.copyOf(pooled, pooledLen);
        // renew the lease between the long stages of report building, so a big report is not re-run
        if (!heartbeat(id, workerId, loopShare)) {
            throw new Cancelled();
        }
        var nullModel = detector.scheme().nullModel();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("curve", ReportStats.curve(nullModel, pooled));
        extra.put("histogram", ReportStats.histogram(profile, nullModel, pooled));
        EvidenceParser.Item strongest = items.get(best);
        extra.put("sample", ReportStats.sample(strongest.id(),
                detector.detect(strongest.tokens(), strongest.prompt(), true).positions(), nullModel));
        if (JobKinds.DETECT.equals(JobKinds.kindOf(job))) {
            extra.put("controls", detectControls(profile, key, items, id));
        }
        String ext = EvidenceParser.TEXT.equals(kind) ? ".txt" : ".jsonl";
        String inputFile = ReportFiles.INPUTS_DIR + "/" + sha + ext;
        JobKinds.Extra kindExtra = JobKinds.after(s, job, ev, prof, profile, key, items, results, p -> {
            if (!heartbeat(id, workerId, p)) {
                throw new Cancelled();
            }
        });
        Map<String, Object> report = reportJson(job, ev, prof, cs, profile, key, items, results, holm, inputFile, extra,
                kindExtra.sections());
        byte[] reportBytes = Jcs.canonicalize(report);
        byte[] tsr = null;
        Timestamping.Stamp stamp = null;
        if (tsa != null) {
            tsr = timestamp(reportBytes, id, workerId);
            stamp = Timestamping.verify(tsr, reportBytes, null);
        }
        byte[] pdf = ReportPdf.render(report, stamp);
        if (!heartbeat(id, workerId, 0.97)) {
            throw new Cancelled();
        }

        Path tmp = s.reportsDir.resolve(".tmp-" + id + "-" + UUID.randomUUID());
        Files.createDirectories(tmp.resolve(ReportFiles.INPUTS_DIR));
        Map<String, byte[]> files = new TreeMap<>();
        files.put(ReportFiles.REPORT, reportBytes);
        files.put(inputFile, data);
        files.putAll(kindExtra.files()); // auxiliary inputs of the job kind (e.g. attribution prompts, reference answers)
        files.put(ReportFiles.REPORT_SIG, s.signing.ed25519Sign(reportBytes));
        files.put(ReportFiles.REPORT_CMS, s.signing.cmsSign(reportBytes));
        files.put(ReportFiles.CMS_CERT_PEM, s.signing.certPem);
        files.put(ReportFiles.PDF, pdf);
        if (tsr != null) {
            files.put(ReportFiles.REPORT_TSR, tsr);
        }
        StringBuilder sums = new StringBuilder();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            sums.append(ReportFiles.sha256(e.getValue())).append("  ").append(e.getKey()).append('\n');
        }
        byte[] sumsBytes = sums.toString().getBytes(StandardCharsets.UTF_8);
        files.put(ReportFiles.SUMS, sumsBytes);
        files.put(ReportFiles.SUMS_SIG, s.signing.ed25519Sign(sumsBytes));
        files.put(ReportFiles.ED25519_PEM, s.signing.ed25519PublicPem);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            try (FileChannel ch = FileChannel.open(tmp.resolve(e.getKey()), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(e.getValue()));
                ch.force(true);
            }
        }
        VerifierServer.fsyncDir(tmp.resolve(ReportFiles.INPUTS_DIR));
        VerifierServer.fsyncDir(tmp);
        if (!heartbeat(id, workerId, 0.99)) {
            deleteTree(tmp);
            throw new Cancelled();
        }
        Files.move(tmp, finalDir, StandardCopyOption.ATOMIC_MOVE);
        VerifierServer.fsyncDir(s.reportsDir);
    }

    /**
     * A token from the TSA; network errors and HTTP 5xx are retried twice (1 s, then 2 s later),
     * anything else fails the job at once with the TSA's reason: no report without its timestamp.
     */
    private byte[] timestamp(byte[] reportBytes, String id, String workerId) throws Exception {
        for (int attempt = 1; ; attempt++) {
            if (!heartbeat(id, workerId, 0.95)) {
                throw new Cancelled();
            }
            try {
                return tsa.stamp(reportBytes);
            } catch (Timestamping.TsaException e) {
                if (!e.isTransient() || attempt >= 3) {
                    throw new ApiException(502, "RFC 3161 timestamp failed" + (attempt > 1 ? " after " + attempt + " tries" : "")
                            + ": " + e.getMessage());
                }
                LOG.warn("job {}: timestamp try {} failed, retrying: {}", id, attempt, e.getMessage());
                // wait in slices, renewing the lease, so a pause longer than the lease does not look like a lost worker
                long end = System.nanoTime() + 1_000_000_000L * attempt;
                for (long left = 1000L * attempt; left > 0; left = (end - System.nanoTime()) / 1_000_000L) {
                    Thread.sleep(Math.min(200, left));
                    if (!heartbeat(id, workerId, 0.95)) {
                        throw new Cancelled();
                    }
                }
            }
        }
    }

    /** The git commit baked in at build time (see the module pom), or "unknown". */
    static String softwareCommit() {
        try (java.io.InputStream in = JobRunner.class.getResourceAsStream("git-commit.txt")) {
            if (in == null) {
                return "unknown";
            }
            String c = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            return c.matches("[0-9a-f]{40}(-dirty)?") ? c : "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Random-key controls of a detect report (attribute reports carry their own). */
    static final int DETECT_CONTROLS = 20;

    /**
     * The pooled test (every record as one stream, one dedup tape, prompt contexts excluded) under the job's
     * key and under {@value #DETECT_CONTROLS} fresh random keys: how the same statistic behaves on this very
     * evidence when the key is not ours. Seeded from the job id, so a re-run reproduces it.
     */
    private static Map<String, Object> detectControls(Profile profile, WatermarkKey key, List<EvidenceParser.Item> items,
                                                      String jobId) {
        List<io.provmark.core.attribution.CorpusAttribution.Answer> answers = new ArrayList<>();
        for (EvidenceParser.Item it : items) {
            answers.add(new io.provmark.core.attribution.CorpusAttribution.Answer(it.id(), it.tokens(), it.prompt()));
        }
        long seed = Long.parseUnsignedLong(ReportFiles.sha256(jobId.getBytes(StandardCharsets.UTF_8)).substring(0, 16), 16);
        var ca = new io.provmark.core.attribution.CorpusAttribution(profile,
                new io.provmark.core.attribution.CorpusAttribution.Options(true, 0, DETECT_CONTROLS, seed));
        var r = ca.run(List.of(key), answers, List.of(), null, null, ALPHA);
        var c = r.controls();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", "pooled stream (all records, one dedup tape, prompt contexts excluded) scored under "
                + c.m() + " fresh random keys; ks tests their p-values for uniformity");
        out.put("pooled_num_scored", r.main().numScored());
        out.put("pooled_log10_p_value", num(r.main().log10PValue()));
        List<Object> ps = new ArrayList<>();
        for (double p : c.pValues()) {
            ps.add(num(p));
        }
        out.put("random_key_p_values", ps);
        out.put("ks_statistic", num(c.ks().statistic()));
        out.put("ks_p_value", num(c.ks().pValue()));
        out.put("empirical_p_value", num(c.empiricalPValue()));
        return out;
    }

    private static void checkVocab(int[] toks, Profile p, String record) {
        for (int t : toks) {
            if (t >= p.vocabSize()) {
                throw new ApiException(422, "record " + record + ": token id " + t + " is outside the profile's vocabulary (vocab_size "
                        + p.vocabSize() + ")");
            }
        }
    }

    private Map<String, Object> reportJson(Map<String, Object> job, Map<String, Object> ev, Map<String, Object> prof,
                                           Map<String, Object> cs, Profile profile, WatermarkKey key,
                                           List<EvidenceParser.Item> items, List<Evidence> results, double[] holm,
                                           String inputFile, Map<String, Object> extra,
                                           Map<String, Object> kindSections) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("format", "provmark-report-v1");
        r.put("question", "Do the submitted tokens carry the watermark of key " + key.id()
                + " under the stated profile, beyond what chance explains?");
        Map<String, Object> method = new LinkedHashMap<>();
        method.put("scheme", profile.scheme());
        method.put("statistic", results.get(0).statisticName());
        method.put("test", "one-sided test per record against the scheme's unwatermarked null distribution; "
                + "p-values exact unless a record says exact=false (then a rigorous upper bound); Holm correction across records");
        method.put("dedup", profile.dedup().toString());
        method.put("records", results.size());
        r.put("method", method);
        r.put("profile", VerifierServer.JSON.readValue((String) prof.get("json"), Map.class));
        r.put("profileSha256", prof.get("sha256"));
        r.put("key", Map.of("id", key.id(), "fingerprint", key.fingerprint()));
        r.put("case", Map.of("id", cs.get("id"), "title", cs.get("title")));
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("evidenceId", ev.get("id"));
        in.put("kind", ev.get("kind"));
        in.put("name", ev.get("name"));
        in.put("file", inputFile);
        in.put("sha256", ev.get("sha256"));
        in.put("sizeBytes", ((Number) ev.get("size_bytes")).longValue());
        r.put("inputs", List.of(in));
        List<Object> rows = new ArrayList<>();
        long tokens = 0;
        long scored = 0;
        int best = 0;
        for (int i = 0; i < results.size(); i++) {
            Evidence e = results.get(i);
            tokens += e.numTokens();
            scored += e.numScored();
            if (holm[i] < holm[best]) {
                best = i;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("record", items.get(i).id());
            m.put("numTokens", e.numTokens());
            m.put("numScored", e.numScored());
            m.put("statistic", num(e.statistic()));
            m.put("z", num(e.z()));
            m.put("pValue", num(e.pValue()));
            m.put("lnPValue", num(e.lnPValue()));
            m.put("log10PValue", num(e.log10PValue()));
            m.put("holmLog10PValue", num(LogP.toLog10(holm[i])));
            m.put("exact", e.exact());
            rows.add(m);
        }
        r.put("results", rows);
        Map<String, Object> sum = new LinkedHashMap<>();
        sum.put("records", results.size());
        sum.put("numTokens", tokens);
        sum.put("numScored", scored);
        sum.put("strongestRecord", items.get(best).id());
        sum.put("holmPValue", num(LogP.toP(holm[best])));
        sum.put("holmLog10PValue", num(LogP.toLog10(holm[best])));
        sum.put("finding", "smallest Holm-corrected p-value over " + results.size() + " record(s): 10^"
                + Jcs.number(Math.round(LogP.toLog10(holm[best]) * 100) / 100.0));
        sum.put("alpha", ALPHA);
        sum.put("significant", LogP.toLog10(holm[best]) < Math.log10(ALPHA));
        r.put("summary", sum);
        r.putAll(extra);
        r.put("limits", LIMITS);
        r.put("software", Map.of("name", "provmark verifier-service", "version", VerifierServer.version(),
                "commit", softwareCommit()));
        // the audit chain's head when the report was made: a signed anchor, so later deletion of
        // entries up to here is detectable from the report alone
        Map<String, Object> head = s.db.jdbi.withHandle(h -> h.createQuery("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .mapToMap().findOne()).orElse(null);
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("headSeq", head == null ? 0L : ((Number) head.get("seq")).longValue());
        audit.put("headHash", head == null ? AuditLog.GENESIS : head.get("hash"));
        r.put("audit", audit);
        if (tsa != null) {
            Map<String, Object> ts = new LinkedHashMap<>();
            ts.put("authority", tsa.safeUrl());
            ts.put("file", ReportFiles.REPORT_TSR);
            ts.put("format", "RFC 3161 TimeStampToken (DER CMS SignedData) over SHA-256 of report.json");
            r.put("timestamp", ts);
        } else {
            r.put("timestamp", null);
        }
        Map<String, Object> times = new LinkedHashMap<>();
        times.put("jobCreated", iso(job.get("created_at")));
        times.put("jobStarted", iso(job.get("started_at")));
        times.put("reportCreated", Instant.now().toString());
        times.put("evidenceReceived", iso(ev.get("created_at")));
        r.put("times", times);
        r.put("operators", Map.of("jobCreatedBy", operator((String) job.get("created_by")),
                "evidenceUploadedBy", operator((String) ev.get("created_by"))));
        r.put("job", Map.of("id", job.get("id"), "attempt", ((Number) job.get("attempts")).intValue()));
        r.put("signing", Map.of("ed25519PublicKeyPemSha256", ReportFiles.sha256(s.signing.ed25519PublicPem),
                "cmsCertificatePemSha256", ReportFiles.sha256(s.signing.certPem)));
        r.putAll(kindSections); // the job kind's sections (kind, attribution, calibration; question for non-detect kinds)
        return r;
    }

    private String operator(String tokenId) {
        return s.db.jdbi.withHandle(h -> h.createQuery("SELECT name, role FROM api_tokens WHERE id = :id").bind("id", tokenId)
                .mapToMap().findOne()).map(m -> m.get("name") + " (" + m.get("role") + ")").orElse("unknown");
    }

    private static Object iso(Object millis) {
        return millis == null ? null : Instant.ofEpochMilli(((Number) millis).longValue()).toString();
    }

    /** A finite double as a number; -Infinity (p-value below any double) as a string, never NaN. */
    private static Object num(double d) {
        return Double.isFinite(d) ? (Object) d : (Object) Double.toString(d);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> st = Files.walk(p)) {
            for (Path q : (Iterable<Path>) st.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(q);
            }
        }
    }
}
