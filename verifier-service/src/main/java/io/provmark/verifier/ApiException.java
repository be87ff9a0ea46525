package io.provmark.verifier;

/** An HTTP error with a client-facing message; rendered as {@code {"error": "..."}}. */
class ApiException extends RuntimeException {
    final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }
}
