/**
 * SUMMARY
 *   MX resolution: MX, A and AAAA queries over the Vert.x DNS client with server failover and
 *   a short answer cache, and RFC 5321 section 5.1 / RFC 7505 rules that turn the answers into
 *   endpoints or into a bounce or deferral.
 */
package warmwire.delivery.mx;
