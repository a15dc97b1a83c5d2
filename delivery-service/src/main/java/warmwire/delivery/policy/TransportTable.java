package warmwire.delivery.policy;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * NAME
 *   TransportTable - static routes by recipient domain, looked up as Postfix's transport(5).
 * DESCRIPTION
 *   For {@code user@sub.example.com} the keys tried are {@code sub.example.com}, then the
 *   parent-domain patterns {@code .example.com} and {@code .com}, then {@code *}. Keys are
 *   lower case; a plain domain key never matches its subdomains, and {@code .example.com}
 *   never matches {@code example.com} itself.
 */
public final class TransportTable {
    /** A table with no routes: every domain goes to DNS. */
    public static final TransportTable EMPTY = new TransportTable(Map.of());

    private final Map<String, Nexthop> routes;

    public TransportTable(Map<String, Nexthop> routes) {
        this.routes = Map.copyOf(routes);
    }

    /** The route of {@code domain}, if the table has one. */
    public Optional<Nexthop> lookup(String domain) {
        if (routes.isEmpty()) {
            return Optional.empty();
        }
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        Nexthop n = routes.get(d);
        for (int dot = d.indexOf('.'); n == null && dot >= 0; dot = d.indexOf('.', dot + 1)) {
            n = routes.get(d.substring(dot));
        }
        if (n == null) {
            n = routes.get("*");
        }
        return Optional.ofNullable(n);
    }

    public int size() {
        return routes.size();
    }
}
