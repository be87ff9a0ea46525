package io.provmark.core.text;

/** A tokenizer cannot be found, loaded or used; the message names the tokenizer and the problem. */
public class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
