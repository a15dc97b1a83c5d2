package warmwire.contracts.route;

/**
 * One address to try for a site, in the order routing chose (MX preference, then the
 * resolver's order within one preference).
 *
 * @param host       the MX host name: the TLS SNI and the name {@code verify} checks
 * @param address    its IP address, as text
 * @param port       TCP port
 * @param preference the MX preference, 0 for a static route
 */
public record Endpoint(String host, String address, int port, int preference) {

    /** Postfix's relay notation: {@code mx1.example.com[192.0.2.1]:25}. */
    public String relay() {
        return host + "[" + address + "]:" + port;
    }
}
