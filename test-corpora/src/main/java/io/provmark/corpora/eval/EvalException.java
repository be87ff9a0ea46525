package io.provmark.corpora.eval;

/** A problem with the evaluation's inputs (config, corpora, WordNet) that the user can fix; the message says how. */
public final class EvalException extends RuntimeException {
    public EvalException(String message) {
        super(message);
    }

    public EvalException(String message, Throwable cause) {
        super(message, cause);
    }
}
