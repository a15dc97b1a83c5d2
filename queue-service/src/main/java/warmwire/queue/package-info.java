/**
 * SUMMARY
 *   queue-service: intake of mail.submit, and the outcome side that turns mail.outcome into
 *   mail.events and Postfix-style log lines.
 * DESCRIPTION
 *   {@code intake} validates submissions and forwards valid mail to mail.route, dead-lettering
 *   the rest; {@code outcome} reports per-recipient results; {@code index} keeps the derived
 *   per-message state in Infinispan for admin queries; {@code admin} serves it.
 */
package warmwire.queue;
