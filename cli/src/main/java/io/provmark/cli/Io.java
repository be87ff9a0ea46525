package io.provmark.cli;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/** File access shared by the commands, with the error mapping of {@link ExitCodes}. */
final class Io {
    /** Largest input file read into memory (token JSONL or text). */
    static final long MAX_INPUT_BYTES = 1L << 30;

    private Io() {
    }

    /** The bytes of {@code file}, or of standard input when the name is {@code -}. */
    static byte[] readBytes(CliContext ctx, Path file, String what) {
        try {
            if (file.toString().equals("-")) {
                InputStream in = ctx.stdin;
                return in.readAllBytes();
            }
            if (Files.isDirectory(file)) {
                throw CliException.badInput(what + " " + file + " is a directory, not a file");
            }
            if (Files.size(file) > MAX_INPUT_BYTES) {
                throw CliException.badInput(what + " " + file + " is larger than " + MAX_INPUT_BYTES + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw CliException.badInput(what + " not found: " + file);
        } catch (IOException e) {
            throw CliException.badInput("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    /**
     * Strict UTF-8 decoding: a malformed or truncated sequence is an error naming its byte offset,
     * never a silent U+FFFD (which would change the tokens and so the evidence). A leading byte
     * order mark is dropped.
     */
    static String decodeUtf8(byte[] bytes, String what) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            throw CliException.badInput(what + " is not valid UTF-8 (invalid byte sequence at byte offset "
                    + in.position() + ")");
        }
        out.flip();
        String s = out.toString();
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    static String readUtf8(CliContext ctx, Path file, String what) {
        return decodeUtf8(readBytes(ctx, file, what), what + " " + file);
    }

    /** Refuses to replace an existing file unless forced, then writes atomically (no half-written file). */
    static void writeFile(Path file, byte[] content, boolean force, String what) {
        if (!force && Files.exists(file)) {
            throw CliException.badInput(what + " " + file + " already exists; use --force to replace it");
        }
        try {
            KeysetFile.writeAtomically(file, content);
        } catch (IOException e) {
            throw new CliException(ExitCodes.INTERNAL, "cannot write " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Opens a keyset with the passphrase from the environment or console. */
    static Keyset openKeyset(CliContext ctx, Path file) {
        if (!Files.exists(file)) {
            throw CliException.key("keyset file not found: " + file);
        }
        char[] pass = Passphrase.forOpening(ctx);
        try {
            return openKeyset(file, pass);
        } finally {
            Arrays.fill(pass, '\0');
        }
    }

    /** Opens a keyset with {@code pass}, which the caller wipes. */
    static Keyset openKeyset(Path file, char[] pass) {
        if (!Files.exists(file)) {
            throw CliException.key("keyset file not found: " + file);
        }
        try {
            return KeysetFile.read(file, pass);
        } catch (KeysetFile.KeysetFileException e) {
            throw new CliException(ExitCodes.KEY, e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.KEY, "cannot read keyset " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.KEY, "cannot open keyset " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes a keyset (encrypted, atomically) under {@code pass}; the caller wipes it. */
    static void writeKeyset(Path file, Keyset keyset, char[] pass) {
        try {
            KeysetFile.write(file, keyset, pass);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.KEY, e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.INTERNAL, "cannot write keyset " + file + ": " + e.getMessage(), e);
        }
    }
}
