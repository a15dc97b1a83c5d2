/**
 * SUMMARY
 *   Connection management: trying a job's endpoints in order and running one transaction on
 *   the first that works.
 * DESCRIPTION
 *   {@link warmwire.session.conn.EndpointWalker} opens one
 *   {@link warmwire.session.smtp.SmtpSession} per endpoint until one reaches READY, sends the
 *   envelope, and QUITs. The connection cache of a later issue belongs here.
 */
package warmwire.session.conn;
