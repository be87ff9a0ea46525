package io.provmark.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code provmark keys}: the group of keyset commands. */
@Command(name = "keys",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {KeysCreateCommand.class, KeysListCommand.class, KeysFingerprintCommand.class,
                KeysRotateCommand.class},
        header = "Create and manage an encrypted keyset of secret watermark keys.",
        description = {
            "A keyset holds one primary key (used to embed) and every older key (kept to verify "
                    + "text watermarked before a rotation). It is encrypted with scrypt and AES-256-GCM "
                    + "under the passphrase from PROVMARK_KEYSET_PASSPHRASE (or typed on the terminal). "
                    + "Key material is never printed; only ids and public fingerprints are.",
            ""},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark keys create --keyset keys.pmk --id acme-2025",
            "  provmark keys list --keyset keys.pmk",
            "  provmark keys rotate --keyset keys.pmk"})
final class KeysCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: one of create, list, fingerprint, rotate");
    }
}
