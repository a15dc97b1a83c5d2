/**
 * SUMMARY
 *   The client side of TLS: engine choice, resumption, the ticket store that moves TLS sessions
 *   between instances, and certificate verification for the verify level (the trust file and
 *   host name checks).
 * DESCRIPTION
 *   The handshake itself accepts any certificate (as Postfix's client does); afterwards
 *   {@link warmwire.session.tls.TrustFileVerifier} judges the chain against
 *   {@code warmwire.tls.trust-file} (or the JDK's CA store when unset) and
 *   {@link warmwire.session.tls.HostnameMatcher} the name against the endpoint's host.
 *   {@link warmwire.session.tls.TlsEngine} picks the TLS implementation of the client
 *   ({@code warmwire.tls.engine}: conscrypt by default, openssl or jdk),
 *   {@link warmwire.session.tls.TlsResumption} tells whether a handshake resumed a session,
 *   {@link warmwire.session.tls.ConscryptTls} exports and imports Conscrypt's sessions, and
 *   {@link warmwire.session.tls.TicketStore} keeps them in Infinispan, encrypted with
 *   {@link warmwire.session.tls.TicketCipher} (README: TICKET STORE).
 */
package warmwire.session.tls;
