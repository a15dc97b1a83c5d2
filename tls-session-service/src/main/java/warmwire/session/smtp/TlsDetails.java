package warmwire.session.smtp;

/**
 * NAME
 *   TlsDetails - what the TLS handshake of a session established.
 * DESCRIPTION
 *   {@code verifyProblem} is null when the peer's chain and name were verified, else why not
 *   (computed for every TLS session, enforced only under the verify level).
 *   {@code resumed} is false: JSSE does not tell a resumed session apart reliably here.
 */
public record TlsDetails(String protocol, String cipher, boolean resumed, String verifyProblem) {

    public boolean verified() {
        return verifyProblem == null;
    }
}
