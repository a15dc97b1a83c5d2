/**
 * How mail to one mailbox provider is shaped: which sites make a provider and the limits that
 * apply across them ({@link warmwire.contracts.shape.Providers}), read by delivery-service (a
 * provider's sites share one shard key) and by tls-session-service (the limits).
 */
package warmwire.contracts.shape;
