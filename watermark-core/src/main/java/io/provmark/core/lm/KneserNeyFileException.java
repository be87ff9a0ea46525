package io.provmark.core.lm;

import java.io.IOException;

/** A Kneser-Ney model file is missing, truncated, corrupted or of another format; the message says which. */
public class KneserNeyFileException extends IOException {
    public KneserNeyFileException(String message) {
        super(message);
    }

    public KneserNeyFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
