package io.provmark.cli;

import io.provmark.verifier.VerifierConfig;
import io.provmark.verifier.VerifierServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark serve}: the verifier HTTP service on 127.0.0.1. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Run the verifier service (cases, evidence, detection jobs, signed reports) on 127.0.0.1.",
        description = {
            "Stores everything under the data directory: an SQLite database (unless --jdbc-url names "
                    + "PostgreSQL), content-addressed evidence, report directories, the report-signing keys "
                    + "and, unless --keyset is given, a keyset generated at first start. At first start an admin "
                    + "API token is written to <data-dir>/bootstrap-admin-token (mode 0600); only its SHA-256 is "
                    + "kept in the database. See docs/verifier.md for the endpoints.",
            "The report-signing private keys are stored unencrypted (mode 0600) unless PROVMARK_SIGNING_PASSPHRASE is "
                    + "set: then they are encrypted PKCS#8, and that passphrase is needed at every start.",
            ""},
        footerHeading = "%nExample:%n",
        footer = {
            "  export PROVMARK_KEYSET_PASSPHRASE='correct horse battery staple'",
            "  provmark serve --data-dir /srv/provmark --port 8470",
            "  curl -H \"Authorization: Bearer $(cat /srv/provmark/bootstrap-admin-token)\" \\",
            "      http://127.0.0.1:8470/api/me"})
final class ServeCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "provmark-data",
            description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8470", description = "TCP port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "Database JDBC URL, e.g. jdbc:postgresql://localhost/provmark (default: SQLite in the data directory). "
                    + "The password is read from PROVMARK_DB_PASSWORD.")
    String jdbcUrl;

    @Option(names = "--db-user", paramLabel = "USER", description = "Database user for --jdbc-url.")
    String dbUser;

    @Option(names = "--keyset", paramLabel = "FILE", description = "Existing keyset file (default: <data-dir>/keyset.pmk, generated at first start).")
    Path keyset;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Job worker threads (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--max-upload-mb", paramLabel = "MB", defaultValue = "16", description = "Largest evidence upload in MiB (default: ${DEFAULT-VALUE}).")
    int maxUploadMb;

    @Option(names = "--jobs-per-minute", paramLabel = "N", defaultValue = "60",
            description = "Detection jobs one API token may start per minute (default: ${DEFAULT-VALUE}).")
    int jobsPerMinute;

    @Option(names = "--tsa-url", paramLabel = "URL",
            description = "RFC 3161 timestamp authority (http:// or https://): every report.json gets a checked timestamp "
                    + "token (report.json.tsr); a job fails if the TSA cannot give one. Default: no timestamps.")
    String tsaUrl;

    @Option(names = "--tsa-cert", paramLabel = "PEM",
            description = "Pin the TSA: its tokens must be signed by this certificate (PEM or DER). Needs --tsa-url.")
    Path tsaCert;

    /** Encrypts the report-signing private keys in <data-dir>/signing when set. */
    static final String SIGNING_PASSPHRASE_ENV = "PROVMARK_SIGNING_PASSPHRASE";

    @Option(names = "--detect-per-minute", paramLabel = "N", defaultValue = "600",
            description = "Synchronous detections (POST /api/detect) one API token may run per minute (default: ${DEFAULT-VALUE}).")
    int detectPerMinute;

    @Option(names = "--metrics-token-file", paramLabel = "FILE",
            description = "File holding a bearer token accepted on GET /metrics only (for a Prometheus scraper); "
                    + "admin and auditor tokens work there too.")
    Path metricsTokenFile;

    ServeCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw CliException.usage("--port must be 0..65535, got " + port);
        }
        if (workers < 0 || maxUploadMb < 1 || jobsPerMinute < 1) {
            throw CliException.usage("--workers must be >= 0, --max-upload-mb and --jobs-per-minute >= 1");
        }
        if (detectPerMinute < 1) {
            throw CliException.usage("--detect-per-minute must be >= 1, got " + detectPerMinute);
        }
        VerifierConfig c = new VerifierConfig(dataDir);
        c.port = port;
        c.jdbcUrl = jdbcUrl;
        c.dbUser = dbUser;
        c.dbPassword = ctx.env.get("PROVMARK_DB_PASSWORD");
        c.keyset = keyset;
        c.workers = workers;
        c.maxUploadBytes = maxUploadMb * 1024L * 1024L;
        c.jobsPerMinute = jobsPerMinute;
        c.detectPerMinute = detectPerMinute;
        c.metricsTokenFile = metricsTokenFile;
        c.passphrase = Passphrase.forOpening(ctx);
        if (tsaCert != null && tsaUrl == null) {
            throw CliException.usage("--tsa-cert needs --tsa-url");
        }
        c.tsaUrl = tsaUrl;
        c.tsaCertFile = tsaCert;
        String signingPass = ctx.env.get(SIGNING_PASSPHRASE_ENV);
        c.signingPassphrase = signingPass == null ? null : signingPass.toCharArray();
        VerifierServer server;
        try {
            server = VerifierServer.start(c);
        } catch (IllegalStateException | java.io.IOException e) {
            throw CliException.key("cannot start the verifier: " + e.getMessage());
        }
        ctx.out.println("provmark verifier listening on http://127.0.0.1:" + server.port() + "/ (data in "
                + dataDir.toAbsolutePath() + ")");
        if (server.bootstrapAdminToken().isPresent()) {
            ctx.out.println("first start: the admin API token was written to " + server.bootstrapTokenFile()
                    + " (mode 0600); read it, then delete the file");
        }
        ctx.out.flush();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            done.countDown();
        }, "provmark-serve-shutdown"));
        done.await();
        return ExitCodes.OK;
    }
}
