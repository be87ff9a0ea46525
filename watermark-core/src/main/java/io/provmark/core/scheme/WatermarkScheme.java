package io.provmark.core.scheme;

import io.provmark.core.profile.Profile;

/** A scheme bound to a profile and a key: its embedder, its scorer and its null model. */
public interface WatermarkScheme {
    Profile profile();

    String keyId();

    Embedder embedder();

    Scorer scorer();

    NullModel nullModel();
}
