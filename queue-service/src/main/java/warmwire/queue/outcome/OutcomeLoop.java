package warmwire.queue.outcome;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.queue.QueueConfig;
import warmwire.queue.kafka.LoopClients;

/**
 * NAME
 *   OutcomeLoop - reads mail.outcome and publishes what each poll causes in one Kafka transaction.
 * DESCRIPTION
 *   {@code warmwire.outcome.consumers} threads, each with a plain consumer in the group
 *   {@code warmwire-queue-outcome} and a transactional producer of its own
 *   ({@code <transactional-id>-<n>}). Per poll, step by step:
 *     1. poll mail.outcome (isolation.level=read_committed, no auto commit);
 *     2. {@link OutcomeReporter#prepare} the batch's events, retry-tier records and DSNs;
 *     3. begin a transaction, send them, add the poll's next offsets with the consumer's group
 *        metadata (so a member that lost its partitions in a rebalance cannot commit), commit;
 *     4. report back: published (the final events get their marks) or abandoned.
 *   A failed step 3 (broker restart, fenced or timed-out transaction, rebalance) closes the
 *   producer; a new one with the same transactional id is made and initialised (which aborts
 *   the old one's open transaction, or completes its commit if that was already decided), and
 *   the consumer is rewound to the committed offsets, so the batch is read again unless its
 *   commit went through. A poll's records thus reach mail.events, mail.route and mail.retry.N
 *   exactly once for read_committed readers, across a kill -9 of this service or the broker.
 *   This replaces a SmallRye channel with KafkaTransactions: its producer, once fenced by a
 *   broker restart, stayed fenced and outcomes stopped (CrashSafetyIT in fresh-clone CI).
 *   The id is stable per instance (host and HTTP port by default) so that a restarted instance
 *   aborts its predecessor's open transaction at once instead of readers waiting out the
 *   transaction timeout.
 */
@ApplicationScoped
public class OutcomeLoop {
    private static final Logger LOG = Logger.getLogger(OutcomeLoop.class);
    static final String GROUP = "warmwire-queue-outcome";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long PAUSE_MS = 1000;

    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @Inject
    OutcomeReporter reporter;

    @Inject
    QueueConfig config;

    @Inject
    LoopClients clients;

    @Inject
    MeterRegistry registry;

    void onStart(@Observes StartupEvent ev) {
        QueueConfig.Outcome o = config.outcome();
        Stats stats = new Stats(registry);
        for (int i = 1; i <= o.consumers(); i++) {
            String id = o.transactionalId() + "-" + i;
            Worker w = new Worker(reporter, () -> consumer(id), () -> producer(id), stats, id);
            Thread t = new Thread(w, "warmwire-outcome-" + i);
            t.setDaemon(true);
            workers.add(w);
            threads.add(t);
            t.start();
        }
        LOG.infof("outcome loop: %d consumer(s), transactional ids %s-1..%d", o.consumers(), o.transactionalId(),
                o.consumers());
    }

    void onStop(@Observes ShutdownEvent ev) {
        workers.forEach(Worker::stop);
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Consumer<String, String> consumer(String id) {
        return clients.consumer(GROUP, id, config.outcome().maxPollRecords());
    }

    private Producer<String, String> producer(String id) {
        return clients.producer(id);
    }

    /** Counters shared by the workers. */
    static final class Stats {
        final Counter committed;
        final Counter aborted;
        final Counter producers;

        Stats(MeterRegistry registry) {
            committed = Counter.builder("warmwire.outcome.transactions").tag("result", "committed")
                    .description("outcome batches published in a committed transaction").register(registry);
            aborted = Counter.builder("warmwire.outcome.transactions").tag("result", "aborted")
                    .description("outcome batches whose transaction failed; read again").register(registry);
            producers = Counter.builder("warmwire.outcome.producers.started")
                    .description("transactional producers started (one per worker, plus one per failed transaction)")
                    .register(registry);
        }
    }

    /** One consumer, one transactional producer, one thread. */
    static final class Worker implements Runnable {
        private final OutcomeReporter reporter;
        private final Supplier<Consumer<String, String>> consumers;
        private final Supplier<Producer<String, String>> producers;
        private final Stats stats;
        private final String id;
        private volatile boolean stopping;
        private volatile Consumer<String, String> consumer;
        private Producer<String, String> producer;
        private boolean rewind;

        Worker(OutcomeReporter reporter, Supplier<Consumer<String, String>> consumers,
               Supplier<Producer<String, String>> producers, Stats stats, String id) {
            this.reporter = reporter;
            this.consumers = consumers;
            this.producers = producers;
            this.stats = stats;
            this.id = id;
        }

        @Override
        public void run() {
            while (!stopping) {
                try {
                    step();
                } catch (WakeupException e) {
                    // stop() woke the consumer
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (Exception e) {
                    if (stopping) {
                        break;
                    }
                    LOG.errorf("%s: %s; consumer and producer are made anew, uncommitted outcomes are read again in %d ms",
                            id, e, PAUSE_MS);
                    closeConsumer();
                    closeProducer();
                    pause();
                }
            }
            closeProducer();
            closeConsumer();
        }

        /** One turn of the loop; package-private for tests. */
        void step() throws Exception {
            if (consumer == null) {
                consumer = consumers.get();
                consumer.subscribe(List.of(Topics.OUTCOME));
            }
            if (producer == null) {
                Producer<String, String> p = producers.get();
                try {
                    p.initTransactions();
                } catch (RuntimeException e) {
                    p.close(Duration.ZERO);
                    throw e;
                }
                producer = p;
                stats.producers.increment();
                rewind = true;
            }
            if (rewind) {
                rewind();
                rewind = false;
            }
            ConsumerRecords<String, String> records = consumer.poll(POLL);
            if (!records.isEmpty()) {
                publish(records);
            }
        }

        private void publish(ConsumerRecords<String, String> records) throws Exception {
            OutcomeReporter.Prepared batch = reporter.prepare(records, Instant.now());
            try {
                producer.beginTransaction();
                for (ProducerRecord<String, String> r : batch.records()) {
                    producer.send(r); // a failed send fails commitTransaction below
                }
                producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
                producer.commitTransaction();
            } catch (RuntimeException e) {
                batch.abandoned();
                stats.aborted.increment();
                LOG.warnf("%s: outcome transaction of %d record(s) failed (%s); a new producer takes over and the batch is read again",
                        id, records.count(), e.toString());
                closeProducer();
                if (!stopping) {
                    pause();
                }
                return;
            }
            batch.published();
            stats.committed.increment();
        }

        /** Seeks every assigned partition back to its committed offset (the start if none). */
        private void rewind() {
            Set<TopicPartition> assigned = consumer.assignment();
            if (assigned.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
            List<TopicPartition> none = new ArrayList<>();
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata o = committed.get(tp);
                if (o == null) {
                    none.add(tp);
                } else {
                    consumer.seek(tp, o);
                }
            }
            if (!none.isEmpty()) {
                consumer.seekToBeginning(none);
            }
        }

        static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, String> records) {
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<String, String>> rs = records.records(tp);
                next.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
            }
            return next;
        }

        void stop() {
            stopping = true;
            Consumer<String, String> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        }

        private void closeProducer() {
            if (producer != null) {
                try {
                    producer.close(Duration.ZERO);
                } catch (RuntimeException e) {
                    LOG.debugf("%s: closing the producer: %s", id, e);
                }
                producer = null;
            }
        }

        private void closeConsumer() {
            if (consumer != null) {
                try {
                    consumer.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.debugf("%s: closing the consumer: %s", id, e);
                }
                consumer = null;
            }
        }

        private void pause() {
            try {
                Thread.sleep(PAUSE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
            }
        }
    }
}
