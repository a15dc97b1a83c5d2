/**
 * SUMMARY
 *   The Kafka side: mail.deliver in, mail.outcome out (or mail.events, for a first attempt
 *   delivered to every recipient: OutcomeRecords), exactly one committed outcome per job.
 * DESCRIPTION
 *   The delivery loop, a {@link warmwire.pipeline.ExactlyOnceLoop} over
 *   {@link warmwire.session.agent.Deliveries}, reads mail.deliver with a plain Kafka consumer
 *   and starts each job at once (fetching pauses at the in-flight bound), so a slow site never
 *   holds back the jobs behind it. Finished jobs' outcomes go to mail.outcome in Kafka
 *   transactions, each with the commit points of the partitions (the lowest unfinished job, and
 *   the finished ones above it in the commit's metadata), so an outcome and "this job is done"
 *   are one atomic write. {@link warmwire.session.agent.DeliveryLoopSetup} makes its clients and
 *   starts and stops it; {@link warmwire.session.agent.SessionWiring} makes the SMTP
 *   engine (connection cache, walker, ticket store) from the configuration as CDI producers,
 *   and {@link warmwire.session.agent.DeliveryAgent} delivers each job through it;
 *   {@link warmwire.session.agent.ShardedEngine} is the engine as the shard side sees it
 *   (tickets at a gain or loss, connection counts, QUIT at shutdown).
 * WHY NOT SMALLRYE
 *   A SmallRye channel acknowledges record by record through its commit strategy, which can
 *   only commit up to the lowest unfinished record: after a crash every finished job above it
 *   would be delivered again, so each job needed a done mark in Infinispan (a read and a write
 *   per job). Its per-record Message, Mutiny pipeline and hand-offs also cost more CPU than the
 *   jobs' Kafka work (BENCHMARKS.md). The plain clients are the supported Kafka API under both,
 *   in the Quarkus BOM; the loop builds them from the {@code default-kafka-broker}
 *   configuration (the {@code kafka.*} keys), as Quarkus documents for direct use.
 */
package warmwire.session.agent;
