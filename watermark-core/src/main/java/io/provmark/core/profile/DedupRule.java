package io.provmark.core.profile;

/**
 * Which repeated scored tuples the detector drops (on by default: a p-value is only valid when
 * every scored PRF input is fresh).
 */
public enum DedupRule {
    /** Score each PRF input (context seed material + token) at most once. */
    PRF_INPUT("prf-input"),
    /** Score each context at most once, whatever token follows it. */
    CONTEXT("context"),
    /** Score every position: p-values are then invalid for repetitive text; for experiments only. */
    NONE("none");

    private final String wire;

    DedupRule(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static DedupRule parse(String field, String s) {
        for (DedupRule v : values()) {
            if (v.wire.equals(s)) {
                return v;
            }
        }
        throw new ProfileException(field, "must be \"prf-input\", \"context\" or \"none\", got \"" + s + "\"");
    }
}
