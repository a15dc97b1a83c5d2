/**
 * SUMMARY
 *   The SMTP client protocol engine: replies, capabilities, the body encoder and the session
 *   state machine over Vert.x non-blocking sockets.
 * DESCRIPTION
 *   Nothing here knows Kafka or Quarkus; it needs only a Vert.x instance and a NetClient.
 *   {@link warmwire.session.smtp.SmtpSession} drives one connection through the states of
 *   {@link warmwire.session.smtp.SmtpState}, each guarded by its RFC 5321 section 4.5.3.2
 *   timeout. A session may carry several transactions (the connection cache is a later issue).
 */
package warmwire.session.smtp;
