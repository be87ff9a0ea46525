package io.provmark.core.profile;

/** An invalid profile; the message names the offending field. */
public final class ProfileException extends IllegalArgumentException {
    private final String field;

    public ProfileException(String field, String problem) {
        super("profile field '" + field + "' " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
