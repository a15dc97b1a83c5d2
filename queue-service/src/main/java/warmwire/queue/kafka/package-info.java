/**
 * SUMMARY
 *   The one Kafka producer of queue-service's record paths (intake and outcome): plain Kafka
 *   client, acks=all, idempotent, batched; a whole poll's records are sent and awaited together.
 */
package warmwire.queue.kafka;
