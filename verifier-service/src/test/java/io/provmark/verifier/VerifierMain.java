package io.provmark.verifier;

import java.nio.file.Path;

/**
 * Runs a verifier server as its own JVM for {@link KillDashNineIntegrationTest}, which kills it with
 * SIGKILL. Arguments: {@code DATA_DIR KEYSET_FILE JDBC_URL LEASE_MILLIS MAX_UPLOAD_BYTES}; the keyset
 * passphrase comes from {@code PROVMARK_KEYSET_PASSPHRASE} (never an argument: argv is visible to
 * every user through /proc). Prints {@code LISTENING <port>} once the server accepts requests.
 */
public final class VerifierMain {
    private VerifierMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: VerifierMain DATA_DIR KEYSET_FILE JDBC_URL LEASE_MILLIS MAX_UPLOAD_BYTES");
            System.exit(2);
        }
        String pass = System.getenv("PROVMARK_KEYSET_PASSPHRASE");
        if (pass == null || pass.isEmpty()) {
            System.err.println("PROVMARK_KEYSET_PASSPHRASE is not set");
            System.exit(2);
        }
        VerifierConfig c = new VerifierConfig(Path.of(args[0]));
        c.keyset = Path.of(args[1]);
        c.jdbcUrl = args[2];
        c.leaseMillis = Long.parseLong(args[3]);
        c.maxUploadBytes = Long.parseLong(args[4]);
        c.passphrase = pass.toCharArray();
        c.port = 0;
        c.workers = 1;
        c.jobsPerMinute = 60;
        VerifierServer s = VerifierServer.start(c);
        // SIGTERM (Process.destroy) closes cleanly; SIGKILL, the point of the test, runs nothing
        Runtime.getRuntime().addShutdownHook(new Thread(s::close, "verifier-shutdown"));
        System.out.println("LISTENING " + s.port());
        System.out.flush();
        // Jetty's non-daemon threads keep the JVM alive
    }
}
