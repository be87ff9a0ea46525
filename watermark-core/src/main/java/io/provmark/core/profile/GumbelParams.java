package io.provmark.core.profile;

/**
 * Gumbel-max (Aaronson) parameters. {@code repeatedContextWindow}: at generation time, a context
 * (the last h tokens) already seen within this many preceding positions is sampled without the
 * watermark, so repeated contexts do not repeat the same choice; 0 checks the whole sequence,
 * -1 disables the check.
 */
public record GumbelParams(int repeatedContextWindow) implements SchemeParams {
    public static final String SCHEME = "gumbel";

    public GumbelParams {
        if (repeatedContextWindow < -1) {
            throw new ProfileException("params.repeated_context_window", "must be -1 (off), 0 (whole sequence) or a positive window, got " + repeatedContextWindow);
        }
    }

    @Override
    public String scheme() {
        return SCHEME;
    }
}
