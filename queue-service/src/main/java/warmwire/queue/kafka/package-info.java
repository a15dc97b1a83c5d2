/**
 * SUMMARY
 *   queue-service's Kafka clients: {@link warmwire.queue.kafka.LoopClients} makes the consumers
 *   and transactional producers of the exactly-once loops (intake, outcome), whose transactions
 *   carry the record paths' output; {@link warmwire.queue.kafka.QueueProducer} is a plain
 *   producer (acks=all, idempotent, batched) for the paths outside a loop (OutcomeReporter's
 *   publish for tests and benchmarks).
 */
package warmwire.queue.kafka;
