/**
 * SUMMARY
 *   Intake: mail.submit judged (RFC 5321 addresses, schema, size, client ids); an accepted
 *   message is routed in the same hop (dispatch), a rejected one goes to mail.submit.dlq with
 *   a rejected event.
 */
package warmwire.delivery.intake;
