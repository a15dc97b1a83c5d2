/**
 * SUMMARY
 *   What a delivery attempt produced: the outcome of mail.outcome (per recipient, with the
 *   server's reply, TLS details and delays) and the public events of mail.events.
 */
package warmwire.contracts.outcome;
