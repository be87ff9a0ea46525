package io.provmark.core.profile;

import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenizerException;
import io.provmark.core.text.Tokenizers;
import java.util.Optional;

/**
 * Binds a profile to its tokenizer: resolves the id and checks that the tokenizer loaded now is the one the
 * profile was made with (its {@code tokenizer_sha256}) and that its ids fit {@code vocab_size}.
 *
 * <p>Compatibility: {@code tokenizer_sha256} is optional in {@code provmark-profile-v1}. A profile without it
 * (written before the field existed, always with a built-in jtokkit encoding) is "not pinned": it still
 * works, {@link #unpinnedNote} says so, and re-creating the profile pins it. Hugging Face tokenizers are
 * always pinned (the profile constructor requires it).
 */
public final class ProfileTokenizers {
    private ProfileTokenizers() {
    }

    /**
     * The profile's tokenizer, checked with {@link #check}.
     *
     * @throws TokenizerException for tokenizer {@code none}, an unknown id (the message lists the known ones),
     *                            a missing or unreadable file, a different vocabulary or a vocabulary too large
     */
    public static TextTokenizer resolve(Profile profile) {
        if ("none".equals(profile.tokenizer())) {
            throw new TokenizerException("the profile has tokenizer 'none' (it exchanges token ids only); give token"
                    + " ids, or create a profile with a tokenizer");
        }
        TextTokenizer t = Tokenizers.byId(profile.tokenizer());
        check(profile, t);
        return t;
    }

    /**
     * Checks that {@code tokenizer} is the profile's: same id, the pinned vocabulary hash (when the profile
     * pins one) and no id at or above {@code vocab_size}.
     *
     * @throws TokenizerException naming the tokenizer id and both hashes or sizes
     */
    public static void check(Profile profile, TextTokenizer tokenizer) {
        if (!profile.tokenizer().equals(tokenizer.id())) {
            throw new TokenizerException("tokenizer mismatch: the profile uses '" + profile.tokenizer()
                    + "' but the tokenizer given is '" + tokenizer.id() + "'");
        }
        String pinned = profile.tokenizerSha256();
        String actual = tokenizer.vocabularySha256();
        if (pinned != null && !pinned.equals(actual)) {
            throw new TokenizerException("tokenizer mismatch for '" + profile.tokenizer() + "': the profile pins"
                    + " vocabulary SHA-256 " + pinned + " but the tokenizer loaded now has " + actual
                    + " (a different vocabulary: token ids would mean other tokens; use the tokenizer the profile"
                    + " was made with)");
        }
        if (tokenizer.vocabSize() > profile.vocabSize()) {
            throw new TokenizerException("tokenizer '" + profile.tokenizer() + "' has " + tokenizer.vocabSize()
                    + " token ids but the profile's vocab_size is " + profile.vocabSize() + "; its ids would not fit");
        }
    }

    /** A note for the user when the profile does not pin its tokenizer's vocabulary; empty when it does. */
    public static Optional<String> unpinnedNote(Profile profile, TextTokenizer tokenizer) {
        if (profile.tokenizerSha256() != null) {
            return Optional.empty();
        }
        return Optional.of("the profile does not pin its tokenizer's vocabulary (no tokenizer_sha256; written before"
                + " provmark recorded it): using '" + tokenizer.id() + "' with vocabulary SHA-256 "
                + tokenizer.vocabularySha256() + " unchecked; re-create the profile to pin it");
    }
}
