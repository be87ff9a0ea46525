package io.provmark.cli;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.WatermarkKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark keys list}: the public facts of every key. */
@Command(name = "list",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "List the keys of a keyset.",
        description = {
            "List the keys of a keyset: which is primary (marked *), id, creation time (UTC), "
                    + "size in bits and public fingerprint. The keyset is decrypted so that what is "
                    + "listed is authenticated; the key material itself is never shown.",
            ""},
        footerHeading = "%nExample:%n",
        footer = {"  provmark keys list --keyset keys.pmk"})
final class KeysListCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Option(names = "--keyset", required = true, paramLabel = "FILE", description = "The keyset file.")
    Path keyset;

    KeysListCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        Keyset ks = Io.openKeyset(ctx, keyset);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"PRIMARY", "ID", "CREATED", "BITS", "FINGERPRINT"});
        for (WatermarkKey k : ks.keys()) {
            rows.add(new String[] {k.id().equals(ks.primaryId()) ? "*" : "", k.id(),
                    Instant.ofEpochSecond(k.createdEpochSecond()).toString(), Integer.toString(k.bits()),
                    k.fingerprint()});
        }
        Table.print(ctx.out, rows, new boolean[] {false, false, false, true, false});
        return ExitCodes.OK;
    }
}
