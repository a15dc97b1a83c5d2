/**
 * SUMMARY
 *   The SMTP client protocol engine: replies, capabilities, the body encoder and the session
 *   state machine over Vert.x non-blocking sockets.
 * DESCRIPTION
 *   Nothing here knows Kafka or Quarkus; it needs only a Vert.x instance and a NetClient.
 *   {@link warmwire.session.smtp.SmtpSession} drives one connection through the states of
 *   {@link warmwire.session.smtp.SmtpState}, each guarded by its RFC 5321 section 4.5.3.2
 *   timeout. A session carries several transactions (the connection cache, readyq, keeps it
 *   between jobs). What it needs of TLS it asks through two interfaces the tls package
 *   implements: {@link warmwire.session.smtp.SessionTickets} (the shared session store) and
 *   {@link warmwire.session.smtp.TlsInspector} (the engine, and whether a handshake resumed);
 *   it imports no other package of this module.
 */
package warmwire.session.smtp;
