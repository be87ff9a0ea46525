package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** --help on every command is documentation: every option described, examples given. */
class HelpTest {
    private static List<CommandLine> allCommands() {
        CliContext ctx = new CliContext(new HashMap<>(), System.in,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), null);
        List<CommandLine> out = new ArrayList<>();
        collect(Main.commandLine(ctx), out);
        return out;
    }

    private static void collect(CommandLine cl, List<CommandLine> out) {
        out.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, out);
        }
    }

    @Test
    void everyCommandHasDocumentedOptionsAndExamples() {
        List<CommandLine> all = allCommands();
        assertEquals(22, all.size(),
                "provmark, keys (4), profile (2), detect, demo, serve, report (1), attribute, calibrate, generate,"
                        + " audit (1), serve-model, probe, eval");
        for (CommandLine cl : all) {
            String name = cl.getCommandSpec().qualifiedName();
            for (OptionSpec o : cl.getCommandSpec().options()) {
                String d = String.join(" ", o.description());
                assertFalse(d.isBlank(), name + " " + o.longestName() + " has no description");
            }
            assertTrue(cl.getCommandSpec().usageMessage().description().length > 0, name + " has no description");
            String[] args = (name.substring("provmark".length()).strip() + " --help").strip().split(" ");
            Cli.Result r = Cli.run(args);
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("Usage: " + name), r::toString);
            assertTrue(r.out().contains("provmark "), "examples in " + name);
            assertTrue(r.out().contains("Example"), "examples in " + name);
            for (String line : r.out().split("\n")) {
                assertTrue(line.length() <= 80, name + " help line too wide: " + line);
            }
        }
    }

    @Test
    void topLevelHelpDocumentsExitCodes() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.code());
        for (String s : List.of("Exit codes:", "  0  success", "  1  internal error", "  2  usage error",
                "  3  bad input", "  4  key problem", "PROVMARK_KEYSET_PASSPHRASE")) {
            assertTrue(r.out().contains(s), "missing '" + s + "' in\n" + r.out());
        }
    }

    @Test
    void version() {
        Cli.Result r = Cli.run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("provmark "));
    }
}
