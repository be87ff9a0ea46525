package io.provmark.cli;

import java.util.Arrays;

/**
 * Where the keyset passphrase comes from: the environment variable, else the console. Never a
 * command-line argument, which any user could read in {@code ps} or the shell history.
 */
final class Passphrase {
    static final String ENV = "PROVMARK_KEYSET_PASSPHRASE";
    /** KeysetFile refuses shorter passphrases; checked here for a clearer message. */
    static final int MIN_CHARS = 8;

    private Passphrase() {
    }

    /** The passphrase to open an existing keyset. */
    static char[] forOpening(CliContext ctx) {
        return obtain(ctx, false);
    }

    /** The passphrase for a new keyset: typed twice on the console, and at least {@value #MIN_CHARS} characters. */
    static char[] forCreating(CliContext ctx) {
        char[] p = obtain(ctx, true);
        if (p.length < MIN_CHARS) {
            Arrays.fill(p, '\0');
            throw CliException.key("the keyset passphrase must have at least " + MIN_CHARS + " characters");
        }
        return p;
    }

    private static char[] obtain(CliContext ctx, boolean confirm) {
        String fromEnv = ctx.env.get(ENV);
        if (fromEnv != null) {
            if (fromEnv.isEmpty()) {
                throw CliException.key(ENV + " is set but empty");
            }
            return fromEnv.toCharArray();
        }
        if (ctx.console == null) {
            throw CliException.key("no keyset passphrase: set " + ENV
                    + " or run in an interactive terminal to be prompted (it is never taken as an argument)");
        }
        char[] first = ctx.console.readSecret("Keyset passphrase: ");
        if (first == null || first.length == 0) {
            throw CliException.key("no keyset passphrase entered");
        }
        if (!confirm) {
            return first;
        }
        char[] second = ctx.console.readSecret("Repeat the passphrase: ");
        try {
            if (second == null || !Arrays.equals(first, second)) {
                Arrays.fill(first, '\0');
                throw CliException.key("the two passphrases do not match");
            }
            return first;
        } finally {
            if (second != null) {
                Arrays.fill(second, '\0');
            }
        }
    }
}
