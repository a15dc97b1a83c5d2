package warmwire.session.conn;

/**
 * An egress source: a named local address that connections are made from, with the HELO name
 * that goes with it (receivers check that the name and the address's PTR agree).
 *
 * @param name    the operator's name for it (warmwire.egress.sources."name")
 * @param address an IPv4 or IPv6 literal of this host
 * @param helo    the EHLO/HELO name of its connections; null: the service's own
 */
public record Source(String name, String address, String helo) {

    private static final java.util.regex.Pattern IPV4 =
            java.util.regex.Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    public Source {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
            throw new IllegalArgumentException("source name must be letters, digits, '_', '.', '-': " + name);
        }
        // a literal only (never a name to look up), and one address: not a wildcard, not multicast
        boolean v4 = address != null && IPV4.matcher(address).matches();
        boolean v6 = address != null && address.contains(":") && address.matches("[0-9A-Fa-f:.]+");
        java.net.InetAddress a = null;
        if (v4 || v6) {
            try {
                a = java.net.InetAddress.getByName(address); // a literal: no lookup
            } catch (java.net.UnknownHostException e) {
                a = null;
            }
        }
        if (a == null) {
            throw new IllegalArgumentException("source " + name + ": address must be an IPv4 or IPv6 literal: " + address);
        }
        if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
            throw new IllegalArgumentException("source " + name + ": " + address + " is not one address to send from");
        }
    }

    /** Whether this source's address is IPv6. */
    public boolean ipv6() {
        return address.contains(":");
    }

    /** "IPv4" or "IPv6". */
    public String family() {
        return ipv6() ? "IPv6" : "IPv4";
    }

    /**
     * The endpoints this source can connect to: those whose address is of its family (an
     * endpoint without an address literal is kept: its name is resolved at connect time).
     */
    public java.util.List<warmwire.contracts.route.Endpoint> reachable(java.util.List<warmwire.contracts.route.Endpoint> endpoints) {
        java.util.List<warmwire.contracts.route.Endpoint> out = new java.util.ArrayList<>(endpoints.size());
        for (warmwire.contracts.route.Endpoint e : endpoints) {
            String a = e.address();
            if (a == null || a.isBlank() || a.contains(":") == ipv6()) {
                out.add(e);
            }
        }
        return out.size() == endpoints.size() ? endpoints : out;
    }

    /** The EHLO name of its connections: its own, else {@code service}'s (warmwire.smtp.helo-name). */
    public String heloOr(String service) {
        return helo != null ? helo : service;
    }

    /** {@code name[address]}: how events and logs show it. */
    public String label() {
        return name + "[" + address + "]";
    }
}
