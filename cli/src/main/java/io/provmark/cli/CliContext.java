package io.provmark.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.Objects;

/**
 * What a command may touch besides its options: environment, standard streams and the console.
 * Injected so that tests run every command in-process.
 */
final class CliContext {
    /** Reads a secret without echo; null when no interactive console is attached. */
    interface SecretPrompter {
        char[] readSecret(String prompt);
    }

    final Map<String, String> env;
    final InputStream stdin;
    final PrintStream out;
    final PrintStream err;
    final SecretPrompter console;
    boolean verbose;

    CliContext(Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err, SecretPrompter console) {
        this.env = Objects.requireNonNull(env, "env");
        this.stdin = Objects.requireNonNull(stdin, "stdin");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.console = console;
    }
}
