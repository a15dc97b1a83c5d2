package warmwire.session.conn;

import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;

/**
 * NAME
 *   CacheKey - what a cached connection may be reused for (DESIGN.md principle 5).
 * DESCRIPTION
 *   Endpoint address and port, the TLS level the session was opened under, the SNI and
 *   verification name (the endpoint's host) and the client identity (HELO name). Two jobs share
 *   a connection only when every part is equal: a session opened under a weaker level never
 *   serves a stricter one, and a session verified for one name never serves another.
 */
public record CacheKey(String address, int port, TlsLevel level, String sniName, String heloName) {

    public static CacheKey of(Endpoint ep, TlsLevel level, String heloName) {
        String address = ep.address() == null || ep.address().isBlank() ? ep.host() : ep.address();
        return new CacheKey(address, ep.port(), level, ep.host(), heloName);
    }
}
