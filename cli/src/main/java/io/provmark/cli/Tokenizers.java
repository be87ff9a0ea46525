package io.provmark.cli;

import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileTokenizers;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenizerException;
import java.nio.file.Path;

/**
 * The CLI's view of tokenizers. Ids, vocabulary sizes and hashes all come from core
 * ({@link io.provmark.core.text.Tokenizers}, {@link ProfileTokenizers}); this class only maps their
 * failures to exit codes and prints the "not pinned" note.
 */
final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The profile's tokenizer, checked against the profile's vocabulary hash and size; any problem (none,
     * unknown id, missing file, mismatch) is bad input (exit 3) naming the profile file. A profile without
     * tokenizer_sha256 gets a note on standard error ({@code ctx} null: no note).
     */
    static TextTokenizer forProfile(CliContext ctx, Profile profile, Path profileFile, String why) {
        TextTokenizer t;
        try {
            t = ProfileTokenizers.resolve(profile);
        } catch (TokenizerException e) {
            throw CliException.badInput("profile " + profileFile + " (tokenizer '" + profile.tokenizer() + "'): "
                    + why + ": " + e.getMessage());
        }
        if (ctx != null) {
            ProfileTokenizers.unpinnedNote(profile, t).ifPresent(n -> ctx.err.println("provmark: note: profile "
                    + profileFile + ": " + n));
        }
        return t;
    }

    /** The tokenizer with this id (for profile create); unknown ids list the known ones (exit 2). */
    static TextTokenizer byId(String id) {
        try {
            return io.provmark.core.text.Tokenizers.byId(id);
        } catch (TokenizerException e) {
            throw CliException.usage("--tokenizer: " + e.getMessage());
        }
    }

    /** Token ids of {@code text} (NFC first, special-token text encoded as ordinary text). */
    static int[] encode(String id, String text) {
        return io.provmark.core.text.Tokenizers.byId(id).encode(text);
    }
}
