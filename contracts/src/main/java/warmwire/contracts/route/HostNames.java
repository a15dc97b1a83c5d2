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
}
