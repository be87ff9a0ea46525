package io.provmark.cli;

import io.provmark.verifier.AuditChain;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code provmark audit}: work with audit-log exports of the verifier service. */
@Command(name = "audit",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {AuditCommand.Verify.class},
        header = "Check the verifier service's hash-chained audit log offline.",
        description = {
            "GET /api/audit/export (roles admin, auditor) returns the audit log as JSONL: one "
                    + "entry per line with seq, at, actorId, actor, action, target, detail, "
                    + "prevHash and hash.",
            ""},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%nExample:%n",
        footer = {"  provmark audit verify audit.jsonl --head <hash from a signed report>"})
final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: verify");
    }

    @Command(name = "verify",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            header = "Recompute an audit-log export's hash chain.",
            description = {
                "Recomputes every entry's hash (SHA-256 of its RFC 8785 JSON, the previous "
                        + "entry's hash included) from the genesis hash on, and checks that "
                        + "sequence numbers run 1, 2, 3, ... without gaps. Prints OK with the "
                        + "head hash, or the first broken link (exit 3).",
                "With --head, the given hash (e.g. the audit anchor in a signed report) must "
                        + "be the hash of one of the entries: every hash commits to all entries "
                        + "before it, so nothing up to the anchor was removed or rewritten. "
                        + "Deleting entries after the last anchor cannot be detected.",
                ""},
            footerHeading = "%nExamples:%n",
            footer = {
                "  curl -H \"Authorization: Bearer $T\" $B/api/audit/export > audit.jsonl",
                "  provmark audit verify audit.jsonl",
                "  provmark audit verify audit.jsonl --head 3f9a...e1"})
    static final class Verify implements Callable<Integer> {
        private final CliContext ctx;

        @Parameters(paramLabel = "FILE", description = "The JSONL export; - reads standard input.")
        Path file;

        @Option(names = "--head", paramLabel = "HASH",
                description = "An anchor hash (64 hex digits, optional sha256: prefix) that must be the"
                        + " hash of an entry of the chain.")
        String head;

        Verify(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            byte[] data = Io.readBytes(ctx, file, "audit export");
            AuditChain.Result r;
            // strict UTF-8: a mangled byte is a broken export, not something to guess around
            try (BufferedReader in = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(data),
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
                r = AuditChain.verify(in, head);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--head: " + e.getMessage());
            } catch (IOException e) {
                throw CliException.badInput("audit export " + file + " is not valid UTF-8: " + e.getMessage());
            }
            if (!r.ok()) {
                throw CliException.badInput("audit chain verification FAILED for " + file + ": " + r.problem()
                        + " (" + r.entries() + " entries before it verified)");
            }
            ctx.out.println("audit chain of " + r.entries() + " entries: ok");
            ctx.out.println("head " + r.head());
            if (r.anchorSeq() != null) {
                long after = r.entries() - r.anchorSeq();
                ctx.out.println("anchor found at entry " + r.anchorSeq() + (after == 0 ? " (the head)"
                        : "; " + after + " later entr" + (after == 1 ? "y is" : "ies are") + " not covered by the anchor"));
            }
            return ExitCodes.OK;
        }
    }
}
