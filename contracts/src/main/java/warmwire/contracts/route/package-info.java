/**
 * SUMMARY
 *   What routing produces: a site (the MX set and its TLS level), its endpoints, the delivery
 *   job of mail.deliver, and the shard hash that places a site on a partition.
 */
package warmwire.contracts.route;
