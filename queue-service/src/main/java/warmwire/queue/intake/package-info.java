/**
 * SUMMARY
 *   Intake: mail.submit in, validation (RFC 5321 addresses, schema, size), mail.route or
 *   mail.submit.dlq plus a rejected event out.
 */
package warmwire.queue.intake;
