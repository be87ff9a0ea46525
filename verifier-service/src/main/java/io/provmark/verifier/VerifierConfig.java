package io.provmark.verifier;

import java.nio.file.Path;

/** Settings of one server instance. Only {@code dataDir} is required. */
public final class VerifierConfig {
    public Path dataDir;
    /** 0 picks a free port. */
    public int port = 8470;
    /** Null: SQLite file {@code <dataDir>/verifier.db}. */
    public String jdbcUrl;
    public String dbUser;
    public String dbPassword;
    /** Null: {@code <dataDir>/keyset.pmk}, generated at first start. */
    public Path keyset;
    /** The keyset passphrase (PROVMARK_KEYSET_PASSPHRASE for {@code provmark serve}). */
    public char[] passphrase;
    public long maxUploadBytes = 16L * 1024 * 1024;
    public int workers = 2;
    /** A running job whose worker has not renewed its lease for this long counts as lost. */
    public long leaseMillis = 30_000;
    /** After this many lost attempts a job fails instead of being re-queued. */
    public int maxAttempts = 3;
    /** Detection jobs one API token may start per minute (token bucket); scores leak watermark information. */
    public int jobsPerMinute = 60;
    /** RFC 3161 timestamp authority URL; null: reports are not timestamped. */
    public String tsaUrl;
    /** Optional PEM/DER certificate the TSA's tokens must be signed with (pinning). */
    public Path tsaCertFile;
    /**
     * Passphrase for the report-signing private keys (PROVMARK_SIGNING_PASSPHRASE for {@code provmark serve});
     * null: they are stored unencrypted.
     */
    public char[] signingPassphrase;
    /** Synchronous detections (POST /api/detect) one API token may run per minute (token bucket). */
    public int detectPerMinute = 600;
    /**
     * Null: none. A file holding a bearer token (at least 32 characters) accepted on GET /metrics only,
     * for a Prometheus scraper; only its SHA-256 is kept in memory.
     */
    public Path metricsTokenFile;

    public VerifierConfig(Path dataDir) {
        this.dataDir = dataDir;
    }
}
