package warmwire.delivery.policy;

/**
 * NAME
 *   Nexthop - where a static route sends a domain's mail.
 * DESCRIPTION
 *   Postfix's nexthop forms: {@code [host]:port} (no MX lookup: the host's own addresses, or an
 *   IP literal), {@code host:port} (MX lookup on host) and the empty nexthop (MX lookup on the
 *   recipient's domain, as if there were no route).
 *
 * @param host      the host or IP literal, or null for the recipient's own domain
 * @param port      the TCP port, or 0 for warmwire.smtp.port
 * @param mxLookup  whether {@code host} is looked up as a mail domain (MX) rather than a host
 */
public record Nexthop(String host, int port, boolean mxLookup) {

    /** The port to use, {@code defaultPort} when the route names none. */
    public int portOr(int defaultPort) {
        return port == 0 ? defaultPort : port;
    }

    /** Postfix notation, for log lines. */
    @Override
    public String toString() {
        String h = host == null ? "" : mxLookup ? host : "[" + host + "]";
        return port == 0 ? h : h + ":" + port;
    }
}
