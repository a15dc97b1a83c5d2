/**
 * SUMMARY
 *   What the service tells the rest of Warmwire's operations about itself, outside Kafka.
 * DESCRIPTION
 *   {@link warmwire.session.ops.DeadSitePublisher} writes the dead-site verdicts to the
 *   Infinispan cache warmwire-sites, where queue-service's admin API lists them. See the module
 *   README, OPERATIONS.
 */
package warmwire.session.ops;
