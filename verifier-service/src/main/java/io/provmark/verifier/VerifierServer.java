package io.provmark.verifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileException;
import io.provmark.core.profile.ProfileJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifier HTTP service (Javalin on 127.0.0.1). Every endpoint but {@code GET /api/health}
 * needs {@code Authorization: Bearer <token>}; tokens are stored as SHA-256 of the token.
 * Key material never appears in any response: keys are listed by id and fingerprint only.
 */
public final class VerifierServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VerifierServer.class);
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final long MAX_JSON_BODY = 256 * 1024;
    /** CSP of the web page: scripts, styles and requests from this origin only; no inline code, frames or forms posting away. */
    static final String WEB_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
            + " object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Set<Role> ALL = EnumSet.allOf(Role.class);
    private static final Set<Role> ADMIN = EnumSet.of(Role.ADMIN);

    /** Every authenticated endpoint with its roles; routing and the role-matrix test both read this. */
    public static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/api/me", 200, ALL),
            new Endpoint("POST", "/api/tokens", 201, ADMIN),
            new Endpoint("GET", "/api/tokens", 200, ADMIN),
            new Endpoint("GET", "/api/keys", 200, ADMIN),
            new Endpoint("POST", "/api/profiles", 201, ADMIN),
            new Endpoint("GET", "/api/profiles", 200, EnumSet.of(Role.ADMIN, Role.RESEARCHER, Role.LEGAL, Role.AUDITOR)),
            new Endpoint("POST", "/api/cases", 201, EnumSet.of(Role.ADMIN, Role.LEGAL)),
            new Endpoint("GET", "/api/cases", 200, ALL),
            new Endpoint("GET", "/api/cases/{caseId}", 200, ALL),
            new Endpoint("POST", "/api/cases/{caseId}/evidence", 201, EnumSet.of(Role.ADMIN, Role.LEGAL, Role.RESEARCHER)),
            new Endpoint("GET", "/api/cases/{caseId}/evidence", 200, ALL),
            new Endpoint("GET", "/api/cases/{caseId}/jobs", 200, ALL),
            new Endpoint("POST", "/api/jobs", 201, EnumSet.of(Role.ADMIN, Role.LEGAL, Role.RESEARCHER)),
            new Endpoint("GET", "/api/jobs/{jobId}", 200, ALL),
            new Endpoint("POST", "/api/jobs/{jobId}/cancel", 200, EnumSet.of(Role.ADMIN, Role.LEGAL, Role.RESEARCHER)),
            new Endpoint("GET", "/api/jobs/{jobId}/report", 200, ALL),
            new Endpoint("GET", "/api/jobs/{jobId}/report/files/<file>", 200, ALL),
            new Endpoint("GET", "/api/audit", 200, EnumSet.of(Role.ADMIN, Role.AUDITOR)),
            new Endpoint("GET", "/api/audit/export", 200, EnumSet.of(Role.ADMIN, Role.AUDITOR)),
            new Endpoint("POST", "/api/detect", 200, EnumSet.of(Role.ADMIN, Role.RESEARCHER)),
            new Endpoint("GET", "/metrics", 200, EnumSet.of(Role.ADMIN, Role.AUDITOR)));

    final VerifierConfig config;
    final Db db;
    final AuditLog audit;
    final Keyset keyset;
    final SigningKeys signing;
    final Path evidenceDir;
    final Path reportsDir;
    final JobRunner jobs;
    private final RateLimiter jobLimiter;
    final Metrics metrics;
    private final Detection detection;
    private final Javalin app;
    private final String bootstrapToken;

    /** The caller, as resolved from the bearer token. */
    record Caller(String tokenId, String name, Role role) {
        String label() {
            return name + " (" + role.id() + ")";
        }
    }

    private VerifierServer(VerifierConfig config) throws Exception {
        this.config = config;
        Timestamping.fromConfig(config); // bad TSA settings stop startup before anything is written
        byte[] metricsToken = Detection.readMetricsToken(config.metricsTokenFile); // a bad file stops the start before anything exists
        Path data = config.dataDir.toAbsolutePath();
        if (!Files.exists(data)) {
            Files.createDirectories(data);
            // evidence and keys live here: owner only
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        }
        this.evidenceDir = Files.createDirectories(data.resolve("evidence"));
        this.reportsDir = Files.createDirectories(data.resolve("reports"));
        this.keyset = loadKeyset(config, data);
        this.signing = SigningKeys.loadOrCreate(data.resolve("signing"), config.signingPassphrase);
        String url = config.jdbcUrl != null ? config.jdbcUrl : "jdbc:sqlite:" + data.resolve("verifier.db");
        this.db = new Db(url, config.dbUser, config.dbPassword);
        this.audit = new AuditLog(db);
        this.bootstrapToken = bootstrapAdmin(data);
        this.jobs = new JobRunner(this);
        this.jobLimiter = new RateLimiter(config.jobsPerMinute, System::nanoTime);
        this.metrics = new Metrics(db, Metrics.knownTemplates(ENDPOINTS, OpenApi.PUBLIC));
        this.detection = new Detection(this, new RateLimiter("detection calls", config.detectPerMinute, System::nanoTime),
                metricsToken);
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.http.maxRequestSize = config.maxUploadBytes;
            // the web page (resources/web, index.html at /): same-origin only, nothing external may load
            cfg.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/web";
                sf.location = io.javalin.http.staticfiles.Location.CLASSPATH;
                sf.headers = Map.of("Content-Security-Policy", WEB_CSP, "X-Content-Type-Options", "nosniff",
                        "Referrer-Policy", "no-referrer", "X-Frame-Options", "DENY", "Cache-Control", "no-cache");
            });
            cfg.requestLogger.http((ctx, ms) -> metrics.request(ctx.method().name(), Metrics.template(ctx),
                    ctx.status().getCode(), ms / 1000.0));
        });
        routes();
    }

    /** Starts a server: migrations, keys, recovery of lost jobs, workers, then HTTP on 127.0.0.1. */
    public static VerifierServer start(VerifierConfig config) throws Exception {
        VerifierServer s = new VerifierServer(config);
        try {
            s.jobs.start();
            s.app.start("127.0.0.1", config.port);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public int port() {
        return app.port();
    }

    /** The admin token created at this start (first start over an empty database), else empty. */
    public Optional<String> bootstrapAdminToken() {
        return Optional.ofNullable(bootstrapToken);
    }

    public Path bootstrapTokenFile() {
        return config.dataDir.toAbsolutePath().resolve("bootstrap-admin-token");
    }

    @Override
    public void close() {
        try {
            app.stop();
        } finally {
            try {
                if (jobs != null) {
                    jobs.stop();
                }
            } finally {
                db.close();
            }
        }
    }

    private static Keyset loadKeyset(VerifierConfig config, Path data) throws IOException {
        Path file = config.keyset != null ? config.keyset : data.resolve("keyset.pmk");
        if (config.passphrase == null || config.passphrase.length == 0) {
            throw new IllegalStateException("no keyset passphrase: set PROVMARK_KEYSET_PASSPHRASE");
        }
        if (!Files.exists(file)) {
            if (config.keyset != null) {
                throw new IllegalStateException("keyset file " + file + " does not exist");
            }
            KeysetFile.write(file, Keyset.generate(), config.passphrase);
            LOG.info("generated a new keyset at {}", file);
        }
        return KeysetFile.read(file, config.passphrase);
    }

    /** At first start (no tokens yet) creates an admin token and writes it to a 0600 file. */
    private String bootstrapAdmin(Path data) throws IOException {
        long n = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM api_tokens").mapTo(Long.class).one());
        if (n > 0) {
            return null;
        }
        String token = createToken("bootstrap-admin", Role.ADMIN, null);
        Path f = data.resolve("bootstrap-admin-token");
        Files.deleteIfExists(f);
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(f, token + "\n", StandardCharsets.US_ASCII);
        return token;
    }

    String createToken(String name, Role role, Caller by) {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String token = "pmv_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String id = UUID.randomUUID().toString();
        db.jdbi.useHandle(h -> h.createUpdate("INSERT INTO api_tokens (id, name, role, token_hash, created_at, created_by)"
                        + " VALUES (:id, :name, :role, :hash, :t, :by)")
                .bind("id", id).bind("name", name).bind("role", role.id())
                .bind("hash", ReportFiles.sha256(token.getBytes(StandardCharsets.US_ASCII)))
                .bind("t", System.currentTimeMillis()).bind("by", by == null ? null : by.tokenId()).execute());
        audit.append(by == null ? null : by.tokenId(), by == null ? "service" : by.label(), "token.create", id,
                "name=" + name + " role=" + role.id());
        return token;
    }

    // ---------------------------------------------------------------- routing

    private interface Handler {
        void handle(Context ctx, Caller caller) throws Exception;
    }

    private void routes() throws IOException {
        app.exception(ApiException.class, (e, ctx) -> {
            if (e instanceof RateLimiter.Denied) {
                ctx.header("Retry-After", Long.toString(((RateLimiter.Denied) e).retryAfterSeconds));
            }
            error(ctx, e.status, e.getMessage());
        });
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("internal error on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error: " + e.getClass().getSimpleName());
        });
        app.get("/api/health", ctx -> json(ctx, 200, Map.of("status", "ok")));
        byte[] openApi = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(OpenApi.document(version()));
        app.get("/api/openapi.json", ctx -> ctx.status(200).contentType("application/json").result(openApi));
        Map<String, Handler> handlers = new LinkedHashMap<>();
        handlers.put("GET /api/me", (ctx, c) -> json(ctx, 200, Map.of("name", c.name(), "role", c.role().id())));
        handlers.put("POST /api/tokens", this::postToken);
        handlers.put("GET /api/tokens", (ctx, c) -> json(ctx, 200, Map.of("tokens", db.jdbi.withHandle(h -> h.createQuery(
                "SELECT id, name, role, created_at FROM api_tokens ORDER BY created_at").mapToMap().list()))));
        handlers.put("GET /api/keys", this::getKeys);
        handlers.put("POST /api/profiles", this::postProfile);
        handlers.put("GET /api/profiles", (ctx, c) -> json(ctx, 200, Map.of("profiles", db.jdbi.withHandle(h -> h.createQuery(
                "SELECT id, name, sha256, created_at FROM profiles ORDER BY created_at").mapToMap().list()))));
        handlers.put("POST /api/cases", this::postCase);
        handlers.put("GET /api/cases", (ctx, c) -> json(ctx, 200, Map.of("cases", db.jdbi.withHandle(h -> h.createQuery(
                "SELECT id, title, description, created_at FROM cases ORDER BY created_at").mapToMap().list()))));
        handlers.put("GET /api/cases/{caseId}", (ctx, c) -> json(ctx, 200, caseRow(ctx.pathParam("caseId"))));
        handlers.put("POST /api/cases/{caseId}/evidence", this::postEvidence);
        handlers.put("GET /api/cases/{caseId}/evidence", (ctx, c) -> {
            String caseId = caseRow(ctx.pathParam("caseId")).get("id").toString();
            json(ctx, 200, Map.of("evidence", db.jdbi.withHandle(h -> h.createQuery(
                    "SELECT id, kind, name, sha256, size_bytes, records, created_at FROM evidence WHERE case_id = :c ORDER BY created_at")
                    .bind("c", caseId).mapToMap().list())));
        });
        handlers.put("GET /api/cases/{caseId}/jobs", (ctx, c) -> {
            String caseId = caseRow(ctx.pathParam("caseId")).get("id").toString();
            json(ctx, 200, Map.of("jobs", db.jdbi.withHandle(h -> h.createQuery(
                    "SELECT id, state, progress, error, created_at FROM jobs WHERE case_id = :c ORDER BY created_at")
                    .bind("c", caseId).mapToMap().list())));
        });
        handlers.put("POST /api/jobs", this::postJob);
        handlers.put("GET /api/jobs/{jobId}", (ctx, c) -> json(ctx, 200, jobs.describe(jobs.row(ctx.pathParam("jobId")))));
        handlers.put("POST /api/jobs/{jobId}/cancel", (ctx, c) -> {
            Map<String, Object> r = jobs.cancel(ctx.pathParam("jobId"));
            audit.append(c.tokenId(), c.label(), "job.cancel", ctx.pathParam("jobId"), "state=" + r.get("state"));
            json(ctx, 200, jobs.describe(r));
        });
        handlers.put("GET /api/jobs/{jobId}/report", (ctx, c) -> json(ctx, 200, Map.of("files", reportFiles(ctx.pathParam("jobId")))));
        handlers.put("GET /api/jobs/{jobId}/report/files/<file>", this::getReportFile);
        handlers.put("GET /api/audit", (ctx, c) -> json(ctx, 200, audit.describe()));
        handlers.put("GET /api/audit/export", (ctx, c) -> {
            audit.append(c.tokenId(), c.label(), "audit.export", "-", "JSONL export of the whole chain");
            ctx.status(200).contentType("application/x-ndjson");
            ctx.header("Content-Disposition", "attachment; filename=\"provmark-audit.jsonl\"");
            try (java.io.OutputStream os = ctx.outputStream()) {
                audit.export(os);
            }
        });
        handlers.put("POST /api/detect", detection::detect);
        handlers.put("GET /metrics", (ctx, c) -> ctx.status(200).contentType(Metrics.CONTENT_TYPE).result(metrics.scrape()));
        for (Endpoint e : ENDPOINTS) {
            Handler h = handlers.get(e.method() + " " + e.path());
            if (h == null) {
                throw new IllegalStateException("no handler for " + e);
            }
            // GET /metrics also takes the separate scraper token, which is valid nowhere else
            io.javalin.http.Handler wrapped = e.path().equals("/metrics")
                    ? ctx -> h.handle(ctx, detection.isMetricsToken(ctx) ? null : authorize(ctx, e.roles()))
                    : ctx -> h.handle(ctx, authorize(ctx, e.roles()));
            if (e.method().equals("GET")) {
                app.get(e.path(), wrapped);
            } else {
                app.post(e.path(), wrapped);
            }
        }
    }

    private Caller authorize(Context ctx, Set<Role> roles) {
        String auth = ctx.header("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || auth.length() > 200) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "missing or malformed Authorization: Bearer <token> header");
        }
        String hash = ReportFiles.sha256(auth.substring(7).trim().getBytes(StandardCharsets.UTF_8));
        Optional<Map<String, Object>> row = db.jdbi.withHandle(h -> h.createQuery(
                "SELECT id, name, role FROM api_tokens WHERE token_hash = :h").bind("h", hash).mapToMap().findOne());
        if (row.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "unknown API token");
        }
        Caller c = new Caller((String) row.get().get("id"), (String) row.get().get("name"), Role.parse((String) row.get().get("role")));
        if (!roles.contains(c.role())) {
            throw new ApiException(403, "role " + c.role().id() + " may not call " + ctx.method() + " " + ctx.endpointHandlerPath());
        }
        return c;
    }

    static void json(Context ctx, int status, Object body) throws JsonProcessingException {
        ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
    }

    private static void error(Context ctx, int status, String message) {
        try {
            json(ctx, status, Map.of("error", message));
        } catch (JsonProcessingException e) {
            ctx.status(status).result("{\"error\":\"unprintable error\"}");
        }
    }

    /** Reads at most {@code max} bytes of the body; more is a 413 (checked before and while reading). */
    static byte[] readBody(Context ctx, long max) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw new ApiException(413, "request body of " + declared + " bytes exceeds the limit of " + max + " bytes");
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (data.length > max) {
                throw new ApiException(413, "request body exceeds the limit of " + max + " bytes");
            }
            return data;
        }
    }

    static JsonNode readJson(Context ctx) throws IOException {
        byte[] body = readBody(ctx, MAX_JSON_BODY);
        String s = EvidenceParser.decodeUtf8(body, "request body");
        JsonNode n;
        try {
            n = JSON.readTree(s);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            if (msg != null && msg.contains("nesting depth")) {
                throw new ApiException(400, "request body: JSON nested too deeply (at most 32 levels)");
            }
            throw new ApiException(400, "request body: malformed JSON: " + msg);
        }
        if (n == null || !n.isObject()) {
            throw new ApiException(400, "request body must be a JSON object");
        }
        return n;
    }

    static String text(JsonNode body, String field, boolean required, int maxLen) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new ApiException(400, "missing field \"" + field + "\"");
            }
            return "";
        }
        if (!v.isTextual()) {
            throw new ApiException(400, "field \"" + field + "\" must be a string");
        }
        if (v.textValue().length() > maxLen) {
            throw new ApiException(400, "field \"" + field + "\" is longer than " + maxLen + " characters");
        }
        return v.textValue();
    }

    static void onlyFields(JsonNode body, String... allowed) {
        List<String> ok = List.of(allowed);
        body.fieldNames().forEachRemaining(f -> {
            if (!ok.contains(f)) {
                throw new ApiException(400, "unknown field \"" + f + "\" (allowed: " + String.join(", ", ok) + ")");
            }
        });
    }

    // ---------------------------------------------------------------- handlers

    private void postToken(Context ctx, Caller c) throws IOException {
        JsonNode b = readJson(ctx);
        onlyFields(b, "name", "role");
        String name = text(b, "name", true, 200);
        Role role = Role.parse(text(b, "role", true, 20));
        String token = createToken(name, role, c);
        json(ctx, 201, Map.of("name", name, "role", role.id(), "token", token,
                "note", "shown once; only its SHA-256 is stored"));
    }

    private void getKeys(Context ctx, Caller c) throws IOException {
        List<Map<String, Object>> keys = new ArrayList<>();
        for (WatermarkKey k : keyset.keys()) {
            keys.add(Map.of("id", k.id(), "fingerprint", k.fingerprint(), "bits", k.bits(),
                    "primary", k.id().equals(keyset.primaryId())));
        }
        json(ctx, 200, Map.of("keys", keys, "reportSigning", Map.of(
                "ed25519PublicKeyPem", new String(signing.ed25519PublicPem, StandardCharsets.US_ASCII),
                "cmsCertificatePem", new String(signing.certPem, StandardCharsets.US_ASCII))));
    }

    private void postProfile(Context ctx, Caller c) throws IOException {
        JsonNode b = readJson(ctx);
        onlyFields(b, "name", "profile");
        String name = text(b, "name", true, 200);
        JsonNode p = b.get("profile");
        if (p == null || !p.isObject()) {
            throw new ApiException(400, "field \"profile\" must be a profile JSON object");
        }
        Profile profile;
        try {
            profile = ProfileJson.read(JSON.writeValueAsString(p));
        } catch (ProfileException e) {
            throw new ApiException(400, "invalid profile: " + e.getMessage());
        }
        if (!keyset.contains(profile.keyId())) {
            throw new ApiException(422, "profile key id " + profile.keyId() + " is not in the service keyset");
        }
        if (io.provmark.core.text.Tokenizers.isPathId(profile.tokenizer())) {
            // a path id would make the service read a file named by the caller
            throw new ApiException(422, "profile tokenizer " + profile.tokenizer() + " is a file path; the service accepts"
                    + " built-in encodings and hf:NAME tokenizers from its own tokenizer directory only");
        }
        if (!"none".equals(profile.tokenizer())) {
            try {
                io.provmark.core.profile.ProfileTokenizers.resolve(profile);
            } catch (RuntimeException e) {
                throw new ApiException(422, "profile tokenizer: " + e.getMessage());
            }
        }
        String canonical = ProfileJson.write(profile);
        String id = UUID.randomUUID().toString();
        String sha = ReportFiles.sha256(canonical.getBytes(StandardCharsets.UTF_8));
        db.jdbi.useHandle(h -> h.createUpdate("INSERT INTO profiles (id, name, json, sha256, created_at, created_by)"
                        + " VALUES (:id, :n, :j, :s, :t, :by)")
                .bind("id", id).bind("n", name).bind("j", canonical).bind("s", sha)
                .bind("t", System.currentTimeMillis()).bind("by", c.tokenId()).execute());
        audit.append(c.tokenId(), c.label(), "profile.create", id, "name=" + name + " sha256=" + sha);
        json(ctx, 201, Map.of("id", id, "name", name, "sha256", sha));
    }

    private void postCase(Context ctx, Caller c) throws IOException {
        JsonNode b = readJson(ctx);
        onlyFields(b, "title", "description");
        String title = text(b, "title", true, 500);
        if (title.isBlank()) {
            throw new ApiException(400, "field \"title\" is blank");
        }
        String desc = text(b, "description", false, 10_000);
        String id = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        db.jdbi.useHandle(h -> h.createUpdate("INSERT INTO cases (id, title, description, created_at, created_by)"
                        + " VALUES (:id, :t, :d, :at, :by)")
                .bind("id", id).bind("t", title).bind("d", desc).bind("at", now).bind("by", c.tokenId()).execute());
        audit.append(c.tokenId(), c.label(), "case.create", id, "title=" + title);
        json(ctx, 201, caseRow(id));
    }

    Map<String, Object> caseRow(String id) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT id, title, description, created_at FROM cases WHERE id = :id")
                .bind("id", id).mapToMap().findOne()).orElseThrow(() -> new ApiException(404, "unknown case " + id));
    }

    private void postEvidence(Context ctx, Caller c) throws Exception {
        String caseId = caseRow(ctx.pathParam("caseId")).get("id").toString();
        String kind = ctx.queryParam("kind");
        if (kind == null) {
            throw new ApiException(400, "missing query parameter kind (token-ids or text)");
        }
        String name = Optional.ofNullable(ctx.queryParam("name")).orElse("evidence");
        if (name.length() > 500) {
            throw new ApiException(400, "name is longer than 500 characters");
        }
        byte[] data = readBody(ctx, config.maxUploadBytes);
        if (data.length == 0) {
            throw new ApiException(400, "empty upload");
        }
        List<EvidenceParser.Item> items = EvidenceParser.parse(kind, data); // validates fully before storing
        String sha = ReportFiles.sha256(data);
        storeImmutable(evidenceDir, sha, data);
        // the row only after the file is durable: a row never points at a missing file
        String id = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        db.jdbi.useHandle(h -> h.createUpdate("INSERT INTO evidence (id, case_id, kind, name, sha256, size_bytes, records, created_at, created_by)"
                        + " VALUES (:id, :c, :k, :n, :s, :z, :r, :t, :by)")
                .bind("id", id).bind("c", caseId).bind("k", kind).bind("n", name).bind("s", sha)
                .bind("z", (long) data.length).bind("r", items.size()).bind("t", now).bind("by", c.tokenId()).execute());
        audit.append(c.tokenId(), c.label(), "evidence.upload", id,
                "case=" + caseId + " kind=" + kind + " sha256=" + sha + " bytes=" + data.length);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("caseId", caseId);
        out.put("kind", kind);
        out.put("name", name);
        out.put("sha256", sha);
        out.put("sizeBytes", data.length);
        out.put("records", items.size());
        json(ctx, 201, out);
    }

    /** Content-addressed, write-once: temp file, fsync, atomic rename, fsync of the directory. */
    static void storeImmutable(Path dir, String sha, byte[] data) throws IOException {
        Path target = dir.resolve(sha);
        if (Files.exists(target)) {
            if (!ReportFiles.sha256(Files.readAllBytes(target)).equals(sha)) {
                throw new IOException("stored evidence " + target + " is corrupted (hash mismatch)");
            }
            return;
        }
        Path tmp = dir.resolve(".tmp-" + UUID.randomUUID());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(data));
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r-----"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            fsyncDir(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private void postJob(Context ctx, Caller c) throws IOException {
        JsonNode b = readJson(ctx);
        onlyFields(b, "caseId", "evidenceId", "profileId", "kind", "options");
        String jobKind = JobKinds.kind(b);
        String caseId = text(b, "caseId", true, 64);
        String evidenceId = text(b, "evidenceId", true, 64);
        String profileId = text(b, "profileId", true, 64);
        caseRow(caseId);
        Map<String, Object> ev = db.jdbi.withHandle(h -> h.createQuery("SELECT kind, case_id FROM evidence WHERE id = :id")
                .bind("id", evidenceId).mapToMap().findOne()).orElseThrow(() -> new ApiException(404, "unknown evidence " + evidenceId));
        if (!caseId.equals(ev.get("case_id"))) {
            throw new ApiException(422, "evidence " + evidenceId + " does not belong to case " + caseId);
        }
        String profileJson = db.jdbi.withHandle(h -> h.createQuery("SELECT json FROM profiles WHERE id = :id")
                .bind("id", profileId).mapTo(String.class).findOne()).orElseThrow(() -> new ApiException(404, "unknown profile " + profileId));
        Profile profile = ProfileJson.read(profileJson);
        String kindOptions = JobKinds.checkJob(this, jobKind, (String) ev.get("kind"), b.get("options"), caseId);
        if (EvidenceParser.TEXT.equals(ev.get("kind")) && "none".equals(profile.tokenizer())) {
            throw new ApiException(422, "text evidence needs a profile with a tokenizer; profile " + profileId + " has none");
        }
        limit(jobLimiter, "jobs", c);
        String id = jobs.enqueue(caseId, evidenceId, profileId, c.tokenId(), jobKind, kindOptions);
        audit.append(c.tokenId(), c.label(), "job.create", id, "kind=" + jobKind + " case=" + caseId + " evidence=" + evidenceId
                + " profile=" + profileId + (kindOptions == null ? "" : " options=" + kindOptions));
        json(ctx, 201, jobs.describe(jobs.row(id)));
    }

    /** Takes a rate-limit permit; a denial is counted, and audited once per run of denials. */
    void limit(RateLimiter limiter, String name, Caller c) {
        try {
            limiter.acquire(c.tokenId());
        } catch (RateLimiter.Denied d) {
            metrics.denied(name);
            if (d.firstOfEpisode) {
                audit.append(c.tokenId(), c.label(), "ratelimit.deny", name,
                        "limit=" + limiter.perMinute() + "/min; further denials until a permit is granted are only counted in metrics");
            }
            throw d;
        }
    }

    private List<String> reportFiles(String jobId) throws IOException {
        Path dir = jobs.reportDir(jobs.row(jobId));
        List<String> out = new ArrayList<>();
        try (var s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(p -> out.add(dir.relativize(p).toString()));
        }
        out.sort(null);
        return out;
    }

    private void getReportFile(Context ctx, Caller c) throws IOException {
        String file = ctx.pathParam("file");
        List<String> files = reportFiles(ctx.pathParam("jobId"));
        if (!files.contains(file)) { // only names from the listing: no path traversal
            throw new ApiException(404, "no report file " + file);
        }
        Path dir = jobs.reportDir(jobs.row(ctx.pathParam("jobId")));
        String type = file.endsWith(".json") ? "application/json" : file.endsWith(".pem") ? "application/x-pem-file"
                : file.endsWith(".p7s") ? "application/pkcs7-signature" : "application/octet-stream";
        byte[] content = Files.readAllBytes(dir.resolve(file));
        audit.append(c.tokenId(), c.label(), "report.download", ctx.pathParam("jobId"), "file=" + file);
        ctx.status(200).contentType(type).result(content);
    }

    static String version() {
        String v = VerifierServer.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT (development build)" : v;
    }
}
