package io.provmark.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs the CLI in-process and captures what it printed. */
final class Cli {
    static final String PASS = "correct horse battery staple";

    /** One run's exit code and output. */
    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put(Passphrase.ENV, PASS);
        return env;
    }

    static Result run(String... args) {
        return runWith(env(), null, null, args);
    }

    static Result run(Map<String, String> env, String... args) {
        return runWith(env, null, null, args);
    }

    static Result runWith(Map<String, String> env, byte[] stdin, CliContext.SecretPrompter console, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(stdin == null ? new byte[0] : stdin);
        int code;
        try (PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream pe = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, env, in, po, pe, console);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
