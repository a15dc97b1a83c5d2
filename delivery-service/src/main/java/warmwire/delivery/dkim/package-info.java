/**
 * DKIM signing (RFC 6376, Ed25519 per RFC 8463): the message's header and body in their relaxed
 * forms ({@link warmwire.delivery.dkim.Relaxed}), the signature fields
 * ({@link warmwire.delivery.dkim.DkimSigner}), the keys ({@link warmwire.delivery.dkim.SigningKey})
 * and which of them sign a queued message ({@link warmwire.delivery.dkim.Signing}). Imports
 * contracts only; dispatch calls it before a message is planned into jobs.
 */
package warmwire.delivery.dkim;
