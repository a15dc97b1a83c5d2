/**
 * SUMMARY
 *   tls-session-service: consumes delivery jobs from mail.deliver, delivers them over SMTP
 *   (STARTTLS per the job's TLS level) and publishes one outcome per job on mail.outcome, or,
 *   for a first attempt delivered to every recipient, its final events on mail.events.
 * DESCRIPTION
 *   {@code smtp} is the protocol engine (no Kafka, no Quarkus); {@code tls} verifies
 *   certificates; {@code conn} walks a job's endpoints; {@code outcome} maps replies to
 *   per-recipient results; {@code agent} is the Kafka side with its in-flight bound;
 *   {@code metrics} the Prometheus meters; {@code ops} the dead-site verdicts in Infinispan.
 */
package warmwire.session;
