/**
 * SUMMARY
 *   DANE for SMTP (RFC 7672): DNSSEC-validated MX and TLSA lookups
 *   ({@link warmwire.delivery.dane.DnssecLookup}, dnsjava's validating resolver) and the route
 *   of a domain under the levels dane and dane-only ({@link warmwire.delivery.dane.Dane}).
 *   The certificate is matched against the TLSA records by tls-session-service
 *   (warmwire.session.tls.DaneVerifier).
 * BUGS
 *   The MX hosts' address records are taken from the routing DNS client, not validated (see
 *   Dane). A TLSA record reached through a CNAME is used under the CNAME's owner name only as
 *   far as dnsjava's validator follows it; names from a CNAME-expanded TLSA base domain are not
 *   added to the DANE-TA name check.
 */
package warmwire.delivery.dane;
