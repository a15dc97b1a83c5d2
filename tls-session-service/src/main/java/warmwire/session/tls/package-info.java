/**
 * SUMMARY
 *   Certificate verification for the verify TLS level: the trust file and host name checks.
 * DESCRIPTION
 *   The handshake itself accepts any certificate (as Postfix's client does); afterwards
 *   {@link warmwire.session.tls.TrustFileVerifier} judges the chain against
 *   {@code warmwire.tls.trust-file} (or the JDK's CA store when unset) and
 *   {@link warmwire.session.tls.HostnameMatcher} the name against the endpoint's host.
 */
package warmwire.session.tls;
