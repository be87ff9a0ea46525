package io.provmark.cli;

/**
 * A failure the user can act on: Main prints {@code provmark: error: <message>} and exits with
 * {@link #exitCode()}. Messages never contain key material.
 */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    static CliException badInput(String message) {
        return new CliException(ExitCodes.BAD_INPUT, message);
    }

    static CliException key(String message) {
        return new CliException(ExitCodes.KEY, message);
    }

    static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }
}
