package io.provmark.cli;

/** The exit codes of every provmark command; also printed in the top-level help. */
public final class ExitCodes {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** A bug or an unexpected environment failure (I/O error, out of memory...). */
    public static final int INTERNAL = 1;
    /** The command line itself is wrong: unknown option, missing argument, bad option value. */
    public static final int USAGE = 2;
    /** An input file is wrong: malformed JSONL or profile, token id outside the vocabulary, empty or non-UTF-8 text. */
    public static final int BAD_INPUT = 3;
    /** A key problem: missing or wrong passphrase, corrupted keyset, profile/key mismatch, unknown key id. */
    public static final int KEY = 4;

    private ExitCodes() {
    }
}
