/**
 * SUMMARY
 *   The operators' decisions that reach this service: suspended sites, from mail.control.
 * DESCRIPTION
 *   {@link warmwire.session.control.SuspendedSites} follows the compacted mail.control topic
 *   (every partition, from the beginning); a suspended site's jobs are deferred without a
 *   connection. {@link warmwire.session.control.ControlReadiness} keeps the service not ready
 *   until the topic has been read to its end. Invalid records go to the dead letters.
 */
package warmwire.session.control;
