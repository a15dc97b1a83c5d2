/**
 * SUMMARY
 *   One exactly-once hop of the mail flow on plain Kafka clients: records in, work that may
 *   finish out of order, outputs and commit points in one transaction.
 * DESCRIPTION
 *   {@link warmwire.pipeline.ExactlyOnceLoop} runs the hop; {@link warmwire.pipeline.CommitPoints}
 *   writes which records above the committed offset are already done; {@link
 *   warmwire.pipeline.InFlightLimit} bounds the work started and not committed. No Quarkus, no
 *   Warmwire contract: see the module README.
 */
package warmwire.pipeline;
