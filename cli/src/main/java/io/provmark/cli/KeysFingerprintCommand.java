package io.provmark.cli;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.WatermarkKey;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark keys fingerprint}: the public commitment to one key. */
@Command(name = "fingerprint",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Print the public fingerprint of a key.",
        description = {
            "Print the public fingerprint of a key: sha256:<hex>, a domain-separated SHA-256 "
                    + "commitment to the key id and key bytes. It binds a detection report to this "
                    + "exact key (an expert can recompute it from the disclosed key) and reveals "
                    + "nothing usable about the key.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark keys fingerprint --keyset keys.pmk",
            "  provmark keys fingerprint --keyset keys.pmk --id acme-2024"})
final class KeysFingerprintCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Option(names = "--keyset", required = true, paramLabel = "FILE", description = "The keyset file.")
    Path keyset;

    @Option(names = "--id", paramLabel = "ID", description = "The key to fingerprint. Default: the primary key.")
    String id;

    KeysFingerprintCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        Keyset ks = Io.openKeyset(ctx, keyset);
        WatermarkKey k;
        if (id == null) {
            k = ks.primary();
        } else if (ks.contains(id)) {
            k = ks.key(id);
        } else {
            throw CliException.key("key id '" + id + "' is not in keyset " + keyset + " (it holds "
                    + String.join(", ", ids(ks)) + ")");
        }
        ctx.out.println(k.fingerprint());
        return ExitCodes.OK;
    }

    static java.util.List<String> ids(Keyset ks) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (WatermarkKey k : ks.keys()) {
            out.add(k.id());
        }
        return out;
    }
}
