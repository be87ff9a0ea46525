package io.provmark.cli;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.WatermarkKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark keys create}: a new keyset with one fresh 256-bit key. */
@Command(name = "create",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Create a new keyset with one fresh key.",
        description = {
            "Create a new encrypted keyset holding one fresh 256-bit key from the platform's "
                    + "strong random generator; it becomes the primary key. The passphrase is read "
                    + "from PROVMARK_KEYSET_PASSPHRASE, else typed twice on the terminal; it must have "
                    + "at least 8 characters. Prints the key id and its public fingerprint, never the key.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark keys create --keyset keys.pmk",
            "  provmark keys create --keyset keys.pmk --id acme-2025 --force"})
final class KeysCreateCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Option(names = "--keyset", required = true, paramLabel = "FILE",
            description = "The keyset file to create.")
    Path keyset;

    @Option(names = "--id", paramLabel = "ID",
            description = "Public id of the key: 1-64 characters [A-Za-z0-9._-] starting with a letter"
                    + " or digit. Default: a random id such as k-1f3a9c0d22e4.")
    String id;

    @Option(names = "--force", description = "Replace an existing keyset file. The keys in it are lost for good.")
    boolean force;

    KeysCreateCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        String keyId = id == null ? WatermarkKey.newId() : id;
        try {
            WatermarkKey.validateId(keyId);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--id: " + e.getMessage());
        }
        if (!force && Files.exists(keyset)) {
            throw CliException.badInput("keyset " + keyset + " already exists; use --force to replace it"
                    + " (its keys would be lost)");
        }
        char[] pass = Passphrase.forCreating(ctx);
        WatermarkKey key = WatermarkKey.generate(keyId);
        try {
            Io.writeKeyset(keyset, new Keyset(keyId, List.of(key)), pass);
        } finally {
            Arrays.fill(pass, '\0');
        }
        ctx.out.println("created keyset " + keyset);
        ctx.out.println("primary key " + key.id() + "  " + key.fingerprint());
        return ExitCodes.OK;
    }
}
