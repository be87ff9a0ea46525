package io.provmark.cli;

import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileException;
import io.provmark.core.profile.ProfileJson;
import java.nio.file.Path;

/** Reads profile files, mapping every problem to exit code 3 with the file and field named. */
final class Profiles {
    private Profiles() {
    }

    static Profile read(CliContext ctx, Path file) {
        String json = Io.readUtf8(ctx, file, "profile");
        try {
            return ProfileJson.read(json);
        } catch (ProfileException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "invalid profile " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // a constructor check without a field name; still the profile's fault
            throw new CliException(ExitCodes.BAD_INPUT, "invalid profile " + file + ": " + e.getMessage(), e);
        }
    }
}
