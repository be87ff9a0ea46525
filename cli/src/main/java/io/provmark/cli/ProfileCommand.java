package io.provmark.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code provmark profile}: the group of profile commands. */
@Command(name = "profile",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {ProfileCreateCommand.class, ProfileShowCommand.class},
        header = "Write and inspect watermark profiles.",
        description = {
            "A profile is the public half of a watermark: scheme, parameters, PRF, context width, "
                    + "tokenizer, vocabulary size and the id of the key. With the key it fixes every "
                    + "watermark decision, so embedding and detection must use the same profile.",
            ""},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark profile create --scheme gumbel --key-id acme-2025 \\",
            "      --tokenizer o200k_base --out p.json",
            "  provmark profile show p.json"})
final class ProfileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: one of create, show");
    }
}
