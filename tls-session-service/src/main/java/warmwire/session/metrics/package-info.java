/**
 * SUMMARY
 *   The service's Prometheus metrics (/q/metrics, Micrometer).
 * DESCRIPTION
 *   {@link warmwire.session.conn.ConnectionEvents} is the hook the SMTP side calls (no
 *   Micrometer, no Quarkus in it, so the engine and the connection cache run without either);
 *   {@link warmwire.session.metrics.SessionMetrics} turns those calls, the finished jobs and the
 *   dead-site verdicts into meters. See the module README, OPERATIONS.
 */
package warmwire.session.metrics;
