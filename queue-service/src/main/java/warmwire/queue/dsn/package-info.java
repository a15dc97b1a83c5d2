/**
 * SUMMARY
 *   Delivery status notifications (RFC 3464): who wants one ({@link warmwire.queue.dsn.Notify})
 *   and the message itself ({@link warmwire.queue.dsn.DsnWriter}), a new QueuedMessage for
 *   mail.route from the null sender to the original sender.
 * DESCRIPTION
 *   Pure code: no Kafka, no CDI, no clock. The outcome path decides when a recipient's state is
 *   worth a notice, builds {@link warmwire.queue.dsn.RecipientReport}s from its results or
 *   events, and publishes what the writer returns.
 */
package warmwire.queue.dsn;
