package warmwire.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * NAME
 *   BearerToken - the admin endpoints' authentication rule, one for every service.
 * DESCRIPTION
 *   The token comes from {@code warmwire.admin.token} (environment WARMWIRE_ADMIN_TOKEN), never
 *   from the repository. Without a configured token nothing is accepted, so a forgotten setting
 *   fails closed. Tokens are compared in constant time.
 */
public final class BearerToken {
    /** The WWW-Authenticate header of a refusal. */
    public static final String CHALLENGE = "Bearer realm=\"warmwire-admin\"";

    private BearerToken() {
    }

    /** Whether {@code authorization} (the request's Authorization header, may be null) carries {@code expected}. */
    public static boolean accepts(String expected, String authorization) {
        return expected != null && !expected.isEmpty() && authorization != null && authorization.startsWith("Bearer ")
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                        authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    /** The JSON error text of a refusal. */
    public static String why(String expected) {
        return expected == null || expected.isEmpty() ? "admin token not configured (warmwire.admin.token)"
                : "missing or wrong bearer token";
    }
}
