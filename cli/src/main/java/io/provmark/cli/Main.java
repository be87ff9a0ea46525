package io.provmark.cli;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code provmark} command line: a thin layer over watermark-core. */
@Command(name = "provmark",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {KeysCommand.class, ProfileCommand.class, DetectCommand.class, DemoCommand.class, ServeCommand.class, ReportCommand.class, AttributeCommand.class,
            CalibrateCommand.class, GenerateCommand.class, AuditCommand.class,
            ServeModelCommand.class, ProbeCommand.class, EvalCommand.class},
        header = "Keyed statistical watermarks for LLM outputs.",
        description = {
            "Manage secret watermark keys, write the public profile a model is watermarked "
                    + "with, and test suspect text or token ids for the watermark with exact p-values.",
            ""},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%n",
        footer = {
            "The keyset passphrase is read from the environment variable",
            "PROVMARK_KEYSET_PASSPHRASE, else prompted on the terminal; it is never a",
            "command-line argument.",
            "",
            "Exit codes:",
            "  0  success",
            "  1  internal error (a bug, or an unexpected I/O failure)",
            "  2  usage error (unknown option, missing or invalid argument or option value)",
            "  3  bad input (malformed JSONL or profile, token id outside the vocabulary,",
            "     empty text, invalid UTF-8, output file exists and no --force)",
            "  4  key problem (missing or wrong passphrase, corrupted keyset,",
            "     profile/key mismatch, key id not in the keyset)",
            "",
            "Errors are one line 'provmark: error: ...' on stderr; --verbose adds the stack",
            "trace. Every command has --help.",
            "",
            "Example session:",
            "  export PROVMARK_KEYSET_PASSPHRASE='correct horse battery staple'",
            "  provmark keys create --keyset keys.pmk",
            "  provmark profile create --scheme red-green --keyset keys.pmk \\",
            "      --tokenizer cl100k_base --out profile.json",
            "  provmark detect --profile profile.json --keyset keys.pmk \\",
            "      --text suspect.txt --format table",
            "  provmark demo"})
public final class Main implements Callable<Integer> {
    private final CliContext ctx;

    @Spec
    CommandSpec spec;

    Main(CliContext ctx) {
        this.ctx = ctx;
    }

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "On an error, also print the stack trace (never contains key material).")
    void setVerbose(boolean verbose) {
        ctx.verbose = verbose;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: one of keys, profile, detect, demo, serve, report");
    }

    public static void main(String[] args) {
        int code = run(args, System.getenv(), System.in, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs one command line with the given environment and streams; returns the exit code (see {@link ExitCodes}). */
    public static int run(String[] args, Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err) {
        Console console = System.console();
        CliContext.SecretPrompter prompter = console == null ? null : prompt -> console.readPassword("%s", prompt);
        return run(args, env, stdin, out, err, prompter);
    }

    /** As {@link #run(String[], Map, InputStream, PrintStream, PrintStream)} with an explicit console (null: none). */
    static int run(String[] args, Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err,
                   CliContext.SecretPrompter console) {
        CliContext ctx = new CliContext(env, stdin, out, err, console);
        try {
            CommandLine cl = commandLine(ctx);
            return cl.execute(args);
        } catch (RuntimeException | Error e) {
            return internalError(ctx, e);
        } finally {
            out.flush();
            err.flush();
        }
    }

    static CommandLine commandLine(CliContext ctx) {
        CommandLine cl = new CommandLine(Main.class, new Factory(ctx));
        cl.setOut(new PrintWriter(ctx.out, true));
        cl.setErr(new PrintWriter(ctx.err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(false);
        cl.setParameterExceptionHandler((ex, args) -> {
            ctx.err.println("provmark: error: " + ex.getMessage());
            CommandLine sub = ex.getCommandLine();
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, new PrintWriter(ctx.err, true));
            ctx.err.println("Try '" + sub.getCommandSpec().qualifiedName() + " --help' for more information.");
            if (ctx.verbose) {
                ex.printStackTrace(ctx.err);
            }
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, sub, parseResult) -> {
            if (ex instanceof CliException) {
                CliException ce = (CliException) ex;
                ctx.err.println("provmark: error: " + ce.getMessage());
                if (ce.exitCode() == ExitCodes.USAGE) {
                    ctx.err.println("Try '" + sub.getCommandSpec().qualifiedName() + " --help' for more information.");
                }
                if (ctx.verbose) {
                    ce.printStackTrace(ctx.err);
                }
                return ce.exitCode();
            }
            return internalError(ctx, ex);
        });
        return cl;
    }

    private static int internalError(CliContext ctx, Throwable e) {
        String msg = e.getMessage();
        ctx.err.println("provmark: error: internal error: " + e.getClass().getSimpleName()
                + (msg == null ? "" : ": " + msg) + (ctx.verbose ? "" : " (rerun with --verbose for details)"));
        if (ctx.verbose) {
            e.printStackTrace(ctx.err);
        }
        return ExitCodes.INTERNAL;
    }

    /** Builds command objects with the context; picocli's own classes keep the default factory. */
    private static final class Factory implements CommandLine.IFactory {
        private final CliContext ctx;
        private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

        Factory(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                Constructor<K> c = cls.getDeclaredConstructor(CliContext.class);
                return c.newInstance(ctx);
            } catch (NoSuchMethodException e) {
                return fallback.create(cls);
            }
        }
    }

    /** The version from the jar manifest, or "development build" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"provmark " + (v == null ? "(development build)" : v)};
        }
    }
}
