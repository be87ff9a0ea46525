package io.provmark.cli;

import io.provmark.verifier.ReportVerifier;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code provmark report}: work with report directories produced by the verifier service. */
@Command(name = "report",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {ReportCommand.Verify.class},
        header = "Check signed report directories from the verifier service.",
        description = {
            "A report directory (from provmark serve) holds report.json, its Ed25519 and CMS "
                    + "signatures, report.pdf, the public keys, the inputs, an RFC 3161 timestamp token when the "
                    + "service has a TSA, and a signed SHA256SUMS.",
            ""},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%nExample:%n",
        footer = {"  provmark report verify ./report"})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: verify");
    }

    @Command(name = "verify",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            header = "Verify a report directory offline: signatures, timestamp and hashes.",
            description = {
                "Checks the Ed25519 signatures over report.json and SHA256SUMS, the SHA-256 of every file "
                        + "(inputs and report.pdf included), that report.json is RFC 8785 canonical, the detached CMS "
                        + "(ECDSA P-256) signature and, when present, the RFC 3161 timestamp token report.json.tsr "
                        + "(imprint = SHA-256 of report.json, signature by the included TSA certificate, critical "
                        + "timeStamping EKU); prints its genTime. Any changed, missing or extra file fails (exit 3).",
                "The timestamp is checked against the certificate inside the token: compare the printed TSA "
                        + "certificate SHA-256 with the one your TSA publishes, or run openssl ts -verify -CAfile.",
                "Compare the printed Ed25519 key fingerprint with the one the service operator publishes: "
                        + "the directory alone proves integrity, not who signed it.",
                ""},
            footerHeading = "%nExample:%n",
            footer = {"  provmark report verify reports/4f1c...-job"})
    static final class Verify implements Callable<Integer> {
        private final CliContext ctx;

        @Parameters(paramLabel = "DIR", description = "The report directory.")
        Path dir;

        Verify(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            ReportVerifier.Result r = ReportVerifier.verify(dir);
            for (String c : r.checks()) {
                ctx.out.println(c);
            }
            if (!r.ok()) {
                throw CliException.badInput("report verification FAILED for " + dir + ": " + r.failure());
            }
            if (r.timestamp() != null) {
                ctx.out.println("timestamped at " + r.timestamp().genTime() + " (RFC 3161 genTime) by " + r.timestamp().tsaSubject());
            } else {
                ctx.out.println("no RFC 3161 timestamp (the service had no TSA configured)");
            }
            ctx.out.println("report verified; Ed25519 signing key sha256:" + r.ed25519PublicKeySha256());
            return ExitCodes.OK;
        }
    }
}
