package io.provmark.cli;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.WatermarkKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark keys rotate}: a fresh primary key; old keys stay for verification. */
@Command(name = "rotate",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Add a fresh primary key; old keys stay for verification.",
        description = {
            "Add a fresh 256-bit key to the keyset and make it the primary key. The older keys "
                    + "stay in the keyset so that text watermarked before the rotation still verifies "
                    + "(detect with a profile naming the old key, or with --all-keys). The keyset is "
                    + "re-encrypted under the same passphrase and replaced atomically.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark keys rotate --keyset keys.pmk",
            "  provmark keys rotate --keyset keys.pmk --id acme-2026"})
final class KeysRotateCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Option(names = "--keyset", required = true, paramLabel = "FILE", description = "The keyset file to update.")
    Path keyset;

    @Option(names = "--id", paramLabel = "ID",
            description = "Public id of the new key (1-64 characters [A-Za-z0-9._-]). Default: a random id.")
    String id;

    KeysRotateCommand(CliContext ctx) {
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
        if (!Files.exists(keyset)) {
            throw CliException.key("keyset file not found: " + keyset);
        }
        char[] pass = Passphrase.forOpening(ctx);
        Keyset ks;
        WatermarkKey fresh;
        try {
            ks = Io.openKeyset(keyset, pass);
            if (ks.contains(keyId)) {
                throw CliException.usage("--id: key id '" + keyId + "' is already in keyset " + keyset);
            }
            fresh = WatermarkKey.generate(keyId);
            // same passphrase: opening the keyset just proved it right
            Io.writeKeyset(keyset, ks.withPrimary(fresh), pass);
        } finally {
            Arrays.fill(pass, '\0');
        }
        ctx.out.println("rotated keyset " + keyset + ": new primary key " + fresh.id() + "  " + fresh.fingerprint());
        ctx.out.println("previous keys kept for verification: " + String.join(", ", KeysFingerprintCommand.ids(ks)));
        return ExitCodes.OK;
    }
}
