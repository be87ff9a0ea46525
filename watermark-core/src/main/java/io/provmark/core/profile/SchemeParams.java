package io.provmark.core.profile;

/** Scheme-specific parameters of a {@link Profile}; one record per scheme. */
public sealed interface SchemeParams permits RedGreenParams, GumbelParams, SynthIdParams {
    /** The scheme name as written in profiles: {@code red-green}, {@code gumbel}, {@code synthid}. */
    String scheme();
}
