/**
 * SUMMARY
 *   Records that are not valid for their topic, and where they go: mail.internal.dlq.
 * DESCRIPTION
 *   {@link warmwire.session.deadletter.DeadLetters} writes a job of mail.deliver (agent) or a
 *   decision of mail.control (control) that fails its contract check, with the reason, and
 *   counts it. Both readers use it, so it sits below both.
 */
package warmwire.session.deadletter;
