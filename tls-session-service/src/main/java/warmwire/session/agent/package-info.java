/**
 * SUMMARY
 *   The Kafka side: mail.deliver in, mail.outcome out, with a bounded number of jobs in flight.
 * DESCRIPTION
 *   {@link warmwire.session.agent.DeliveryJobConsumer} starts each job at once unless the
 *   in-flight bound ({@link warmwire.session.agent.InFlightLimit}) is reached, so a slow site
 *   never holds back the jobs behind it; a job's record is acknowledged only after its
 *   outcome record is. Outcomes go through one shared Kafka producer used directly
 *   ({@link warmwire.session.agent.OutcomePublisher}, settings in
 *   {@link warmwire.session.agent.OutcomeConfig}), not a SmallRye emitter per outcome.
 *   {@link warmwire.session.agent.DeliveryAgent} wires the SMTP engine from configuration.
 * WHY NOT BATCHES
 *   mail.deliver is consumed one record at a time. With {@code batch=true}, SmallRye Reactive
 *   Messaging Kafka 4.33 (Quarkus 3.33) registers only the last record of each partition in a
 *   batch with the throttled commit strategy (KafkaSource.receiveBatchRecord calls
 *   {@code commitHandler.received} for {@code getLatestOffsetRecords()} only). Acking the
 *   records of a batch one by one would then commit the partition up to the last record as
 *   soon as that one is done, past earlier jobs of the batch still in flight (a crash would
 *   lose them), and the acks of the other records would pile up in the strategy's processed
 *   set for ever. Acking the batch as a whole would make every job wait for the slowest one
 *   of its batch (DESIGN principle 4). Per-record acks are therefore only correct with
 *   per-record consumption.
 * WHY NOT KafkaClientService#getProducer
 *   SmallRye creates a channel's producer only when something (an emitter, an @Outgoing)
 *   feeds the channel, and its {@code send} still runs every record through Mutiny and a hop
 *   to its sending thread. The Kafka client is used as Quarkus documents it for direct use:
 *   a {@code KafkaProducer} built from the {@code default-kafka-broker} configuration (the
 *   {@code kafka.*} keys).
 */
package warmwire.session.agent;
