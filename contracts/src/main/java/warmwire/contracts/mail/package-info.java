/**
 * SUMMARY
 *   A message as users submit it and as the queue keeps it: the public submission of
 *   mail.submit, the queued message of mail.route and the retry tiers, its DSN request and TLS
 *   level, and the binary frame that carries a body from intake to the socket.
 */
package warmwire.contracts.mail;
