package io.provmark.verifier;

import java.util.Set;

/**
 * One API endpoint with the roles allowed to call it and its success status; the list in
 * {@link VerifierServer#ENDPOINTS} is the single source for routing, docs and the role matrix test.
 */
public record Endpoint(String method, String path, int successStatus, Set<Role> roles) {
}
