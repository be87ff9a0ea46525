package io.provmark.core.profile;

import java.util.Objects;

/**
 * Red-green (KGW) parameters: green-list fraction {@code gamma}, logit bias {@code delta}, and how
 * the context seeds the green list. With context width 0 this is the Unigram watermark.
 */
public record RedGreenParams(double gamma, double delta, Seeding seeding) implements SchemeParams {
    public static final String SCHEME = "red-green";

    /** Left-hash: the seed is the preceding h tokens. Self-hash: min-hash over them and the candidate. */
    public enum Seeding {
        LEFT_HASH("left-hash"), SELF_HASH("self-hash");

        private final String wire;

        Seeding(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Seeding parse(String s) {
            for (Seeding v : values()) {
                if (v.wire.equals(s)) {
                    return v;
                }
            }
            throw new ProfileException("params.seeding", "must be \"left-hash\" or \"self-hash\", got \"" + s + "\"");
        }
    }

    public RedGreenParams {
        if (!(gamma > 0.0 && gamma < 1.0)) {
            throw new ProfileException("params.gamma", "must be in (0, 1), got " + gamma);
        }
        if (!(delta >= 0.0 && delta <= 100.0)) {
            throw new ProfileException("params.delta", "must be in [0, 100], got " + delta);
        }
        Objects.requireNonNull(seeding, "seeding");
    }

    @Override
    public String scheme() {
        return SCHEME;
    }
}
