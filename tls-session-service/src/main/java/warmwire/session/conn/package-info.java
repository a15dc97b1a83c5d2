/**
 * SUMMARY
 *   Connection management: opening a session on the first endpoint that works, and running a
 *   job's transactions on a session.
 * DESCRIPTION
 *   {@link warmwire.session.conn.EndpointWalker} opens one
 *   {@link warmwire.session.smtp.SmtpSession} per endpoint until one reaches READY.
 *   {@link warmwire.session.conn.JobTransactions} runs a job as one or more transactions on it
 *   (recipient limit, 452 carry-over, RSET before reuse, stale connections).
 *   {@link warmwire.session.conn.CacheKey} and {@link warmwire.session.conn.ConnectionLimits}
 *   are what the connection cache ({@code readyq}) reuses connections by and is bounded by.
 */
package warmwire.session.conn;
