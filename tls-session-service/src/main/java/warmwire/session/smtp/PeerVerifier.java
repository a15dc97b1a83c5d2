package warmwire.session.smtp;

import java.security.cert.Certificate;
import java.util.List;

/**
 * NAME
 *   PeerVerifier - decides whether a server's certificate chain is trusted for a host name.
 * DESCRIPTION
 *   Called once after each TLS handshake (which itself accepts any certificate, as Postfix's
 *   client does) with the chain the server presented and the endpoint's host name.
 *   Returns null when verified, else the reason. See warmwire.session.tls.TrustFileVerifier.
 */
@FunctionalInterface
public interface PeerVerifier {
    /** A verifier that trusts nothing. */
    PeerVerifier NOTHING = (chain, host) -> "no trust anchors";

    String problem(List<Certificate> chain, String host);

    /**
     * This verifier with the server's certificate checked against {@code names} instead of the
     * host (level secure: {@code example.com} exactly, {@code .example.com} any subdomain; one
     * match is enough); {@code names} empty: this verifier. A verifier without names of its own
     * to check returns itself.
     */
    default PeerVerifier matching(List<String> names) {
        return this;
    }
}
