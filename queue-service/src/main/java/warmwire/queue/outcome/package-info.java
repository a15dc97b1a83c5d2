/**
 * SUMMARY
 *   Outcome reporting: mail.outcome in, one mail.events record and one Postfix-style log line
 *   per recipient out.
 */
package warmwire.queue.outcome;
