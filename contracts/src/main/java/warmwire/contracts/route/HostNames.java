package warmwire.contracts.route;

import java.util.Locale;

/** Host and domain names as every service compares them. */
public final class HostNames {
    private HostNames() {
    }

    /** {@code name} without surrounding blanks, in lower case, without a trailing dot (the root). */
    public static String normalise(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /**
     * RFC 8461 section 4.1: whether {@code host} is what the MX pattern names: the same name
     * (case and a trailing dot aside), or for {@code *.example.com} exactly one more label on the
     * left ({@code mx.example.com}, not {@code a.b.example.com} nor {@code example.com}).
     */
    public static boolean matchesMxPattern(String pattern, String host) {
        String p = normalise(pattern);
        String h = normalise(host);
        if (p.startsWith("*.")) {
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot).equals(p.substring(1));
        }
        return p.equals(h);
    }
}
