package warmwire.session.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;
import warmwire.contracts.KafkaClients;
import warmwire.contracts.Topics;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.marks.FinalMarks;
import warmwire.contracts.outcome.EventMeters;
import warmwire.session.SessionConfig;
import warmwire.session.control.SuspendedSites;
import warmwire.session.deadletter.DeadLetters;
import warmwire.session.infinispan.LazyCache;
import warmwire.session.shard.InstanceId;
import warmwire.session.shard.ShardListener;
import warmwire.pipeline.ExactlyOnceLoop;
import warmwire.pipeline.InFlightLimit;

/**
 * NAME
 *   DeliveryLoopSetup - starts the delivery loop (an {@link ExactlyOnceLoop} over
 *   {@link Deliveries}) with this service's Kafka clients, and stops it.
 * DESCRIPTION
 *   The consumer: group {@value #GROUP}, static member {@code warmwire.session.instance-id},
 *   cooperative sticky assignment (a rebalance moves only the partitions that change owner),
 *   read_committed, the connection settings of the {@code kafka.*} keys
 *   ({@link KafkaClients#groupConsumer}), fetch wait {@code warmwire.session.fetch-wait}, session
 *   timeout {@code warmwire.session.group-session-timeout} (checked at start).
 *   The producer: transactional id {@code warmwire-session-<instance id>} (a restarted instance
 *   aborts its predecessor's open transaction at once), acks=all, idempotent, plus
 *   {@code warmwire.outcome.producer.*}. At stop, fetching stops first; the connection cache
 *   then QUITs (ShardedEngine); the loop commits what finished and closes its clients.
 *   {@code warmwire.session.deliver=false} (unit tests) starts no loop.
 */
@ApplicationScoped
public class DeliveryLoopSetup {
    private static final Logger LOG = Logger.getLogger(DeliveryLoopSetup.class);
    /** The consumer group of tls-session-service: its members share mail.deliver's partitions. */
    public static final String GROUP = "warmwire-tls-session";

    @Inject
    SessionConfig config;

    @Inject
    OutcomeConfig outcomes;

    @Inject
    DeliveryAgent agent;

    @Inject
    ShardListener shards;

    @Inject
    DeadLetters deadLetters;

    @Inject
    SuspendedSites control;

    @Inject
    ObjectMapper mapper;

    @Inject
    MeterRegistry registry;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @ConfigProperty(name = "warmwire.intake.max-recipients", defaultValue = "1000")
    int maxRecipients;

    @Inject
    Instance<RemoteCacheManager> infinispan;

    private ExactlyOnceLoop<byte[], byte[]> loop;
    private Thread thread;
    private OutcomeRecords records;

    void onStart(@Observes StartupEvent ev) {
        SessionConfig.Session s = config.session();
        if (!s.deliver()) {
            return;
        }
        KafkaClients.checkSessionTimeout("warmwire.session.group-session-timeout", s.groupSessionTimeout());
        String instance = InstanceId.of(config);
        LazyCache index = new LazyCache(FinalMarks.CACHE, () -> infinispan.get().getCache(FinalMarks.CACHE));
        records = new OutcomeRecords(outcomes.topic(), mapper.writer(), outcomes.publishDelivered(),
                () -> FinalMarks.in(index.get(), config.index().lifespan(), config.index().marksPatience()),
                new EventMeters(registry));
        Deliveries work = new Deliveries(records, new RecordLimits(maxRecipients), agent::deliver, deadLetters,
                control::caughtUp, s.controlWait());
        ExactlyOnceLoop.Settings settings = new ExactlyOnceLoop.Settings("warmwire-deliver", List.of(Topics.DELIVER),
                s.commitInterval(), s.commitBatch(), s.handoffTimeout(), s.commitMetadataBytes(), s.commitIntervalMax());
        ExactlyOnceLoop<byte[], byte[]>[] self = new ExactlyOnceLoop[1];
        loop = new ExactlyOnceLoop<>(settings, () -> consumer(instance), () -> producer(instance), work,
                new InFlightLimit(s.maxInFlight(), s.maxInFlightBytes()), new ExactlyOnceLoop.Partitions() {
                    @Override
                    public void assigned(Set<TopicPartition> partitions) {
                        shards.assigned(numbers(partitions), self[0].partitionCount(Topics.DELIVER));
                    }

                    @Override
                    public void revoking(Set<TopicPartition> partitions) {
                        shards.revoking(numbers(partitions));
                    }

                    @Override
                    public void revoked(Set<TopicPartition> partitions, int inFlight, long handoffMillis) {
                        shards.revoked(numbers(partitions), self[0].partitionCount(Topics.DELIVER), inFlight, handoffMillis);
                    }
                });
        self[0] = loop;
        ExactlyOnceLoop.Stats st = loop.stats();
        FunctionCounter.builder("warmwire.deliver.transactions.seconds", st, ExactlyOnceLoop.Stats::commitSeconds)
                .description("time spent in the deliver transactions that committed (send, commit points, commit); over the "
                        + "transactions' count, the mean time a commit holds the loop")
                .register(registry);
        FunctionCounter.builder("warmwire.deliver.transactions", st, ExactlyOnceLoop.Stats::transactions)
                .description("Kafka transactions that committed outcomes with mail.deliver's commit points").register(registry);
        FunctionCounter.builder("warmwire.deliver.transactions.failed", st, ExactlyOnceLoop.Stats::failed)
                .description("outcome transactions that failed (their outcomes went in a later one)").register(registry);
        FunctionCounter.builder("warmwire.redeliveries.avoided", st, ExactlyOnceLoop.Stats::skipped)
                .description("jobs read again whose outcome an earlier owner had committed: not delivered again").register(registry);
        FunctionCounter.builder("warmwire.deliver.commit.truncations", st, ExactlyOnceLoop.Stats::truncations)
                .description("commits whose metadata could not name every unfinished job (more are delivered again after a crash)")
                .register(registry);
        Gauge.builder("warmwire.deliver.in.flight", loop, ExactlyOnceLoop::inFlight)
                .description("jobs taken from mail.deliver and not yet committed").register(registry);
        Gauge.builder("warmwire.deliver.commit.interval", loop, l -> l.commitIntervalMillis() / 1000.0).baseUnit("seconds")
                .description("how long finished outcomes wait for their transaction while the loop is busy: commit-interval "
                        + "over this instance's share of the shards, at most commit-interval-max")
                .register(registry);
        thread = loop.start();
        LOG.infof("delivery loop: %s -> %s%s, group %s, member %s, transactions every %s (owning every shard; at most %s "
                + "owning fewer) or %d outcomes", Topics.DELIVER,
                outcomes.topic(), outcomes.publishDelivered() ? " (delivered first attempts: " + Topics.EVENTS + ")" : "",
                GROUP, instance, s.commitInterval(), s.commitIntervalMax(), s.commitBatch());
    }

    private static Set<Integer> numbers(Set<TopicPartition> partitions) {
        Set<Integer> out = new TreeSet<>();
        partitions.forEach(tp -> out.add(tp.partition()));
        return out;
    }

    /** First at stop: no new job is fetched (the cache's QUITs and the loop's last commit follow). */
    void onStopping(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent ev) {
        if (loop != null) {
            loop.stop();
        }
    }

    /** Last at stop: the loop commits what finished (bounded by the handoff timeout) and closes its clients. */
    void onStopped(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) ShutdownEvent ev) {
        if (thread == null) {
            return;
        }
        try {
            thread.join(config.session().handoffTimeout().toMillis() + 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        records.close(); // the last commit's final marks
    }

    private KafkaConsumer<String, byte[]> consumer(String instance) {
        SessionConfig.Session s = config.session();
        return new KafkaConsumer<>(consumerSettings(kafka, instance, s.fetchWait(), s.groupSessionTimeout()),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The delivery loop's consumer settings: {@code kafka}'s connection entries and the loop's own. */
    static Map<String, Object> consumerSettings(Map<String, Object> kafka, String instance, java.time.Duration fetchWait,
            java.time.Duration sessionTimeout) {
        Map<String, Object> p = KafkaClients.groupConsumer(kafka, GROUP, "warmwire-deliver-" + instance);
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance);
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) fetchWait.toMillis());
        return KafkaClients.sessionTimeout(p, sessionTimeout);
    }

    private KafkaProducer<String, byte[]> producer(String instance) {
        Map<String, Object> p = new HashMap<>(KafkaClients.connection(kafka));
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 262_144);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_RECORD_BYTES);
        p.putAll(outcomes.producer());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "warmwire-session-" + instance);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "warmwire-session-" + instance);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
