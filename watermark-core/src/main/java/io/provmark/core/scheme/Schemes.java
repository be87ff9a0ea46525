package io.provmark.core.scheme;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.scheme.gumbel.GumbelScheme;
import io.provmark.core.scheme.redgreen.RedGreenScheme;
import io.provmark.core.scheme.synthid.SynthIdScheme;
import java.util.Objects;

/** Builds the scheme a profile names. */
public final class Schemes {
    private Schemes() {
    }

    /** The scheme for {@code profile} under {@code key}; the key id must be the profile's. */
    public static WatermarkScheme create(Profile profile, WatermarkKey key) {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(key, "key");
        if (!profile.keyId().equals(key.id())) {
            throw new IllegalArgumentException("profile/key mismatch: the profile names key '" + profile.keyId()
                    + "' but key '" + key.id() + "' was given");
        }
        if (profile.params() instanceof RedGreenParams) {
            return new RedGreenScheme(profile, key);
        }
        if (profile.params() instanceof GumbelParams) {
            return new GumbelScheme(profile, key);
        }
        if (profile.params() instanceof SynthIdParams) {
            return new SynthIdScheme(profile, key);
        }
        throw new IllegalArgumentException("unknown scheme " + profile.scheme());
    }
}
