package warmwire.session.smtp;

/**
 * NAME
 *   TlsDetails - what the TLS handshake of a session established.
 * DESCRIPTION
 *   {@code verifyProblem} is null when the peer's chain and name were verified, else why not
 *   (computed for every TLS session, enforced under the levels that verify: verify, secure,
 *   dane with TLSA records, dane-only; REQUIRETLS needs it).
 *   {@code resumed}: the handshake resumed an earlier session of this client (TLS 1.2 session
 *   id or ticket, TLS 1.3 PSK), as the engine tells it: BoringSSL's own flag with the OpenSSL
 *   engine, the session's creation time with the JDK's (warmwire.session.tls.TlsResumption).
 */
public record TlsDetails(String protocol, String cipher, boolean resumed, String verifyProblem) {

    public boolean verified() {
        return verifyProblem == null;
    }
}
