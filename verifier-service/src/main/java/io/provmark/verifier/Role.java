package io.provmark.verifier;

import java.util.Locale;

/** API roles: admin (keys, profiles, tokens), researcher (run jobs), legal (cases, reports), auditor (read-only). */
public enum Role {
    ADMIN, RESEARCHER, LEGAL, AUDITOR;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Role parse(String s) {
        for (Role r : values()) {
            if (r.id().equals(s)) {
                return r;
            }
        }
        throw new ApiException(400, "unknown role \"" + s + "\" (allowed: admin, researcher, legal, auditor)");
    }
}
